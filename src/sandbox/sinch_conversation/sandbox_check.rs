//! The sandbox's first-stage check of a `messages:send` body, as strict as
//! Sinch: the app, one WhatsApp identity of digits, a channel template with
//! its name and underscore-form language, parameter keys in the grammar, and
//! no unknown top-level fields beyond the documented optional ones. Every
//! problem is reported at once, named by its JSON path.

use serde_json::{Map, Value};

use crate::transport::sinch_conversation::campaign_metadata::MAX_METADATA_CHARS;
use crate::transport::sinch_conversation::template_parameter::{MediaKind, ParameterKey};

/// One problem of a send body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where, e.g. `recipient.identified_by.channel_identities[0].identity`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// A send body that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedSend {
    /// The recipient's digits.
    pub identity: String,
    /// The template name.
    pub template_id: String,
    /// The language, underscore form.
    pub language_code: String,
    /// The parameters, as sent, in key order.
    pub parameters: Vec<(ParameterKey, String)>,
    /// `message_metadata`, empty when absent.
    pub message_metadata: String,
    /// `callback_url`, when given.
    pub callback_url: Option<String>,
    /// `correlation_id`, when given.
    pub correlation_id: Option<String>,
}

/// The top-level fields accepted: those wacast sends and the documented
/// optional ones (J `SendMessageRequest.java`; P).
pub const SEND_FIELDS: &[&str] = &[
    "app_id",
    "recipient",
    "message",
    "channel_priority_order",
    "message_metadata",
    "callback_url",
    "correlation_id",
    "ttl",
    "processing_strategy",
    "message_content_type",
    "queue",
];

/// Checks a send body for the app `app_id`.
pub fn check_send_body(body: &[u8], app_id: &str) -> Result<CheckedSend, Vec<Problem>> {
    let mut problems = Problems::default();
    let root = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(root)) => root,
        Ok(_) => return Err(vec![problem("$", "the body must be a JSON object")]),
        Err(e) => return Err(vec![problem("$", &format!("the body is not JSON: {e}"))]),
    };
    for key in root.keys().filter(|k| !SEND_FIELDS.contains(&k.as_str())) {
        problems.add(key, "unknown field");
    }
    match root.get("app_id").and_then(Value::as_str) {
        None => problems.add("app_id", "required string"),
        Some(id) if id != app_id => {
            problems.add("app_id", &format!("`{id}` is not this project's app"))
        }
        Some(_) => {}
    }
    let identity = check_recipient(&root, &mut problems);
    let template = check_template(&root, &mut problems);
    let optional = check_optional(&root, &mut problems);
    match (problems.0.is_empty(), identity, template) {
        (true, Some(identity), Some((template_id, language_code, parameters))) => Ok(CheckedSend {
            identity,
            template_id,
            language_code,
            parameters,
            message_metadata: optional.0,
            callback_url: optional.1,
            correlation_id: optional.2,
        }),
        _ => Err(problems.0),
    }
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, path: &str, message: &str) {
        self.0.push(problem(path, message));
    }
}

