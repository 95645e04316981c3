//! A strict check of a template send body, as the sandbox's stand-in for Meta's validation.
//!
//! Every problem is reported at once, each with the JSON path it is about. What is checked
//! and where the rule comes from:
//! - top level: only `messaging_product` (`whatsapp`), `recipient_type` (`individual`), `to`
//!   (digits, at most 15, E.164 without `+`), `type` (`template`), `template` and
//!   `biz_opaque_callback_data` (a string of at most 512 characters: pywa `send_template`
//!   `tracker`); any other field is an error (Graph refuses unknown parameters, code 100);
//! - `template.name`, `template.language.code`: non-empty strings;
//! - components (M `templates/components`; WhatsApp-Nodejs-SDK `src/types/messages.ts`):
//!   `header` with one `text` (at most 60 characters), `image`, `video` or `document`
//!   parameter (`link` or `id`); `body` with `text`, `currency` or `date_time` parameters;
//!   `button` with `sub_type` `url`, `quick_reply` or `copy_code` in either case and `index`
//!   as a string or a number (the WhatsApp-Nodejs-SDK reference documents a string, M
//!   `coupon-templates` and pywa send a number: both are taken), each index at most once;
//! - a body text parameter is non-empty, has no newline or tab and no more than 4
//!   consecutive spaces (Graph's refusal "Param text cannot have new-line/tab characters or
//!   more than 4 consecutive spaces", quoted in netflie/whatsapp-cloud-api#201), at most
//!   1,024 characters (the body limit, third-party copies of M `templates/components`).

use serde_json::{Map, Value};

/// The longest `biz_opaque_callback_data`, in characters.
pub const MAX_OPAQUE: usize = 512;
/// The longest text header parameter, in characters.
pub const MAX_HEADER_TEXT: usize = 60;
/// The longest body text parameter, in characters.
pub const MAX_BODY_TEXT: usize = 1024;

const TOP_LEVEL: [&str; 6] = [
    "messaging_product",
    "recipient_type",
    "to",
    "type",
    "template",
    "biz_opaque_callback_data",
];

/// One thing wrong with a send body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where, e.g. `template.components[1].parameters[0].text`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// What the sandbox needs from a valid send body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedSend {
    /// The recipient's digits.
    pub to: String,
    /// The template name.
    pub template_name: String,
    /// The language code.
    pub language: String,
    /// `biz_opaque_callback_data`, to echo in status webhooks.
    pub opaque: Option<String>,
}

/// Checks a send body; `Err` lists every problem found.
pub fn check_send_body(body: &[u8]) -> Result<CheckedSend, Vec<Problem>> {
    let mut check = Check::default();
    let root = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(root)) => root,
        Ok(_) => return Err(vec![problem("", "the body must be a JSON object")]),
        Err(error) => return Err(vec![problem("", &format!("the body is not JSON: {error}"))]),
    };
    for key in root.keys().filter(|key| !TOP_LEVEL.contains(&key.as_str())) {
        check.add(key, "unknown field");
    }
    check.equals(&root, "", "messaging_product", "whatsapp", true);
    check.equals(&root, "", "recipient_type", "individual", false);
    check.equals(&root, "", "type", "template", true);
    let to = check.string(&root, "", "to", true);
    if let Some(to) = to
        && !(!to.is_empty() && to.len() <= 15 && to.bytes().all(|b| b.is_ascii_digit()))
    {
        check.add("to", "must be the number's digits, without `+`, at most 15");
    }
    let opaque = check.string(&root, "", "biz_opaque_callback_data", false);
    if opaque.is_some_and(|o| o.chars().count() > MAX_OPAQUE) {
        check.add("biz_opaque_callback_data", "longer than 512 characters");
    }
    let (name, language) = match root.get("template") {
        Some(Value::Object(template)) => check.template(template),
        Some(_) => {
            check.add("template", "must be an object");
            (None, None)
        }
        None => {
            check.add("template", "missing");
            (None, None)
        }
    };
    match (check.problems.is_empty(), to, name, language) {
        (true, Some(to), Some(name), Some(language)) => Ok(CheckedSend {
            to: to.to_owned(),
            template_name: name.to_owned(),
            language: language.to_owned(),
            opaque: opaque.map(str::to_owned),
        }),
        _ => Err(check.problems),
    }
}

