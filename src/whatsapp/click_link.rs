//! Click to WhatsApp links: `https://api.whatsapp.com/send?phone=<digits>&text=<text>`.
//!
//! A customer who opens such a link starts the chat themselves, which needs no
//! template and opens a 24-hour window. This file owns building the link: the
//! number comes in already validated as a [`Phone`], and the optional text is
//! checked and percent-encoded here, so every link wacast prints, draws as a QR
//! code or renders into a template goes through one function.
//!
//! Decisions, all deliberate:
//! - The text is encoded as UTF-8 and every byte outside the RFC 3986
//!   unreserved set (`A-Z a-z 0-9 - . _ ~`) is percent-encoded: a space is
//!   `%20` (never `+`, which some readers keep as a literal plus), a newline is
//!   `%0A`, `&`, `#`, `+`, `%`, `=` and `?` are encoded, and so is every byte of
//!   an emoji or of Arabic or Hebrew text. Unicode is passed through as written
//!   (no normalisation), including bidirectional marks such as U+200F.
//! - Empty or whitespace-only text means no `text` parameter: WhatsApp would not
//!   send a blank message anyway.
//! - Line breaks are kept; `\r\n` and a lone `\r` become `\n`, the line break a
//!   chat message uses. Tabs are kept. Any other control character (NUL, escape,
//!   DEL, C1 controls) is an error: it is invisible in the chat box and usually
//!   a sign of pasted binary or terminal junk.

use crate::phone::{Phone, PhoneError};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::fmt;

/// Where a click-to-chat link points, before the query.
pub const SEND_URL: &str = "https://api.whatsapp.com/send";

/// Every byte except the RFC 3986 unreserved characters is percent-encoded.
const TEXT_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A link that opens a WhatsApp chat with `phone`, with `text` typed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClickLink {
    phone: Phone,
    text: Option<String>,
}

/// Why a text cannot go into a click-to-chat link.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClickLinkError {
    #[error(
        "the text contains the control character `{code_point}` at character {position}; only letters, symbols, spaces, tabs and line breaks can be typed into a chat"
    )]
    ControlCharacter { code_point: String, position: usize },
}

impl ClickLink {
    /// A link for `phone` with the optional prefilled `text` (see the module
    /// documentation for how the text is checked and normalised).
    pub fn new(phone: Phone, text: Option<&str>) -> Result<ClickLink, ClickLinkError> {
        let text = match text {
            Some(text) if !text.trim().is_empty() => Some(checked_text(text)?),
            _ => None,
        };
        Ok(ClickLink { phone, text })
    }

    pub fn phone(&self) -> Phone {
        self.phone
    }

    /// The prefilled text after line-break normalisation, if any.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// The link itself.
    pub fn url(&self) -> String {
        let mut url = format!("{SEND_URL}?phone={}", self.phone.digits());
        if let Some(text) = &self.text {
            url.push_str("&text=");
            url.extend(utf8_percent_encode(text, TEXT_ENCODE_SET));
        }
        url
    }
}

impl fmt::Display for ClickLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

/// `text` with line breaks normalised to `\n`, or the first control character in it.
fn checked_text(text: &str) -> Result<String, ClickLinkError> {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let bad = normalised
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && *c != '\n' && *c != '\t');
    match bad {
        Some((index, c)) => Err(ClickLinkError::ControlCharacter {
            code_point: format!("U+{:04X}", u32::from(c)),
            position: index + 1,
        }),
        None => Ok(normalised),
    }
}

/// The template function `whatsapp_link(phone, text)`: a click-to-chat link for
/// a recipient or any other number, with optional prefilled text.
///
/// Templates have no default country, so `phone` must be international:
/// `+44 7911 123456`, `0044 7911 123456`, or digits that start with the country
/// code (`447911123456`, as audience numbers are stored). A national number such
/// as `07911 123456` is an error. A `none` or undefined `text` means no text.
pub fn whatsapp_link(phone: String, text: Option<String>) -> Result<String, minijinja::Error> {
    let phone =
        Phone::parse(&phone, None).map_err(|error| template_error(&phone_message(error)))?;
    let link = ClickLink::new(phone, text.as_deref())
        .map_err(|error| template_error(&error.to_string()))?;
    Ok(link.url())
}

