//! A `MESSAGE_INBOUND` callback: something the recipient sent, reduced to
//! the texts that may carry an opt-out keyword.
//!
//! Shapes covered, all under `message.contact_message`:
//! - `text_message.text` (SD `conversation-whatsapp.md`; J test `MessageInboundEventDto.json`),
//!   with `reply_to.message_id` when it quotes a message (J);
//! - `reply_message{message_id, text_message.text}`, a quoted reply (SK `message-inbound.md`);
//! - `choice_response_message{message_id, postback_data}`, a button press (SD; SK).
//!   That a WhatsApp *template* quick-reply press arrives here with the sent
//!   payload is inferred, not documented;
//! - `media_card_message.caption`, a media message's caption (SD);
//! - `fallback_message.raw_message`, a channel message Sinch did not
//!   transcode (J `FallbackMessage`): WhatsApp's own `button{payload, text}` or
//!   `interactive.button_reply{id, title}` are read from it, the shapes Meta
//!   uses for a template quick reply and a reply button.

use serde::Deserialize;
use serde_json::Value;

use super::campaign_metadata::campaign_from_metadata;
use super::delivery_report::{Envelope, WireIdentity, text};

/// One inbound message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundMessage {
    /// Sinch's id of the inbound message.
    pub message_id: String,
    /// The sender as Sinch writes it.
    pub identity: Option<String>,
    /// The texts that may be an opt-out keyword, in the order listed above.
    pub texts: Vec<InboundText>,
    /// The message quoted or answered, when given.
    pub replied_to: Option<String>,
    /// The message's `metadata` (conversation metadata, rarely wacast's).
    pub metadata: String,
    /// The campaign named by wacast's metadata, if it is wacast's.
    pub campaign: Option<String>,
    /// When Sinch accepted it (RFC 3339): `message.accept_time`, else the
    /// callback's `accepted_time`.
    pub accept_time: Option<String>,
}

/// One text of an inbound message and where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundText {
    /// Where it was found.
    pub source: TextSource,
    /// The text as sent.
    pub text: String,
}

/// Where an inbound text was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextSource {
    /// Typed text (`text_message.text`, also inside `reply_message`).
    Text,
    /// A button's payload (`postback_data`, or WhatsApp's `button.payload` / `button_reply.id`).
    Payload,
    /// A button's title (WhatsApp's `button.text` / `button_reply.title`).
    ButtonTitle,
    /// A media message's caption.
    Caption,
}

#[derive(Deserialize)]
pub(crate) struct WireInbound {
    #[serde(default, deserialize_with = "text")]
    id: String,
    #[serde(default, deserialize_with = "text")]
    direction: String,
    #[serde(default)]
    contact_message: Option<WireContactMessage>,
    #[serde(default)]
    channel_identity: Option<WireIdentity>,
    #[serde(default, deserialize_with = "text")]
    metadata: String,
    #[serde(default, deserialize_with = "text")]
    accept_time: String,
}

#[derive(Default, Deserialize)]
struct WireContactMessage {
    #[serde(default)]
    text_message: Option<WireText>,
    #[serde(default)]
    reply_to: Option<WireReplyTo>,
    #[serde(default)]
    reply_message: Option<WireReplyMessage>,
    #[serde(default)]
    choice_response_message: Option<WireChoice>,
    #[serde(default)]
    media_card_message: Option<WireCaption>,
    #[serde(default)]
    fallback_message: Option<WireFallback>,
}

#[derive(Deserialize)]
struct WireText {
    #[serde(default, deserialize_with = "text")]
    text: String,
}

#[derive(Deserialize)]
struct WireReplyTo {
    #[serde(default, deserialize_with = "text")]
    message_id: String,
}

#[derive(Deserialize)]
struct WireReplyMessage {
    #[serde(default, deserialize_with = "text")]
    message_id: String,
    #[serde(default)]
    text_message: Option<WireText>,
}

#[derive(Deserialize)]
struct WireChoice {
    #[serde(default, deserialize_with = "text")]
    message_id: String,
    #[serde(default, deserialize_with = "text")]
    postback_data: String,
}

