//! The send body checked as strictly as Sinch checks it, on the raw JSON so
//! every problem names its path (`message.media.url`). The sandbox accepts only
//! what Sinch would accept: a body that passes here is one wacast may send.
//! All problems are reported together, in body order.

use crate::transport::sinch_v1::RECIPIENTS_PER_REQUEST_MAX;
use crate::whatsapp::catalog;
use serde_json::{Map, Value};
use std::fmt::Display;

/// What the server needs from a valid send body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidRequest {
    /// The recipients, as sent.
    pub to: Vec<String>,
    /// The message's own callback URL.
    pub callback: Option<String>,
    /// The parsed body, for the record.
    pub body: Value,
}

/// Why a body was refused: the `details` of the 400 answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub details: String,
}

/// Checks a send body.
pub fn validate(body: &[u8]) -> Result<ValidRequest, Rejection> {
    let value: Value = serde_json::from_slice(body).map_err(|error| Rejection {
        details: format!("body is not valid JSON: {error}"),
    })?;
    let mut check = Check::default();
    check.request(&value);
    if !check.problems.is_empty() {
        return Err(Rejection {
            details: check.problems.join("; "),
        });
    }
    let to = value["to"]
        .as_array()
        .map(|to| {
            to.iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let callback = value
        .get("callback")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(ValidRequest {
        to,
        callback,
        body: value,
    })
}

const REQUEST_FIELDS: &[&str] = &["to", "message", "callback"];
const MESSAGE_FIELDS: &[&str] = &[
    "type",
    "template_name",
    "language",
    "header_params",
    "body_params",
    "media",
    "buttons",
    // Accepted and ignored by Sinch since 2021 (the v1 reference).
    "ttl",
];
const BUTTON_TYPES: &str = "`call`, `url` or `quick_reply`";
const MEDIA_TYPES: &str = "`text`, `image`, `video` or `document`";
const PHONE_DIGITS_MIN: usize = 7;
const PHONE_DIGITS_MAX: usize = 15;

#[derive(Default)]
struct Check {
    problems: Vec<String>,
}

impl Check {
    fn problem(&mut self, path: &str, text: impl Display) {
        self.problems.push(format!("`{path}` {text}"));
    }

    fn request(&mut self, value: &Value) {
        let Some(request) = value.as_object() else {
            self.problems
                .push(format!("body must be a JSON object, found {}", kind(value)));
            return;
        };
        self.fields("", request, REQUEST_FIELDS);
        match request.get("to") {
            Some(to) => self.recipients(to),
            None => self.problem("to", "is required"),
        }
        match request.get("message") {
            Some(message) => self.message(message),
            None => self.problem("message", "is required"),
        }
        if let Some(callback) = request.get("callback") {
            self.url("callback", callback);
        }
    }

    /// Flags fields outside `allowed`, with a hint for the ones Sinch dropped.
    fn fields(&mut self, at: &str, object: &Map<String, Value>, allowed: &[&str]) {
        for name in object
            .keys()
            .filter(|name| !allowed.contains(&name.as_str()))
        {
            let path = join(at, name);
            let text = match name.as_str() {
                "params" => "was removed in 2021; use `header_params` and `body_params`".to_owned(),
                "ttl" => "belongs on `message` (Sinch ignores it there since 2021)".to_owned(),
                "caption" => "is not allowed: template media take no caption".to_owned(),
                "filename" => "is only allowed on `document` media".to_owned(),
                _ => format!("is not a known field; expected one of {}", quoted(allowed)),
            };
            self.problem(&path, text);
        }
    }

    fn recipients(&mut self, to: &Value) {
        let Some(numbers) = to.as_array() else {
            return self.problem(
                "to",
                format!("must be a list of numbers, found {}", kind(to)),
            );
        };
        let max = RECIPIENTS_PER_REQUEST_MAX;
        if numbers.is_empty() || numbers.len() > max {
            self.problem(
                "to",
                format!("must hold 1 to {max} recipients, found {}", numbers.len()),
            );
        }
        for (index, number) in numbers.iter().enumerate() {
            let path = format!("to[{index}]");
            match number.as_str() {
                None => self.problem(&path, format!("must be a string, found {}", kind(number))),
                Some(digits) if !is_international_digits(digits) => self.problem(
                    &path,
                    format!(
                        "must be {PHONE_DIGITS_MIN} to {PHONE_DIGITS_MAX} digits in international form, without `+` or spaces"
                    ),
                ),
                Some(digits) => {
                    if let Some(first) = numbers[..index].iter().position(|n| n.as_str() == Some(digits)) {
                        self.problem(&path, format!("repeats `to[{first}]`"));
                    }
                }
            }
        }
    }

    fn message(&mut self, value: &Value) {
        let Some(message) = value.as_object() else {
            return self.problem(
                "message",
                format!("must be an object, found {}", kind(value)),
            );
        };
        self.fields("message", message, MESSAGE_FIELDS);
        self.message_type(message.get("type"));
        self.template_name(message.get("template_name"));
        if let Some(language) = message.get("language") {
            self.language(language);
        }
        let media = match message.get("media") {
            Some(media) => self.media(media),
            None => {
                self.problem(
                    "message.media",
                    "is required; use `{\"type\": \"text\"}` for a template without a media header",
                );
                None
            }
        };
        if let Some(params) = message.get("header_params") {
            self.header_params(params, media);
        }
        if let Some(params) = message.get("body_params") {
            let max_chars = catalog::BODY_PARAMS_MAX_CHARS;
            self.params("message.body_params", params, usize::MAX, max_chars);
        }
        if let Some(buttons) = message.get("buttons") {
            self.buttons(buttons);
        }
    }

    fn message_type(&mut self, value: Option<&Value>) {
        match value {
            None => self.problem("message.type", "is required and must be `template`"),
            Some(Value::String(kind)) if kind == "template" => {}
            Some(other) => self.problem(
                "message.type",
                format!("must be `template`, found {}", shown(other)),
            ),
        }
    }

    fn template_name(&mut self, value: Option<&Value>) {
        match value {
            None => self.problem("message.template_name", "is required"),
            Some(Value::String(name)) if name.trim().is_empty() => {
                self.problem("message.template_name", "must not be empty")
            }
            Some(Value::String(_)) => {}
            Some(other) => self.problem(
                "message.template_name",
                format!("must be a string, found {}", kind(other)),
            ),
        }
    }

    fn language(&mut self, value: &Value) {
        let path = "message.language";
        let Some(code) = value.as_str() else {
            return self.problem(
                path,
                format!("must be a language code string, found {}", kind(value)),
            );
        };
        if catalog::is_language(code) {
            return;
        }
        let suggestions = catalog::language_suggestions(code);
        let hint = if suggestions.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", quoted(&suggestions))
        };
        self.problem(path, format!("has unsupported code `{code}`{hint}"));
    }

    /// Checks the media header and returns its type when it is a known one.
    fn media(&mut self, value: &Value) -> Option<&'static str> {
        let path = "message.media";
        let Some(media) = value.as_object() else {
            self.problem(path, format!("must be an object, found {}", kind(value)));
            return None;
        };
        let kind_name = match media.get("type") {
            None => {
                self.problem("message.media.type", format!("is required: {MEDIA_TYPES}"));
                return None;
            }
            Some(Value::String(name)) => name.as_str(),
            Some(other) => {
                self.problem(
                    "message.media.type",
                    format!("must be {MEDIA_TYPES}, found {}", kind(other)),
                );
                return None;
            }
        };
        let (kind_name, allowed): (&'static str, &[&str]) = match kind_name {
            "text" => ("text", &["type", "url"]),
            // `provider` names credentials registered with `/provision/provider`
            // for a media URL behind authentication (sinch/docs,
            // `whatsapp-media-provider.md` and the template media sample in
            // `whatsapp-message.md`).
            "image" => ("image", &["type", "url", "provider"]),
            "video" => ("video", &["type", "url", "provider"]),
            "document" => ("document", &["type", "url", "filename", "provider"]),
            "audio" | "sticker" => {
                self.problem(
                    "message.media.type",
                    format!("is `{kind_name}`, but templates have no {kind_name} headers; use {MEDIA_TYPES}"),
                );
                return None;
            }
            other => {
                self.problem(
                    "message.media.type",
                    format!("must be {MEDIA_TYPES}, found `{other}`"),
                );
                return None;
            }
        };
        self.fields(path, media, allowed);
        if kind_name == "text" && media.contains_key("url") {
            self.problem("message.media.url", "is not allowed on `text` media");
        } else if kind_name != "text" {
            match media.get("url") {
                Some(url) => self.url("message.media.url", url),
                None => self.problem(
                    "message.media.url",
                    format!("is required for `{kind_name}` media"),
                ),
            }
        }
        if kind_name == "document"
            && let Some(filename) = media.get("filename")
        {
            self.non_empty_string("message.media.filename", filename);
        }
        if let Some(provider) = media.get("provider") {
            self.non_empty_string("message.media.provider", provider);
        }
        Some(kind_name)
    }

    fn header_params(&mut self, params: &Value, media: Option<&str>) {
        let path = "message.header_params";
        let has_params = params.as_array().is_some_and(|list| !list.is_empty());
        if has_params && media.is_some_and(|media| media != "text") {
            self.problem(
                path,
                "are only allowed with a text header (`{\"type\": \"text\"}` media)",
            );
        }
        let max_chars = catalog::HEADER_PARAM_MAX_CHARS;
        self.params(path, params, catalog::HEADER_PARAMS_MAX, max_chars);
    }

    /// A list of parameter strings, at most `max_count` of them and `max_chars`
    /// characters together, each one as WhatsApp allows.
    fn params(&mut self, path: &str, value: &Value, max_count: usize, max_chars: usize) {
        let Some(params) = value.as_array() else {
            return self.problem(
                path,
                format!("must be a list of strings, found {}", kind(value)),
            );
        };
        if params.len() > max_count {
            self.problem(
                path,
                format!("may hold at most {max_count}, found {}", params.len()),
            );
        }
        let mut total = 0;
        for (index, param) in params.iter().enumerate() {
            let at = format!("{path}[{index}]");
            match param.as_str() {
                Some(text) => {
                    total += text.chars().count();
                    self.param_text(&at, text);
                }
                None => self.problem(&at, format!("must be a string, found {}", kind(param))),
            }
        }
        if total > max_chars {
            self.problem(
                path,
                format!("together hold {total} characters, more than {max_chars}"),
            );
        }
    }

    fn param_text(&mut self, path: &str, text: &str) {
        let most = catalog::CONSECUTIVE_SPACES_MAX;
        if text.trim().is_empty() {
            self.problem(path, "must not be empty");
        } else if text.contains(['\n', '\r', '\t']) {
            self.problem(path, "must not contain newlines or tabs");
        } else if text.contains(&" ".repeat(most + 1)) {
            self.problem(
                path,
                format!("must not contain more than {most} consecutive spaces"),
            );
        }
    }

    fn buttons(&mut self, value: &Value) {
        let Some(buttons) = value.as_array() else {
            return self.problem(
                "message.buttons",
                format!("must be a list, found {}", kind(value)),
            );
        };
        for (index, button) in buttons.iter().enumerate() {
            self.button(&format!("message.buttons[{index}]"), button);
        }
    }

    fn button(&mut self, path: &str, value: &Value) {
        let Some(button) = value.as_object() else {
            return self.problem(path, format!("must be an object, found {}", kind(value)));
        };
        let type_path = format!("{path}.type");
        let kind_name = match button.get("type") {
            Some(Value::String(name)) => name.as_str(),
            None => return self.problem(&type_path, format!("is required: {BUTTON_TYPES}")),
            Some(other) => {
                return self.problem(
                    &type_path,
                    format!("must be {BUTTON_TYPES}, found {}", kind(other)),
                );
            }
        };
        match kind_name {
            "call" => self.fields(path, button, &["type"]),
            "url" => {
                self.fields(path, button, &["type", "parameter"]);
                // A static URL button is listed without a parameter; only a
                // dynamic one carries its URL suffix.
                if let Some(parameter) = button.get("parameter") {
                    self.non_empty_string(&format!("{path}.parameter"), parameter);
                }
            }
            "quick_reply" => {
                self.fields(path, button, &["type", "payload"]);
                if let Some(payload) = button.get("payload") {
                    self.string(&format!("{path}.payload"), payload);
                }
            }
            other => self.problem(
                &type_path,
                format!("must be {BUTTON_TYPES}, found `{other}`"),
            ),
        }
    }

    /// A public http(s) URL.
    fn url(&mut self, path: &str, value: &Value) {
        let Some(text) = value.as_str() else {
            return self.problem(path, format!("must be a URL string, found {}", kind(value)));
        };
        let parsed = reqwest::Url::parse(text);
        let well_formed = !text.contains(|c: char| c.is_whitespace() || c.is_control())
            && parsed.as_ref().is_ok_and(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.host_str().is_some_and(|h| !h.is_empty())
            });
        if !well_formed {
            self.problem(
                path,
                format!("must be an absolute http(s) URL, found `{text}`"),
            );
        }
    }

    fn string(&mut self, path: &str, value: &Value) {
        if !value.is_string() {
            self.problem(path, format!("must be a string, found {}", kind(value)));
        }
    }

    fn non_empty_string(&mut self, path: &str, value: &Value) {
        match value.as_str() {
            Some(text) if text.trim().is_empty() => self.problem(path, "must not be empty"),
            Some(_) => {}
            None => self.problem(path, format!("must be a string, found {}", kind(value))),
        }
    }
}