/// The message for a number a template passed, without the audience's
/// default-country hint, which does not apply to templates.
fn phone_message(error: PhoneError) -> String {
    match error {
        PhoneError::NoCountry(raw) if looks_like_a_number(&raw) => format!(
            "`{raw}` is in national form; whatsapp_link needs an international number such as `+44…` or digits that start with the country code"
        ),
        PhoneError::NoCountry(raw) => PhoneError::Invalid(raw).to_string(),
        other => other.to_string(),
    }
}

/// Whether `raw` is written like a phone number (digits with spaces, dashes,
/// dots or brackets), so that a "national form" explanation fits it.
pub(crate) fn looks_like_a_number(raw: &str) -> bool {
    raw.chars().any(|c| c.is_ascii_digit())
        && raw
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'))
}

fn template_error(message: &str) -> minijinja::Error {
    minijinja::Error::new(
        minijinja::ErrorKind::InvalidOperation,
        format!("whatsapp_link: {message}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> Phone {
        Phone::from_digits("447911123456").unwrap()
    }

    fn url(text: &str) -> String {
        ClickLink::new(phone(), Some(text)).unwrap().url()
    }

    #[test]
    fn without_text_the_link_has_only_the_number() {
        let expected = "https://api.whatsapp.com/send?phone=447911123456";
        assert_eq!(ClickLink::new(phone(), None).unwrap().url(), expected);
        assert_eq!(url(""), expected);
        assert_eq!(url(" \n\t"), expected);
    }

    #[test]
    fn text_is_percent_encoded_outside_the_unreserved_set() {
        assert_eq!(
            url("Hi there & #1+1=2? 100% ~ok_-."),
            "https://api.whatsapp.com/send?phone=447911123456&text=Hi%20there%20%26%20%231%2B1%3D2%3F%20100%25%20~ok_-."
        );
        assert!(url("line\nnext").ends_with("&text=line%0Anext"));
        assert!(url("😀").ends_with("&text=%F0%9F%98%80"));
        assert!(url("שלום").ends_with("&text=%D7%A9%D7%9C%D7%95%D7%9D"));
    }

    #[test]
    fn carriage_returns_become_newlines_and_tabs_stay() {
        assert!(url("a\r\nb\rc\td").ends_with("&text=a%0Ab%0Ac%09d"));
    }

    #[test]
    fn other_control_characters_are_rejected() {
        for (text, code_point, position) in [
            ("a\0b", "U+0000", 2),
            ("\u{1b}[31m", "U+001B", 1),
            ("x\u{85}", "U+0085", 2),
        ] {
            assert_eq!(
                ClickLink::new(phone(), Some(text)),
                Err(ClickLinkError::ControlCharacter {
                    code_point: code_point.to_owned(),
                    position
                }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn template_function_builds_personal_links() {
        let mut env = minijinja::Environment::new();
        env.add_function("whatsapp_link", whatsapp_link);
        let template = env
            .template_from_str(r#"{{ whatsapp_link(phone, "Hi " ~ name) }}"#)
            .unwrap();
        let rendered = template
            .render(minijinja::context! { phone => "447911123456", name => "Zoë & co" })
            .unwrap();
        assert_eq!(
            rendered,
            "https://api.whatsapp.com/send?phone=447911123456&text=Hi%20Zo%C3%AB%20%26%20co"
        );
        let no_text = env
            .render_str("{{ whatsapp_link('+44 7911 123456') }}", ())
            .unwrap();
        assert_eq!(no_text, "https://api.whatsapp.com/send?phone=447911123456");
        let integer = env
            .render_str("{{ whatsapp_link(447911123456, none) }}", ())
            .unwrap();
        assert_eq!(integer, "https://api.whatsapp.com/send?phone=447911123456");
    }

    #[test]
    fn template_function_rejects_national_and_invalid_numbers() {
        let mut env = minijinja::Environment::new();
        env.add_function("whatsapp_link", whatsapp_link);
        let national = env
            .render_str("{{ whatsapp_link('07911 123456', 'hi') }}", ())
            .unwrap_err();
        assert!(
            national
                .to_string()
                .contains("whatsapp_link: `07911 123456` is in national form"),
            "{national}"
        );
        let invalid = env
            .render_str("{{ whatsapp_link('+44 12345') }}", ())
            .unwrap_err();
        assert!(
            invalid
                .to_string()
                .contains("whatsapp_link: `+44 12345` is not a valid phone number"),
            "{invalid}"
        );
    }
}
