//! The keys of `channel_template.WHATSAPP.parameters`:
//! `<component>[<index>]<sub_type>[<parameter_index>]<field>`, where the
//! component index and sub-type appear for buttons only (0-based, in template
//! order, counting every button including call and static URL buttons) and
//! parameter indices are 1-based (SD `conversation-whatsapp.md`; SK
//! `references/channels/whatsapp.md`; DS `…/whatsapp/template-support`).
//! Keys for copy-code, currency, date-time and carousel cards are not
//! covered: no source confirms them.

use std::fmt;

use crate::message::{Button, Media, TemplateMessage};

/// The highest body parameter index accepted (WhatsApp sets no documented
/// maximum; larger values are taken as a mistake).
pub const MAX_BODY_INDEX: u32 = 100;
/// The highest button index accepted: WhatsApp templates have at most 10 buttons.
pub const MAX_BUTTON_INDEX: u32 = 9;

/// One parameter key of the grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParameterKey {
    /// `header[1]text`.
    HeaderText,
    /// `header[1]<kind>.link`.
    HeaderLink(MediaKind),
    /// `header[1]document.filename`.
    HeaderDocumentFilename,
    /// `body[N]text`, `N` from 1.
    Body(u32),
    /// `button[I]url[1]text`, `I` from 0.
    ButtonUrl(u32),
    /// `button[I]quick_reply[1]payload`, `I` from 0.
    ButtonQuickReply(u32),
}

/// The media a header link points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaKind {
    /// `image`.
    Image,
    /// `video`.
    Video,
    /// `document`.
    Document,
}

impl MediaKind {
    fn name(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Document => "document",
        }
    }
}

impl fmt::Display for ParameterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParameterKey::HeaderText => f.write_str("header[1]text"),
            ParameterKey::HeaderLink(kind) => write!(f, "header[1]{}.link", kind.name()),
            ParameterKey::HeaderDocumentFilename => f.write_str("header[1]document.filename"),
            ParameterKey::Body(n) => write!(f, "body[{n}]text"),
            ParameterKey::ButtonUrl(i) => write!(f, "button[{i}]url[1]text"),
            ParameterKey::ButtonQuickReply(i) => write!(f, "button[{i}]quick_reply[1]payload"),
        }
    }
}

/// Why a key is not in the grammar.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not of the shape `<component>[<index>]…`.
    #[error("`{0}` is not a template parameter key (expected e.g. `body[1]text`)")]
    Grammar(String),
    /// The shape is right, an index is not.
    #[error("`{key}` has an index out of range ({range})")]
    Index {
        /// The key.
        key: String,
        /// The accepted range.
        range: &'static str,
    },
}

impl ParameterKey {
    /// Parses a key, checking its indices.
    pub fn parse(key: &str) -> Result<ParameterKey, KeyError> {
        let grammar = || KeyError::Grammar(key.to_owned());
        let index = |range: &'static str| KeyError::Index {
            key: key.to_owned(),
            range,
        };
        let (component, rest) = key.split_once('[').ok_or_else(grammar)?;
        let (number, field) = rest.split_once(']').ok_or_else(grammar)?;
        let number = parse_index(number).ok_or_else(grammar)?;
        match component {
            "header" => {
                let parsed = match field {
                    "text" => ParameterKey::HeaderText,
                    "image.link" => ParameterKey::HeaderLink(MediaKind::Image),
                    "video.link" => ParameterKey::HeaderLink(MediaKind::Video),
                    "document.link" => ParameterKey::HeaderLink(MediaKind::Document),
                    "document.filename" => ParameterKey::HeaderDocumentFilename,
                    _ => return Err(grammar()),
                };
                if number != 1 {
                    return Err(index("a template has one header: `header[1]`"));
                }
                Ok(parsed)
            }
            "body" if field == "text" => match number {
                1..=MAX_BODY_INDEX => Ok(ParameterKey::Body(number)),
                _ => Err(index("body parameters count from 1 to 100")),
            },
            "button" => {
                let parsed = match field {
                    "url[1]text" => ParameterKey::ButtonUrl(number),
                    "quick_reply[1]payload" => ParameterKey::ButtonQuickReply(number),
                    _ if is_other_button_parameter(field) => {
                        return Err(index("a button takes one parameter: `[1]`"));
                    }
                    _ => return Err(grammar()),
                };
                if number > MAX_BUTTON_INDEX {
                    return Err(index("buttons count from 0 to 9 in template order"));
                }
                Ok(parsed)
            }
            _ => Err(grammar()),
        }
    }
}

