//! A reply a WhatsApp user sends the bot, as Sinch v1 POSTs it to the callback
//! URL set for the bot at onboarding (not to a message's own `callback`, which
//! carries only that message's delivery reports): one `notifications[]` entry
//! in the callback envelope. The shapes are Sinch's documented samples
//! (sinch/docs, `docs/whatsapp/whatsapp-http-rest/whatsapp-callback.md`): a
//! text `{type: text, body}`, a quick-reply press `{type: button, index, text,
//! payload}`, and an interactive reply-button press `{type: interactive,
//! message: {type: button, id, title}}` (the 2021-06 sample).

use crate::timestamp::rfc3339;
use serde_json::{Value, json};
use std::time::SystemTime;

/// What the user sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InboundReply {
    /// A text message.
    Text(String),
    /// A template's quick-reply button pressed: its text and payload.
    QuickReply { text: String, payload: String },
    /// An interactive message's reply button pressed: its id and title.
    InteractiveButton { id: String, title: String },
}

impl InboundReply {
    /// The `message` object of the notification.
    fn message(&self) -> Value {
        match self {
            InboundReply::Text(body) => json!({"type": "text", "body": body}),
            InboundReply::QuickReply { text, payload } => {
                json!({"type": "button", "index": "0", "text": text, "payload": payload})
            }
            InboundReply::InteractiveButton { id, title } => {
                json!({"type": "interactive", "message": {"type": "button", "id": id, "title": title}})
            }
        }
    }

    /// The callback body carrying this reply from `from` (international
    /// digits) to `bot_id`, with a fresh message id.
    pub fn envelope(&self, from: &str, bot_id: &str) -> String {
        json!({
            "type": "whatsapp",
            "contacts": [{"profile": {"name": "Sandbox user"}, "wa_id": from}],
            "notifications": [{
                "from": from,
                "to": bot_id,
                "message_id": ulid::Ulid::generate().to_string(),
                "message": self.message(),
                "timestamp": rfc3339(SystemTime::now()),
            }]
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interactive_press_is_written_as_sinch_documents_it() {
        let reply = InboundReply::InteractiveButton {
            id: "stop".into(),
            title: "STOP".into(),
        };
        let body: Value = serde_json::from_str(&reply.envelope("447700900123", "bot")).unwrap();
        let notification = &body["notifications"][0];
        assert_eq!(notification["from"], "447700900123");
        assert_eq!(notification["to"], "bot");
        assert_eq!(
            notification["message"],
            json!({"type": "interactive", "message": {"type": "button", "id": "stop", "title": "STOP"}})
        );
    }
}