fn problem(path: &str, message: &str) -> Problem {
    Problem {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[derive(Default)]
struct Check {
    problems: Vec<Problem>,
}

impl Check {
    fn add(&mut self, path: &str, message: &str) {
        self.problems.push(problem(path, message));
    }

    /// `object[key]` as a string; a problem if it is not one, or if it is required and absent.
    fn string<'a>(
        &mut self,
        object: &'a Map<String, Value>,
        path: &str,
        key: &str,
        required: bool,
    ) -> Option<&'a str> {
        match object.get(key) {
            Some(Value::String(text)) => Some(text),
            Some(_) => {
                self.add(&join(path, key), "must be a string");
                None
            }
            None => {
                if required {
                    self.add(&join(path, key), "missing");
                }
                None
            }
        }
    }

    fn non_empty<'a>(
        &mut self,
        object: &'a Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<&'a str> {
        let text = self.string(object, path, key, true)?;
        if text.trim().is_empty() {
            self.add(&join(path, key), "must not be empty");
            return None;
        }
        Some(text)
    }

    fn equals(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        key: &str,
        expected: &str,
        required: bool,
    ) {
        if let Some(found) = self.string(object, path, key, required)
            && found != expected
        {
            self.add(
                &join(path, key),
                &format!("must be `{expected}`, not `{found}`"),
            );
        }
    }

    fn template<'a>(
        &mut self,
        template: &'a Map<String, Value>,
    ) -> (Option<&'a str>, Option<&'a str>) {
        let name = self.non_empty(template, "template", "name");
        let language = match template.get("language") {
            Some(Value::Object(language)) => self.non_empty(language, "template.language", "code"),
            Some(_) => {
                self.add("template.language", "must be an object with `code`");
                None
            }
            None => {
                self.add("template.language", "missing");
                None
            }
        };
        match template.get("components") {
            None => {}
            Some(Value::Array(components)) => self.components(components),
            Some(_) => self.add("template.components", "must be an array"),
        }
        (name, language)
    }

    fn components(&mut self, components: &[Value]) {
        let (mut headers, mut bodies, mut indexes) = (0, 0, Vec::new());
        for (i, component) in components.iter().enumerate() {
            let path = format!("template.components[{i}]");
            let Value::Object(component) = component else {
                self.add(&path, "must be an object");
                continue;
            };
            let parameters = self.parameters(component, &path);
            match component.get("type").and_then(Value::as_str) {
                Some("header") => {
                    headers += 1;
                    self.header(&path, parameters);
                }
                Some("body") => {
                    bodies += 1;
                    self.body(parameters);
                }
                Some("button") => {
                    if let Some(index) = self.button(component, &path, parameters) {
                        if indexes.contains(&index) {
                            self.add(
                                &join(&path, "index"),
                                &format!("button {index} given twice"),
                            );
                        }
                        indexes.push(index);
                    }
                }
                Some(other) => self.add(
                    &join(&path, "type"),
                    &format!(
                        "unknown component type `{other}`: expected `header`, `body` or `button`"
                    ),
                ),
                None => self.add(&join(&path, "type"), "missing"),
            }
        }
        if headers > 1 {
            self.add("template.components", "more than one `header` component");
        }
        if bodies > 1 {
            self.add("template.components", "more than one `body` component");
        }
    }

    /// The component's `parameters`, each with its path.
    fn parameters<'a>(
        &mut self,
        component: &'a Map<String, Value>,
        path: &str,
    ) -> Vec<(String, &'a Map<String, Value>)> {
        let path = join(path, "parameters");
        let Some(Value::Array(parameters)) = component.get("parameters") else {
            self.add(&path, "missing or not an array");
            return Vec::new();
        };
        if parameters.is_empty() {
            self.add(&path, "must not be empty");
        }
        let mut out = Vec::new();
        for (i, parameter) in parameters.iter().enumerate() {
            let path = format!("{path}[{i}]");
            match parameter {
                Value::Object(parameter) => out.push((path, parameter)),
                _ => self.add(&path, "must be an object"),
            }
        }
        out
    }

    fn header(&mut self, path: &str, parameters: Vec<(String, &Map<String, Value>)>) {
        if parameters.len() > 1 {
            self.add(&join(path, "parameters"), "a header takes one parameter");
        }
        for (path, parameter) in parameters {
            match parameter.get("type").and_then(Value::as_str) {
                Some("text") => {
                    if let Some(text) = self.non_empty(parameter, &path, "text")
                        && text.chars().count() > MAX_HEADER_TEXT
                    {
                        self.add(&join(&path, "text"), "a text header is at most 60 characters");
                    }
                }
                Some(kind @ ("image" | "video" | "document")) => self.media(parameter, &path, kind),
                Some(other) => self.add(
                    &join(&path, "type"),
                    &format!("unknown header parameter type `{other}`: expected `text`, `image`, `video` or `document`"),
                ),
                None => self.add(&join(&path, "type"), "missing"),
            }
        }
    }

    fn media(&mut self, parameter: &Map<String, Value>, path: &str, kind: &str) {
        let path = join(path, kind);
        let Some(Value::Object(media)) = parameter.get(kind) else {
            self.add(&path, "missing or not an object");
            return;
        };
        let link = self.string(media, &path, "link", false);
        let id = self.string(media, &path, "id", false);
        match (link, id) {
            (Some(link), _) if !(link.starts_with("https://") || link.starts_with("http://")) => {
                self.add(&join(&path, "link"), "must be an http(s) URL")
            }
            (None, None) => self.add(&path, "needs `link` or `id`"),
            _ => {}
        }
        if kind == "document" {
            self.string(media, &path, "filename", false);
        }
    }

    fn body(&mut self, parameters: Vec<(String, &Map<String, Value>)>) {
        for (path, parameter) in parameters {
            match parameter.get("type").and_then(Value::as_str) {
                Some("text") => {
                    if let Some(text) = self.non_empty(parameter, &path, "text") {
                        self.body_text(&join(&path, "text"), text);
                    }
                }
                Some("currency") => {
                    if let Some(Value::Object(currency)) = parameter.get("currency") {
                        let path = join(&path, "currency");
                        self.non_empty(currency, &path, "fallback_value");
                        self.non_empty(currency, &path, "code");
                        if !currency.get("amount_1000").is_some_and(Value::is_i64) {
                            self.add(&join(&path, "amount_1000"), "must be an integer");
                        }
                    } else {
                        self.add(&join(&path, "currency"), "missing or not an object");
                    }
                }
                Some("date_time") => {
                    if let Some(Value::Object(date_time)) = parameter.get("date_time") {
                        self.non_empty(date_time, &join(&path, "date_time"), "fallback_value");
                    } else {
                        self.add(&join(&path, "date_time"), "missing or not an object");
                    }
                }
                Some(other) => self.add(
                    &join(&path, "type"),
                    &format!("unknown body parameter type `{other}`: expected `text`, `currency` or `date_time`"),
                ),
                None => self.add(&join(&path, "type"), "missing"),
            }
        }
    }

    fn body_text(&mut self, path: &str, text: &str) {
        if text.contains(['\n', '\t']) {
            self.add(path, "must not contain a newline or tab");
        }
        if text.contains("     ") {
            self.add(path, "must not contain more than 4 consecutive spaces");
        }
        if text.chars().count() > MAX_BODY_TEXT {
            self.add(path, "longer than 1024 characters");
        }
    }

    /// Checks a button component; its index if readable.
    fn button(
        &mut self,
        component: &Map<String, Value>,
        path: &str,
        parameters: Vec<(String, &Map<String, Value>)>,
    ) -> Option<u64> {
        let index = match component.get("index") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().ok()
            }
            Some(_) => None,
            None => {
                self.add(&join(path, "index"), "missing");
                return None;
            }
        };
        if index.is_none_or(|i| i > 9) {
            self.add(
                &join(path, "index"),
                "must be a button position 0-9, as a string or a number",
            );
        }
        let sub_type = self
            .string(component, path, "sub_type", true)?
            .to_ascii_lowercase();
        let (kind, field) = match sub_type.as_str() {
            "url" => ("text", "text"),
            "quick_reply" => ("payload", "payload"),
            "copy_code" => ("coupon_code", "coupon_code"),
            other => {
                self.add(
                    &join(path, "sub_type"),
                    &format!("unknown button sub_type `{other}`: expected `url`, `quick_reply` or `copy_code`"),
                );
                return index;
            }
        };
        if parameters.len() > 1 {
            self.add(&join(path, "parameters"), "a button takes one parameter");
        }
        for (path, parameter) in parameters {
            match parameter.get("type").and_then(Value::as_str) {
                Some(found) if found == kind => {
                    self.non_empty(parameter, &path, field);
                }
                found => self.add(
                    &join(&path, "type"),
                    &format!(
                        "a `{sub_type}` button takes a `{kind}` parameter, not {}",
                        found.map_or("none".into(), |f| format!("`{f}`"))
                    ),
                ),
            }
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Button, Media, TemplateMessage};
    use crate::transport::meta_cloud::send_request::request_body;
    use serde_json::json;

    fn problems(body: Value) -> Vec<(String, String)> {
        check_send_body(body.to_string().as_bytes())
            .expect_err("the body should be refused")
            .into_iter()
            .map(|p| (p.path, p.message))
            .collect()
    }

    fn paths(body: Value) -> Vec<String> {
        problems(body).into_iter().map(|(path, _)| path).collect()
    }

    fn valid() -> Value {
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "447700900123",
            "type": "template", "biz_opaque_callback_data": "wacast:spring-sale",
            "template": {"name": "spring_sale", "language": {"code": "en_GB"}, "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "Spring"}]},
                {"type": "body", "parameters": [{"type": "text", "text": "Ann"}]},
                {"type": "button", "sub_type": "quick_reply", "index": "0",
                 "parameters": [{"type": "payload", "payload": "stop"}]}
            ]}
        })
    }

    #[test]
    fn accepts_every_body_wacast_builds() {
        let message = TemplateMessage {
            kind: "template".into(),
            template_name: "spring_sale".into(),
            language: "en_GB".into(),
            header_params: vec![],
            body_params: vec!["Ann".into(), "20%".into()],
            media: Media::Document {
                provider: None,
                url: "https://cdn.example.com/menu.pdf".into(),
                filename: Some("menu.pdf".into()),
            },
            buttons: vec![
                Button::Call,
                Button::Url {
                    parameter: Some("x?y=1".into()),
                },
                Button::QuickReply {
                    payload: Some("stop".into()),
                },
                Button::QuickReply { payload: None },
            ],
        };
        let checked = check_send_body(&request_body("447700900123", &message, "op")).unwrap();
        assert_eq!(
            checked,
            CheckedSend {
                to: "447700900123".into(),
                template_name: "spring_sale".into(),
                language: "en_GB".into(),
                opaque: Some("op".into()),
            }
        );
        assert!(check_send_body(valid().to_string().as_bytes()).is_ok());
    }

    #[test]
    fn accepts_numeric_index_and_upper_case_sub_type() {
        // M `coupon-templates` and pywa send `index` as a number; pywa sends `QUICK_REPLY`.
        let mut body = valid();
        body["template"]["components"][2]["index"] = json!(0);
        body["template"]["components"][2]["sub_type"] = json!("QUICK_REPLY");
        assert!(check_send_body(body.to_string().as_bytes()).is_ok());
    }

    #[test]
    fn top_level_problems_are_all_named() {
        let body = json!({"messaging_product": "sms", "to": "+44 7700", "type": "text",
                          "extra": 1, "biz_opaque_callback_data": "x".repeat(513)});
        assert_eq!(
            paths(body),
            vec![
                "extra",
                "messaging_product",
                "type",
                "to",
                "biz_opaque_callback_data",
                "template"
            ]
        );
        assert_eq!(
            problems(json!([]))[0],
            ("".to_owned(), "the body must be a JSON object".to_owned())
        );
        assert!(problems(json!(null)).len() == 1);
        assert!(check_send_body(b"{").is_err());
    }

    #[test]
    fn template_name_and_language_are_required() {
        let mut body = valid();
        body["template"] = json!({"name": "", "language": "en_GB"});
        assert_eq!(paths(body), vec!["template.name", "template.language"]);
        let mut body = valid();
        body["template"] = json!({"language": {"code": 5}});
        assert_eq!(paths(body), vec!["template.name", "template.language.code"]);
    }

    #[test]
    fn component_and_parameter_kinds_are_checked() {
        let mut body = valid();
        body["template"]["components"] = json!([
            {"type": "footer", "parameters": [{"type": "text", "text": "x"}]},
            {"type": "header", "parameters": [{"type": "location", "location": {}}]},
            {"type": "header", "parameters": [{"type": "image", "image": {"link": "ftp://x"}}]},
            {"type": "body", "parameters": [{"type": "image"}]},
            {"type": "button", "sub_type": "flow", "index": "1", "parameters": []},
            {"type": "button", "sub_type": "url", "index": "x",
             "parameters": [{"type": "payload", "payload": "p"}]}
        ]);
        let found = problems(body);
        let messages: Vec<String> = found.iter().map(|(p, m)| format!("{p}: {m}")).collect();
        assert_eq!(
            messages,
            vec![
                "template.components[0].type: unknown component type `footer`: expected `header`, `body` or `button`",
                "template.components[1].parameters[0].type: unknown header parameter type `location`: expected `text`, `image`, `video` or `document`",
                "template.components[2].parameters[0].image.link: must be an http(s) URL",
                "template.components[3].parameters[0].type: unknown body parameter type `image`: expected `text`, `currency` or `date_time`",
                "template.components[4].parameters: must not be empty",
                "template.components[4].sub_type: unknown button sub_type `flow`: expected `url`, `quick_reply` or `copy_code`",
                "template.components[5].index: must be a button position 0-9, as a string or a number",
                "template.components[5].parameters[0].type: a `url` button takes a `text` parameter, not `payload`",
                "template.components: more than one `header` component",
            ]
        );
    }

    #[test]
    fn text_limits() {
        let mut body = valid();
        body["template"]["components"][0]["parameters"][0]["text"] = json!("h".repeat(61));
        body["template"]["components"][1]["parameters"] = json!([
            {"type": "text", "text": ""},
            {"type": "text", "text": "a\nb"},
            {"type": "text", "text": "a\tb"},
            {"type": "text", "text": "a     b"},
            {"type": "text", "text": "a    b"},
            {"type": "text", "text": "é".repeat(1025)}
        ]);
        let messages: Vec<String> = problems(body)
            .iter()
            .map(|(p, m)| format!("{p}: {m}"))
            .collect();
        let c = "template.components";
        assert_eq!(
            messages,
            vec![
                format!("{c}[0].parameters[0].text: a text header is at most 60 characters"),
                format!("{c}[1].parameters[0].text: must not be empty"),
                format!("{c}[1].parameters[1].text: must not contain a newline or tab"),
                format!("{c}[1].parameters[2].text: must not contain a newline or tab"),
                format!(
                    "{c}[1].parameters[3].text: must not contain more than 4 consecutive spaces"
                ),
                format!("{c}[1].parameters[5].text: longer than 1024 characters"),
            ]
        );
        let mut body = valid();
        body["template"]["components"][0]["parameters"][0]["text"] = json!("é".repeat(60));
        assert!(check_send_body(body.to_string().as_bytes()).is_ok());
    }

    #[test]
    fn button_indexes_are_unique() {
        let mut body = valid();
        let button = body["template"]["components"][2].clone();
        let mut again = button.clone();
        again["index"] = json!(0);
        body["template"]["components"] = json!([button, again]);
        assert_eq!(
            problems(body),
            vec![(
                "template.components[1].index".to_owned(),
                "button 0 given twice".to_owned()
            )]
        );
    }

    #[test]
    fn media_needs_a_link_or_id_and_currency_its_fields() {
        let mut body = valid();
        body["template"]["components"] = json!([
            {"type": "header", "parameters": [{"type": "video", "video": {}}]},
            {"type": "body", "parameters": [
                {"type": "currency", "currency": {"fallback_value": "$1", "code": "USD", "amount_1000": "1000"}},
                {"type": "date_time", "date_time": {"fallback_value": "May 1"}}
            ]}
        ]);
        assert_eq!(
            paths(body),
            vec![
                "template.components[0].parameters[0].video",
                "template.components[1].parameters[0].currency.amount_1000",
            ]
        );
    }
}