/// `url[N]text` or `quick_reply[N]payload` with some index `N`.
fn is_other_button_parameter(field: &str) -> bool {
    let inner = |rest: &str, suffix: &str| {
        rest.strip_suffix(suffix)
            .and_then(|n| n.strip_suffix(']'))
            .is_some_and(|n| parse_index(n).is_some())
    };
    field.strip_prefix("url[").is_some_and(|r| inner(r, "text"))
        || field
            .strip_prefix("quick_reply[")
            .is_some_and(|r| inner(r, "payload"))
}

/// A decimal index without sign or leading zeros.
fn parse_index(text: &str) -> Option<u32> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// The parameters of `message` in template order: header (link, then file
/// name), body from `{{1}}`, then buttons by index. A text header parameter is
/// sent only for a text header; a media header takes no text. A quick reply's
/// payload is always sent, `""` when absent, because Sinch requires the key
/// (SD `conversation-whatsapp.md`).
pub fn parameters(message: &TemplateMessage) -> Vec<(ParameterKey, &str)> {
    let mut out = Vec::with_capacity(2 + message.body_params.len() + message.buttons.len());
    match &message.media {
        Media::Text => {
            if let Some(text) = message.header_params.first() {
                out.push((ParameterKey::HeaderText, text.as_str()));
            }
        }
        Media::Image { url, .. } => {
            out.push((ParameterKey::HeaderLink(MediaKind::Image), url.as_str()))
        }
        Media::Video { url, .. } => {
            out.push((ParameterKey::HeaderLink(MediaKind::Video), url.as_str()))
        }
        Media::Document { url, filename, .. } => {
            out.push((ParameterKey::HeaderLink(MediaKind::Document), url.as_str()));
            if let Some(name) = filename.as_deref().filter(|n| !n.is_empty()) {
                out.push((ParameterKey::HeaderDocumentFilename, name));
            }
        }
    }
    for (n, text) in (1..).zip(&message.body_params) {
        out.push((ParameterKey::Body(n), text.as_str()));
    }
    for (i, button) in (0..).zip(&message.buttons) {
        match button {
            Button::Call => {}
            // A static URL button (no or an empty parameter) sends no key.
            Button::Url {
                parameter: Some(suffix),
            } if !suffix.is_empty() => {
                out.push((ParameterKey::ButtonUrl(i), suffix.as_str()));
            }
            Button::Url { .. } => {}
            Button::QuickReply { payload } => {
                out.push((
                    ParameterKey::ButtonQuickReply(i),
                    payload.as_deref().unwrap_or(""),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for key in [
            "header[1]text",
            "header[1]image.link",
            "header[1]video.link",
            "header[1]document.link",
            "header[1]document.filename",
            "body[1]text",
            "body[12]text",
            "button[0]url[1]text",
            "button[2]quick_reply[1]payload",
        ] {
            assert_eq!(ParameterKey::parse(key).unwrap().to_string(), key);
        }
    }

    #[test]
    fn refuses_keys_outside_the_grammar() {
        for key in [
            "body[1]",
            "body1text",
            "footer[1]text",
            "header[1]audio.link",
            "button[0]call[1]text",
            "body[01]text",
            "body[-1]text",
            "button[0]url[1]link",
        ] {
            assert!(
                matches!(ParameterKey::parse(key), Err(KeyError::Grammar(_))),
                "{key}"
            );
        }
        for key in [
            "body[0]text",
            "body[101]text",
            "header[2]text",
            "button[10]url[1]text",
            "button[0]url[2]text",
        ] {
            assert!(
                matches!(ParameterKey::parse(key), Err(KeyError::Index { .. })),
                "{key}"
            );
        }
    }

    #[test]
    fn buttons_count_call_and_static_url_buttons() {
        let message = TemplateMessage {
            kind: "template".into(),
            template_name: "t".into(),
            language: "en_GB".into(),
            header_params: vec!["ignored for media".into()],
            body_params: vec!["a".into(), "b".into()],
            media: Media::Document {
                provider: None,
                url: "https://d/x.pdf".into(),
                filename: Some("x.pdf".into()),
            },
            buttons: vec![
                Button::Call,
                Button::Url { parameter: None },
                Button::Url {
                    parameter: Some("p".into()),
                },
                Button::QuickReply { payload: None },
                Button::QuickReply {
                    payload: Some("stop".into()),
                },
            ],
        };
        let keys: Vec<String> = parameters(&message)
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(
            keys,
            [
                "header[1]document.link=https://d/x.pdf",
                "header[1]document.filename=x.pdf",
                "body[1]text=a",
                "body[2]text=b",
                "button[2]url[1]text=p",
                "button[3]quick_reply[1]payload=",
                "button[4]quick_reply[1]payload=stop",
            ]
        );
    }
}
