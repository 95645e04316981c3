//! The JSON bodies of the Sinch WhatsApp v1 API, exactly as they travel. wacast
//! builds requests from these types and the sandbox answers with them, so the
//! two sides cannot drift apart.

use crate::message::TemplateMessage;
use serde::{Deserialize, Serialize};

/// `POST /whatsapp/v1/{bot_id}/messages` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    pub to: Vec<String>,
    pub message: TemplateMessage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<String>,
}

/// The 201 answer to a send. Only `statuses` matters: an answer without
/// `type` (which some Sinch clients never read) is still an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendResponse {
    #[serde(rename = "type", default)]
    pub kind: String,
    pub statuses: Vec<RecipientStatus>,
}

/// One recipient's outcome in a send answer or a delivery report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    pub recipient: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl RecipientStatus {
    /// Sinch spells a per-recipient failure `failure`, some sources `failed`.
    pub fn is_failure(&self) -> bool {
        matches!(self.status.as_str(), "failure" | "failed")
    }
}

/// The body of a 400 or 401 answer. Sinch's OpenAPI file names the second field
/// `reason`; its documentation says `details`. Both are read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default, alias = "reason", skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// A callback POSTed by Sinch: delivery reports and inbound messages.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallbackEnvelope {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<RecipientStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<serde_json::Value>,
}

/// The path of the send endpoint for a bot.
pub fn messages_path(bot_id: &str) -> String {
    format!("/whatsapp/v1/{bot_id}/messages")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Button, Media};

    #[test]
    fn a_request_serialises_in_the_documented_shape() {
        let request = SendRequest {
            to: vec!["447700900123".into()],
            message: TemplateMessage {
                kind: "template".into(),
                template_name: "spring_sale".into(),
                language: "en_GB".into(),
                header_params: vec!["Ann".into()],
                body_params: vec!["Ann".into(), "20%".into()],
                media: Media::Image {
                    provider: None,
                    url: "https://cdn.example.com/spring.jpg".into(),
                },
                buttons: vec![
                    Button::Url {
                        parameter: Some("SPRING20".into()),
                    },
                    Button::QuickReply {
                        payload: Some("stop".into()),
                    },
                    Button::Call,
                ],
            },
            callback: None,
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"to":["447700900123"],"message":{"type":"template","template_name":"spring_sale","language":"en_GB","header_params":["Ann"],"body_params":["Ann","20%"],"media":{"type":"image","url":"https://cdn.example.com/spring.jpg"},"buttons":[{"type":"url","parameter":"SPRING20"},{"type":"quick_reply","payload":"stop"},{"type":"call"}]}}"#
        );
    }

    #[test]
    fn error_bodies_read_details_or_reason() {
        let a: ErrorBody = serde_json::from_str(r#"{"message":"m","details":"d"}"#).unwrap();
        let b: ErrorBody = serde_json::from_str(r#"{"message":"m","reason":"d"}"#).unwrap();
        assert_eq!(a, b);
    }
}