#[derive(Deserialize)]
struct WireCaption {
    #[serde(default, deserialize_with = "text")]
    caption: String,
}

#[derive(Deserialize)]
struct WireFallback {
    #[serde(default, deserialize_with = "text")]
    raw_message: String,
}

impl WireInbound {
    /// Whether this is a message *from* the contact (`TO_APP`, or unstated).
    pub(crate) fn is_to_app(&self) -> bool {
        self.direction.is_empty() || self.direction == "TO_APP"
    }

    /// The inbound message, or why it cannot be used.
    pub(crate) fn into_inbound(self, envelope: Envelope) -> Result<InboundMessage, String> {
        if self.id.trim().is_empty() {
            return Err("`message.id` is missing".into());
        }
        let contact = self
            .contact_message
            .ok_or("`message.contact_message` is missing")?;
        let mut texts = Vec::new();
        let mut push = |source, text: String| {
            if !text.trim().is_empty() {
                texts.push(InboundText { source, text });
            }
        };
        let mut replied_to = contact.reply_to.map(|r| r.message_id);
        if let Some(t) = contact.text_message {
            push(TextSource::Text, t.text);
        }
        if let Some(reply) = contact.reply_message {
            replied_to = Some(reply.message_id);
            if let Some(t) = reply.text_message {
                push(TextSource::Text, t.text);
            }
        }
        if let Some(choice) = contact.choice_response_message {
            replied_to = Some(choice.message_id);
            push(TextSource::Payload, choice.postback_data);
        }
        if let Some(card) = contact.media_card_message {
            push(TextSource::Caption, card.caption);
        }
        if let Some(fallback) = contact.fallback_message {
            for (source, text) in whatsapp_button(&fallback.raw_message) {
                push(source, text);
            }
        }
        let metadata = if self.metadata.is_empty() {
            envelope.message_metadata
        } else {
            self.metadata
        };
        Ok(InboundMessage {
            message_id: self.id,
            identity: self
                .channel_identity
                .map(|c| c.identity)
                .filter(|i| !i.is_empty()),
            texts,
            replied_to: replied_to.filter(|id| !id.is_empty()),
            campaign: campaign_from_metadata(&metadata),
            metadata,
            accept_time: Some(self.accept_time)
                .filter(|t| !t.is_empty())
                .or(envelope.accepted_time),
        })
    }
}

/// The payload and title of a WhatsApp button press in a raw channel message:
/// `{"button": {"payload", "text"}}` (template quick reply) or
/// `{"interactive": {"button_reply": {"id", "title"}}}` (reply button).
fn whatsapp_button(raw: &str) -> Vec<(TextSource, String)> {
    let Ok(value) = serde_json::from_str::<Value>(raw) else {
        return Vec::new();
    };
    let field = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut out = Vec::new();
    if let Some(button) = value.get("button") {
        out.extend(field(button, "payload").map(|t| (TextSource::Payload, t)));
        out.extend(field(button, "text").map(|t| (TextSource::ButtonTitle, t)));
    }
    if let Some(reply) = value.get("interactive").and_then(|i| i.get("button_reply")) {
        out.extend(field(reply, "id").map(|t| (TextSource::Payload, t)));
        out.extend(field(reply, "title").map(|t| (TextSource::ButtonTitle, t)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_buttons_from_raw_whatsapp_messages() {
        let raw = r#"{"type":"button","button":{"payload":"stop","text":"Stop promotions"}}"#;
        assert_eq!(
            whatsapp_button(raw),
            [
                (TextSource::Payload, "stop".into()),
                (TextSource::ButtonTitle, "Stop promotions".into())
            ]
        );
        let raw = r#"{"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"b1","title":"STOP"}}}"#;
        assert_eq!(
            whatsapp_button(raw),
            [
                (TextSource::Payload, "b1".into()),
                (TextSource::ButtonTitle, "STOP".into())
            ]
        );
        assert!(whatsapp_button("not json").is_empty());
    }
}
