//! WhatsApp's rules for a rendered message, checked per recipient before
//! anything is sent: parameters not empty, no newline or tab, no other
//! control character (ESC, BEL, NUL, …: WhatsApp refuses them, and a
//! terminal would run them), at most four consecutive spaces, header and body
//! length limits, absolute http(s) media URLs of an accepted content type.
//! Each violation names the parameter.

use crate::campaign::{Campaign, is_http_url};
use crate::diagnostic::excerpt;
use crate::message::{Button, Media, TemplateMessage};
use crate::whatsapp::catalog::{self, MediaKind};

/// One rule a rendered message breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub code: &'static str,
    /// The parameter, e.g. `template.body_params[1]`.
    pub field: String,
    pub message: String,
}

impl Violation {
    fn new(code: &'static str, field: impl Into<String>, message: impl Into<String>) -> Violation {
        Violation {
            code,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every rule `message` breaks for `campaign`.
pub fn check(campaign: &Campaign, message: &TemplateMessage) -> Vec<Violation> {
    let mut found = Vec::new();
    for (index, param) in message.header_params.iter().enumerate() {
        text_param(Param::Header(index), param, &mut found);
        let chars = param.chars().count();
        if chars > catalog::HEADER_PARAM_MAX_CHARS {
            found.push(Violation::new(
                "param.length",
                Param::Header(index).to_string(),
                format!(
                    "the header parameter is {chars} characters; a header holds at most {}",
                    catalog::HEADER_PARAM_MAX_CHARS
                ),
            ));
        }
    }
    for (index, param) in message.body_params.iter().enumerate() {
        text_param(Param::Body(index), param, &mut found);
    }
    let body_chars: usize = message.body_params.iter().map(|p| p.chars().count()).sum();
    if body_chars > catalog::BODY_PARAMS_MAX_CHARS {
        found.push(Violation::new(
            "param.length",
            "template.body_params",
            format!(
                "the body parameters are {body_chars} characters in all; a body holds at most {}",
                catalog::BODY_PARAMS_MAX_CHARS
            ),
        ));
    }
    for (index, button) in message.buttons.iter().enumerate() {
        match button {
            Button::Url {
                parameter: Some(parameter),
            } => text_param(Param::UrlButton(index), parameter, &mut found),
            Button::QuickReply {
                payload: Some(payload),
            } => {
                text_param(Param::Payload(index), payload, &mut found);
            }
            Button::Url { parameter: None }
            | Button::QuickReply { payload: None }
            | Button::Call => {}
        }
    }
    media(campaign, &message.media, &mut found);
    found
}

/// A parameter of the message, by where it sits: named only once a rule is
/// broken, since every row of the audience passes through here.
#[derive(Clone, Copy)]
enum Param {
    Header(usize),
    Body(usize),
    UrlButton(usize),
    Payload(usize),
}

impl std::fmt::Display for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Param::Header(index) => write!(f, "template.header_params[{index}]"),
            Param::Body(index) => write!(f, "template.body_params[{index}]"),
            Param::UrlButton(index) => write!(f, "template.buttons[{index}].parameter"),
            Param::Payload(index) => write!(f, "template.buttons[{index}].payload"),
        }
    }
}

/// The parameter text rules: not empty, no newline or tab, at most four spaces in a row.
fn text_param(field: Param, value: &str, found: &mut Vec<Violation>) {
    if value.trim().is_empty() {
        found.push(Violation::new(
            "param.empty",
            field.to_string(),
            "the parameter is empty",
        ));
        return;
    }
    if let Some(c) = value.chars().find(|c| matches!(c, '\n' | '\r' | '\t')) {
        let name = match c {
            '\t' => "a tab",
            _ => "a newline",
        };
        found.push(Violation::new(
            "param.whitespace",
            field.to_string(),
            format!("the parameter contains {name}: `{}`", excerpt(value)),
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        found.push(Violation::new(
            "param.control",
            field.to_string(),
            format!(
                "the parameter contains the control character U+{:04X}: `{}`",
                u32::from(c),
                excerpt(value)
            ),
        ));
    }
    let mut run = 0;
    let longest = value
        .chars()
        .map(|c| {
            run = if c == ' ' { run + 1 } else { 0 };
            run
        })
        .max()
        .unwrap_or(0);
    if longest > catalog::CONSECUTIVE_SPACES_MAX {
        found.push(Violation::new(
            "param.whitespace",
            field.to_string(),
            format!(
                "the parameter has {longest} consecutive spaces; at most {} are allowed",
                catalog::CONSECUTIVE_SPACES_MAX
            ),
        ));
    }
}

fn media(campaign: &Campaign, media: &Media, found: &mut Vec<Violation>) {
    let (url, kind, filename) = match media {
        Media::Text => return,
        Media::Image { url, .. } => (url, MediaKind::Image, None),
        Media::Video { url, .. } => (url, MediaKind::Video, None),
        Media::Document { url, filename, .. } => (url, MediaKind::Document, filename.as_ref()),
    };
    if !is_http_url(url) {
        found.push(Violation::new(
            "media.url",
            "template.media.url",
            format!("`{url}` is not an absolute http(s) URL"),
        ));
        return;
    }
    if let Some(filename) = filename
        && (filename.trim().is_empty() || filename.contains(['/', '\\', '\n', '\r']))
    {
        found.push(Violation::new(
            "media.filename",
            "template.media.filename",
            format!("`{}` is not a file name", excerpt(filename)),
        ));
    }
    let configured = campaign
        .template
        .media
        .as_ref()
        .and_then(|m| m.content_type.as_deref());
    match configured.or_else(|| catalog::content_type_from_url(url)) {
        Some(content_type) if !kind.accepts(content_type) => found.push(Violation::new(
            "media.type",
            "template.media.url",
            format!(
                "{} header cannot be `{content_type}` (from `{url}`); it must be one of {}",
                kind.with_article(),
                kind.accepted_types().join(", ")
            ),
        )),
        Some(_) => {}
        None => found.push(Violation::new(
            "media.unknown-type",
            "template.media.url",
            format!("the content type of `{url}` cannot be told from its extension; set `template.media.content_type`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(value: &str) -> Vec<&'static str> {
        let mut found = Vec::new();
        text_param(Param::Body(0), value, &mut found);
        found.into_iter().map(|v| v.code).collect()
    }

    #[test]
    fn parameter_text_rules() {
        assert!(rules("Ann").is_empty());
        assert!(rules("a    b").is_empty());
        assert_eq!(rules("a     b"), vec!["param.whitespace"]);
        assert_eq!(rules(""), vec!["param.empty"]);
        assert_eq!(rules("   "), vec!["param.empty"]);
        assert_eq!(rules("a\nb"), vec!["param.whitespace"]);
        assert_eq!(rules("a\tb"), vec!["param.whitespace"]);
        assert_eq!(rules("\u{1b}[2Kok"), vec!["param.control"]);
        assert_eq!(rules("bell\u{7}"), vec!["param.control"]);
        assert_eq!(rules("nul\u{0}"), vec!["param.control"]);
        assert_eq!(rules("c1\u{9b}"), vec!["param.control"]);
        assert!(rules("Zoë ✓").is_empty());
    }
}