fn problem(path: &str, message: &str) -> Problem {
    Problem {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

fn check_recipient(root: &Map<String, Value>, problems: &mut Problems) -> Option<String> {
    const PATH: &str = "recipient.identified_by.channel_identities";
    let Some(recipient) = root.get("recipient").and_then(Value::as_object) else {
        problems.add("recipient", "required object");
        return None;
    };
    if recipient.contains_key("contact_id") {
        problems.add(
            "recipient.contact_id",
            "recipients must be identified by channel identity",
        );
        return None;
    }
    let identities = recipient
        .get("identified_by")
        .and_then(|i| i.get("channel_identities"))
        .and_then(Value::as_array);
    let Some(identities) = identities else {
        problems.add(PATH, "required list");
        return None;
    };
    if identities.len() != 1 {
        problems.add(
            PATH,
            &format!(
                "exactly one channel identity expected, found {}",
                identities.len()
            ),
        );
        return None;
    }
    let channel = identities[0].get("channel").and_then(Value::as_str);
    if channel != Some("WHATSAPP") {
        problems.add(&format!("{PATH}[0].channel"), "must be `WHATSAPP`");
    }
    let identity = identities[0]
        .get("identity")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let digits = (1..=15).contains(&identity.len()) && identity.bytes().all(|b| b.is_ascii_digit());
    if !digits {
        problems.add(
            &format!("{PATH}[0].identity"),
            "must be 1 to 15 digits (E.164 without `+`)",
        );
        return None;
    }
    Some(identity.to_owned())
}

type Template = (String, String, Vec<(ParameterKey, String)>);

fn check_template(root: &Map<String, Value>, problems: &mut Problems) -> Option<Template> {
    const PATH: &str = "message.template_message.channel_template.WHATSAPP";
    let Some(message) = root.get("message").and_then(Value::as_object) else {
        problems.add("message", "required object");
        return None;
    };
    for key in message.keys().filter(|k| *k != "template_message") {
        problems.add(
            &format!("message.{key}"),
            "only `template_message` is accepted",
        );
    }
    let template_message = message.get("template_message").and_then(Value::as_object);
    if template_message.is_some_and(|t| t.contains_key("omni_template")) {
        problems.add(
            "message.template_message.omni_template",
            "only `channel_template.WHATSAPP` is accepted",
        );
    }
    let whatsapp = template_message
        .and_then(|t| t.get("channel_template"))
        .and_then(|c| c.get("WHATSAPP"))
        .and_then(Value::as_object);
    let Some(whatsapp) = whatsapp else {
        problems.add(PATH, "required object");
        return None;
    };
    for key in whatsapp
        .keys()
        .filter(|k| !["template_id", "language_code", "parameters"].contains(&k.as_str()))
    {
        // `version` applies to `omni_template` only (P `template_reference_channel_specific.py`).
        problems.add(&format!("{PATH}.{key}"), "unknown field");
    }
    let template_id = whatsapp
        .get("template_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if template_id.trim().is_empty() {
        problems.add(
            &format!("{PATH}.template_id"),
            "required: the template's name",
        );
    }
    let language = whatsapp
        .get("language_code")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !is_language_code(language) {
        problems.add(
            &format!("{PATH}.language_code"),
            "required, in underscore form such as `en_GB`",
        );
    }
    let parameters = check_parameters(
        whatsapp.get("parameters"),
        &format!("{PATH}.parameters"),
        problems,
    );
    Some((template_id.to_owned(), language.to_owned(), parameters?))
}

/// `en`, `en_GB`, `zh_Hans`-like codes: the underscore form WhatsApp uses
/// (SK `references/channels/whatsapp.md`).
fn is_language_code(code: &str) -> bool {
    let (lang, region) = match code.split_once('_') {
        Some((lang, region)) => (lang, Some(region)),
        None => (code, None),
    };
    let lang_ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase());
    let Some(region) = region else { return lang_ok };
    let region_ok = (region.len() == 2 && region.bytes().all(|b| b.is_ascii_uppercase()))
        || (region.len() == 4 && region.bytes().all(|b| b.is_ascii_alphabetic()));
    lang_ok && region_ok
}

fn check_parameters(
    value: Option<&Value>,
    path: &str,
    problems: &mut Problems,
) -> Option<Vec<(ParameterKey, String)>> {
    let Some(value) = value else {
        return Some(Vec::new());
    };
    let Some(object) = value.as_object() else {
        problems.add(path, "must be an object of strings");
        return None;
    };
    let before = problems.0.len();
    let mut parameters = Vec::with_capacity(object.len());
    for (key, value) in object {
        let at = format!("{path}[\"{key}\"]");
        let parsed = ParameterKey::parse(key);
        match (parsed, value.as_str()) {
            (Err(e), _) => problems.add(&at, &e.to_string()),
            (Ok(_), None) => problems.add(&at, "must be a string"),
            (Ok(key), Some(text)) => parameters.push((key, text.to_owned())),
        }
    }
    parameters.sort();
    let has = |k: ParameterKey| parameters.iter().any(|(p, _)| *p == k);
    let headers = parameters
        .iter()
        .filter(|(k, _)| matches!(k, ParameterKey::HeaderText | ParameterKey::HeaderLink(_)))
        .count();
    if headers > 1 {
        problems.add(
            path,
            "a template has one header: give one of `header[1]text` or `header[1]<media>.link`",
        );
    }
    if has(ParameterKey::HeaderDocumentFilename)
        && !has(ParameterKey::HeaderLink(MediaKind::Document))
    {
        problems.add(
            &format!("{path}[\"header[1]document.filename\"]"),
            "needs `header[1]document.link`",
        );
    }
    for (key, text) in &parameters {
        if matches!(key, ParameterKey::HeaderLink(_))
            && !(text.starts_with("https://") || text.starts_with("http://"))
        {
            problems.add(&format!("{path}[\"{key}\"]"), "must be an http(s) URL");
        }
        if matches!(key, ParameterKey::ButtonUrl(_)) && text.is_empty() {
            problems.add(&format!("{path}[\"{key}\"]"), "must not be empty");
        }
    }
    let buttons: Vec<(u32, bool)> = parameters
        .iter()
        .filter_map(|(k, _)| match k {
            ParameterKey::ButtonUrl(i) => Some((*i, true)),
            ParameterKey::ButtonQuickReply(i) => Some((*i, false)),
            _ => None,
        })
        .collect();
    for pair in buttons.windows(2) {
        if pair[0].0 == pair[1].0 {
            problems.add(
                path,
                &format!(
                    "button {} has both a URL and a quick-reply parameter",
                    pair[0].0
                ),
            );
        }
    }
    (problems.0.len() == before).then_some(parameters)
}

fn check_optional(
    root: &Map<String, Value>,
    problems: &mut Problems,
) -> (String, Option<String>, Option<String>) {
    let text = |key: &str, problems: &mut Problems| -> Option<String> {
        let value = root.get(key)?;
        match value.as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                problems.add(key, "must be a string");
                None
            }
        }
    };
    if let Some(order) = root.get("channel_priority_order")
        && order
            .as_array()
            .is_none_or(|a| a.first().and_then(Value::as_str) != Some("WHATSAPP"))
    {
        problems.add("channel_priority_order", "must list `WHATSAPP` first");
    }
    let metadata = text("message_metadata", problems).unwrap_or_default();
    if metadata.chars().count() > MAX_METADATA_CHARS {
        problems.add("message_metadata", "longer than 1024 characters");
    }
    let callback_url = text("callback_url", problems);
    if callback_url
        .as_deref()
        .is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://")))
    {
        problems.add("callback_url", "must be an http(s) URL");
    }
    let correlation_id = text("correlation_id", problems);
    if correlation_id
        .as_deref()
        .is_some_and(|c| c.chars().count() > 128)
    {
        problems.add("correlation_id", "longer than 128 characters");
    }
    if let Some(ttl) = text("ttl", problems) {
        let seconds = ttl
            .strip_suffix('s')
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if seconds.is_none() {
            problems.add("ttl", "must be seconds such as `\"86400s\"`");
        }
    }
    // Enumerations of J `ProcessingStrategy`, `MessageContentType`, `MessageQueue`.
    let one_of = |key: &str, allowed: &[&str], problems: &mut Problems| {
        if let Some(value) = text(key, problems)
            && !allowed.contains(&value.as_str())
        {
            problems.add(key, &format!("must be one of `{}`", allowed.join("`, `")));
        }
    };
    one_of(
        "processing_strategy",
        &["DEFAULT", "DISPATCH_ONLY"],
        problems,
    );
    one_of(
        "message_content_type",
        &[
            "CONTENT_UNKNOWN",
            "CONTENT_MARKETING",
            "CONTENT_NOTIFICATION",
        ],
        problems,
    );
    one_of("queue", &["NORMAL_PRIORITY", "HIGH_PRIORITY"], problems);
    (metadata, callback_url, correlation_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Button, Media, TemplateMessage};
    use crate::transport::sinch_conversation::send_request::request_body;
    use serde_json::json;

    fn message() -> TemplateMessage {
        TemplateMessage {
            kind: "template".into(),
            template_name: "spring_sale".into(),
            language: "en_GB".into(),
            header_params: vec![],
            body_params: vec!["Ann".into()],
            media: Media::Document {
                provider: None,
                url: "https://d/x.pdf".into(),
                filename: Some("x.pdf".into()),
            },
            buttons: vec![
                Button::Call,
                Button::Url {
                    parameter: Some("p".into()),
                },
                Button::QuickReply { payload: None },
            ],
        }
    }

    #[test]
    fn accepts_what_wacast_sends() {
        let body = request_body(
            "APP",
            "447700900123",
            &message(),
            r#"{"campaign":"c"}"#,
            Some("https://h/x"),
        );
        let checked = check_send_body(&body, "APP").unwrap();
        assert_eq!(checked.identity, "447700900123");
        assert_eq!(checked.template_id, "spring_sale");
        assert_eq!(checked.parameters.len(), 5);
        assert_eq!(
            checked.parameters[4],
            (ParameterKey::ButtonQuickReply(2), String::new())
        );
        assert_eq!(checked.callback_url.as_deref(), Some("https://h/x"));
    }

    #[test]
    fn accepts_documented_optional_fields() {
        let mut body: Value =
            serde_json::from_slice(&request_body("APP", "4477", &message(), "", None)).unwrap();
        let extra = json!({"correlation_id": "c-1", "ttl": "86400s", "processing_strategy": "DISPATCH_ONLY",
            "message_content_type": "CONTENT_MARKETING", "queue": "HIGH_PRIORITY"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let checked = check_send_body(body.to_string().as_bytes(), "APP").unwrap();
        assert_eq!(checked.correlation_id.as_deref(), Some("c-1"));
    }

    #[test]
    fn names_every_problem_by_path() {
        let body = json!({
            "app_id": "OTHER",
            "recipient": {"identified_by": {"channel_identities": [{"channel": "SMS", "identity": "+44 77"}]}},
            "message": {"template_message": {"channel_template": {"WHATSAPP": {
                "template_id": "", "language_code": "en-GB", "version": "1",
                "parameters": {"body[0]text": "a", "header[1]text": "h", "header[1]image.link": "ftp://x", "body[1]text": 3}}}}},
            "ttl": 60,
            "queue": "LOW",
            "priority": 1
        });
        let problems = check_send_body(body.to_string().as_bytes(), "APP").unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        let w = "message.template_message.channel_template.WHATSAPP";
        for expected in [
            "priority".to_owned(),
            "app_id".to_owned(),
            "recipient.identified_by.channel_identities[0].channel".to_owned(),
            "recipient.identified_by.channel_identities[0].identity".to_owned(),
            format!("{w}.version"),
            format!("{w}.template_id"),
            format!("{w}.language_code"),
            format!("{w}.parameters[\"body[0]text\"]"),
            format!("{w}.parameters[\"body[1]text\"]"),
            "ttl".to_owned(),
            "queue".to_owned(),
        ] {
            assert!(
                paths.contains(&expected.as_str()),
                "{expected} not in {paths:?}"
            );
        }
    }

    #[test]
    fn refuses_contradictory_parameters() {
        let body = |parameters: Value| {
            json!({"app_id": "APP",
                "recipient": {"identified_by": {"channel_identities": [{"channel": "WHATSAPP", "identity": "4477"}]}},
                "message": {"template_message": {"channel_template": {"WHATSAPP": {
                    "template_id": "t", "language_code": "en", "parameters": parameters}}}}})
            .to_string()
        };
        for parameters in [
            json!({"header[1]text": "h", "header[1]image.link": "https://x"}),
            json!({"header[1]document.filename": "x.pdf"}),
            json!({"button[0]url[1]text": "a", "button[0]quick_reply[1]payload": "b"}),
            json!({"button[0]url[1]text": ""}),
            json!(["body[1]text"]),
        ] {
            assert!(
                check_send_body(body(parameters.clone()).as_bytes(), "APP").is_err(),
                "{parameters}"
            );
        }
        assert!(check_send_body(body(json!({})).as_bytes(), "APP").is_ok());
        assert_eq!(check_send_body(b"[]", "APP").unwrap_err()[0].path, "$");
    }

    #[test]
    fn language_codes_use_underscores() {
        for ok in ["en", "en_GB", "pt_BR", "zh_Hant", "fil"] {
            assert!(is_language_code(ok), "{ok}");
        }
        for bad in ["", "en-GB", "EN_gb", "english", "en_", "en_G"] {
            assert!(!is_language_code(bad), "{bad}");
        }
    }
}