fn is_international_digits(number: &str) -> bool {
    (PHONE_DIGITS_MIN..=PHONE_DIGITS_MAX).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
        && !number.starts_with('0')
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_owned()
    } else {
        format!("{at}.{name}")
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON value's kind, for "found …".
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A short value for "found …": strings quoted, other kinds named.
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => format!("`{text}`"),
        other => kind(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(body: &str) -> String {
        validate(body.as_bytes()).unwrap_err().details
    }

    #[test]
    fn a_documented_body_is_valid() {
        let body = r#"{"to":["447700900123"],"message":{"type":"template","template_name":"spring_sale",
            "language":"en_GB","header_params":["Ann"],"body_params":["Ann","20%"],"media":{"type":"text"},
            "buttons":[{"type":"url","parameter":"SPRING20"},{"type":"quick_reply","payload":"stop"},{"type":"call"}]},
            "callback":"https://hooks.example.com/sinch?c=spring-sale"}"#;
        let valid = validate(body.as_bytes()).unwrap();
        assert_eq!(valid.to, ["447700900123"]);
        assert_eq!(
            valid.callback.as_deref(),
            Some("https://hooks.example.com/sinch?c=spring-sale")
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let found = details(r#"{"to":["+44"],"message":{"type":"text","media":{"type":"image"}}}"#);
        assert_eq!(
            found,
            "`to[0]` must be 7 to 15 digits in international form, without `+` or spaces; \
             `message.type` must be `template`, found `text`; \
             `message.template_name` is required; \
             `message.media.url` is required for `image` media"
        );
    }
}
