//! What the answer to one send means: sent (with its wamid), refused, or uncertain.
//!
//! A 200 answer (Meta `coupon-templates`):
//! `{"messaging_product":"whatsapp","contacts":[{"input","wa_id"}],"messages":[{"id","message_status"}]}`.
//! Only `messages[0].id` is needed; unknown fields never fail the read. A 2xx without a
//! readable id may still be a sent message, so it is uncertain, never failed.

use serde::Deserialize;

use super::error_class::ErrorClass;
use super::excerpt::excerpt;

/// The meaning of one send answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendAnswer {
    /// Meta accepted the message.
    Sent(Sent),
    /// Anything else: a refusal, or an answer without a readable id. The class says whether
    /// to retry, fail the recipient, stop, or treat the message as possibly sent.
    Error(ErrorClass),
}

/// An accepted message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The message id (`wamid.…`) that status webhooks will carry.
    pub wamid: String,
    /// Template pacing state: `accepted`, or `held_for_quality_assessment` while a paced
    /// template is held (M `templates/template-pacing`); both mean accepted.
    pub message_status: Option<String>,
    /// The WhatsApp id Meta resolved the number to; it may differ from the number sent.
    pub wa_id: Option<String>,
}

#[derive(Deserialize)]
struct WireAnswer {
    #[serde(default)]
    contacts: Vec<WireContact>,
    #[serde(default)]
    messages: Vec<WireMessage>,
}

#[derive(Deserialize)]
struct WireContact {
    #[serde(default)]
    wa_id: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    message_status: Option<String>,
}

impl SendAnswer {
    /// Reads the answer to a send from its HTTP `status` and raw `body`.
    pub fn read(status: u16, body: &[u8]) -> Self {
        if (200..300).contains(&status) {
            Self::from_success(status, body)
        } else {
            Self::Error(ErrorClass::classify(status, body))
        }
    }

    fn from_success(status: u16, body: &[u8]) -> Self {
        let answer = serde_json::from_slice::<WireAnswer>(body).ok();
        let accepted = answer.and_then(|answer| {
            let message = answer.messages.into_iter().next()?;
            let wamid = message.id.filter(|id| !id.is_empty())?;
            Some(Sent {
                wamid,
                message_status: message.message_status,
                wa_id: answer.contacts.into_iter().next().and_then(|c| c.wa_id),
            })
        });
        match accepted {
            Some(sent) => Self::Sent(sent),
            None => Self::Error(ErrorClass::Uncertain {
                reason: format!("HTTP {status} without a message id: {}", excerpt(body)),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Meta `coupon-templates`, the answer to a template send.
    const ACCEPTED: &str = r#"{"messaging_product": "whatsapp",
      "contacts": [{"input": "447700900123", "wa_id": "447700900123"}],
      "messages": [{"id": "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSQUI", "message_status": "accepted"}]}"#;

    #[test]
    fn accepted_answer_gives_the_wamid() {
        assert_eq!(
            SendAnswer::read(200, ACCEPTED.as_bytes()),
            SendAnswer::Sent(Sent {
                wamid: "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSQUI".into(),
                message_status: Some("accepted".into()),
                wa_id: Some("447700900123".into()),
            })
        );
    }

    #[test]
    fn held_for_quality_assessment_is_sent() {
        let body = ACCEPTED.replace("\"accepted\"", "\"held_for_quality_assessment\"");
        let SendAnswer::Sent(sent) = SendAnswer::read(200, body.as_bytes()) else {
            panic!()
        };
        assert_eq!(
            sent.message_status.as_deref(),
            Some("held_for_quality_assessment")
        );
    }

    #[test]
    fn minimal_answer_and_unknown_fields_are_fine() {
        let body = br#"{"messages":[{"id":"wamid.X","extra":{"a":1}}],"new_field":true}"#;
        let SendAnswer::Sent(sent) = SendAnswer::read(201, body) else {
            panic!()
        };
        assert_eq!(sent.wamid, "wamid.X");
        assert_eq!(sent.message_status, None);
        assert_eq!(sent.wa_id, None);
    }

    #[test]
    fn success_without_an_id_is_uncertain() {
        for body in [
            &b""[..],
            b"OK",
            br#"{"messages":[]}"#,
            br#"{"messages":[{"id":""}]}"#,
            br#"{"messages":[{"id":42}]}"#,
        ] {
            assert!(
                matches!(
                    SendAnswer::read(200, body),
                    SendAnswer::Error(ErrorClass::Uncertain { .. })
                ),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn an_error_status_is_classified() {
        let body = br#"{"error":{"message":"(#131026) Message Undeliverable.","code":131026}}"#;
        let SendAnswer::Error(ErrorClass::Failed(failure)) = SendAnswer::read(400, body) else {
            panic!()
        };
        assert_eq!(failure.reason, "(#131026) Message Undeliverable.");
    }
}
