//! A callback body, read into the events wacast acts on: delivery reports
//! (`MESSAGE_DELIVERY`) and inbound messages (`MESSAGE_INBOUND`). Other
//! triggers are recognised and ignored; a body that cannot be read is
//! reported with the reason and a bounded excerpt, for the listener to keep
//! and still answer 2xx (Sinch retries non-2xx answers; SK).
//!
//! A callback names its trigger by which top-level field it carries
//! (SD `conversation-callbacks.md`; J `…/webhooks/events/`). Unknown fields
//! are ignored everywhere.

use serde_json::{Map, Value};

use super::delivery_report::{DeliveryReport, Envelope, WireReport};
use super::excerpt::excerpt;
use super::inbound_message::{InboundMessage, WireInbound};

/// The fields that mark the triggers wacast does not act on.
pub const IGNORED_KINDS: &[&str] = &[
    "event_delivery_report",
    "event",
    "message_submit_notification",
    "contact_create_notification",
    "contact_delete_notification",
    "contact_merge_notification",
    "contact_update_notification",
    "contact_identities_duplication_notification",
    "conversation_start_notification",
    "conversation_stop_notification",
    "conversation_delete_notification",
    "capability_notification",
    "opt_in_notification",
    "opt_out_notification",
    "channel_event_notification",
    "unsupported_callback",
    "smart_conversation_notification",
    "message_inbound_smart_conversation_redaction",
    "record_notification",
];

/// What a callback body holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callback {
    /// A `MESSAGE_DELIVERY` report.
    Delivery(DeliveryReport),
    /// A `MESSAGE_INBOUND` message from a contact.
    Inbound(InboundMessage),
    /// Another trigger, named by its field (e.g. `contact_create_notification`).
    Ignored {
        /// The field that names it.
        kind: String,
    },
    /// Not readable as an event.
    Unreadable {
        /// Why.
        reason: String,
        /// A bounded, neutralised excerpt of the body.
        excerpt: String,
    },
}

impl Callback {
    /// Reads a callback body.
    pub fn parse(body: &[u8]) -> Callback {
        let unreadable = |reason: String| Callback::Unreadable {
            reason,
            excerpt: excerpt(body),
        };
        let object = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(object)) => object,
            Ok(_) => return unreadable("the body is not a JSON object".into()),
            Err(e) => return unreadable(format!("the body is not JSON: {e}")),
        };
        match read(object) {
            Ok(callback) => callback,
            Err(reason) => unreadable(reason),
        }
    }
}

fn read(mut object: Map<String, Value>) -> Result<Callback, String> {
    let envelope = envelope(&object);
    if let Some(report) = object.remove("message_delivery_report") {
        let wire: WireReport = serde_json::from_value(report)
            .map_err(|e| format!("`message_delivery_report` is unreadable: {e}"))?;
        return wire.into_report(envelope).map(Callback::Delivery);
    }
    if let Some(message) = object.remove("message") {
        let wire: WireInbound =
            serde_json::from_value(message).map_err(|e| format!("`message` is unreadable: {e}"))?;
        if !wire.is_to_app() {
            return Ok(Callback::Ignored {
                kind: "message".into(),
            });
        }
        return wire.into_inbound(envelope).map(Callback::Inbound);
    }
    if let Some(kind) = IGNORED_KINDS.iter().find(|k| object.contains_key(**k)) {
        return Ok(Callback::Ignored {
            kind: (*kind).to_owned(),
        });
    }
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    Err(format!(
        "no known event field (fields: {})",
        keys.join(", ")
    ))
}

fn envelope(object: &Map<String, Value>) -> Envelope {
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    Envelope {
        message_metadata: text("message_metadata").unwrap_or_default(),
        event_time: text("event_time").filter(|t| !t.is_empty()),
        accepted_time: text("accepted_time").filter(|t| !t.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::delivery_report::DeliveryStatus;
    use super::super::inbound_message::{InboundText, TextSource};
    use super::*;

    fn fixture(name: &str) -> Callback {
        let path = format!(
            "{}/tests/fixtures/sinch_conversation/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        Callback::parse(&std::fs::read(path).unwrap())
    }

    #[test]
    fn reference_failed_report_names_the_campaign_and_whatsapps_code() {
        // The reference's `MESSAGE_DELIVERY` example (SD example, J fields).
        let Callback::Delivery(report) = fixture("reference_delivery_failed.json") else {
            panic!()
        };
        assert_eq!(report.message_id, "01EQBF0BT63J7S1FEKJZ0Z08VD");
        assert_eq!(report.status, DeliveryStatus::Failed);
        assert_eq!(report.identity.as_deref(), Some("447700900123"));
        assert_eq!(report.campaign.as_deref(), Some("spring-sale"));
        assert_eq!(report.event_time.as_deref(), Some("2020-11-17T16:01:07Z"));
        assert_eq!(
            report.accepted_time.as_deref(),
            Some("2020-11-17T16:01:06.374Z")
        );
        let reason = report.reason.unwrap();
        assert_eq!(reason.channel_code, "131047");
        assert!(
            reason.text().starts_with(
                "OUTSIDE_ALLOWED_SENDING_WINDOW (whatsapp error 131047): The underlying"
            )
        );
    }

    #[test]
    fn java_sdk_delivery_receipt() {
        // J test `openapi-contracts/…/webhooks/events/delivery/MessageDeliveryReceiptEventDto.json`.
        let Callback::Delivery(report) = fixture("java_message_delivery_receipt.json") else {
            panic!()
        };
        assert_eq!(report.message_id, "message id");
        assert_eq!(report.status, DeliveryStatus::Delivered);
        assert_eq!(report.metadata, "metadata value");
        assert_eq!(report.campaign, None);
        assert_eq!(report.reason.unwrap().code, "RECIPIENT_NOT_OPTED_IN");
    }

    #[test]
    fn sinch_docs_read_report_without_reason() {
        // SD `conversation-whatsapp.md`, "Receiving Delivery Receipts".
        let Callback::Delivery(report) = fixture("sd_whatsapp_delivery_read.json") else {
            panic!()
        };
        assert_eq!(report.status, DeliveryStatus::Read);
        assert_eq!(report.identity.as_deref(), Some("+46702471483"));
        assert_eq!((report.reason, report.event_time), (None, None));
    }

    #[test]
    fn reference_quick_reply_press() {
        // The reference's `MESSAGE_INBOUND` example (SD choice response, payload changed).
        let Callback::Inbound(inbound) = fixture("reference_inbound_choice.json") else {
            panic!()
        };
        assert_eq!(inbound.message_id, "01EBDTZMYPHM0G1D0AJFEZ0A4P");
        assert_eq!(inbound.identity.as_deref(), Some("46712312312"));
        assert_eq!(
            inbound.texts,
            [InboundText {
                source: TextSource::Payload,
                text: "stop".into()
            }]
        );
        assert_eq!(
            inbound.replied_to.as_deref(),
            Some("01EBDTZ9SN8HTW092K56PH1GDS")
        );
        assert_eq!(
            inbound.accept_time.as_deref(),
            Some("2020-06-22T11:00:32.852315Z")
        );
    }

    #[test]
    fn sinch_docs_text_and_media_card() {
        // SD `conversation-whatsapp.md`, "Receiving Messages".
        let Callback::Inbound(text) = fixture("sd_whatsapp_inbound_text.json") else {
            panic!()
        };
        assert_eq!(
            text.texts,
            [InboundText {
                source: TextSource::Text,
                text: "Hi from contact".into()
            }]
        );
        let Callback::Inbound(media) = fixture("sd_whatsapp_inbound_media.json") else {
            panic!()
        };
        assert_eq!(
            media.texts,
            [InboundText {
                source: TextSource::Caption,
                text: "caption text".into()
            }]
        );
    }

    #[test]
    fn java_sdk_inbound_with_reply_to() {
        // J test `openapi-contracts/…/webhooks/events/message/MessageInboundEventDto.json`.
        let Callback::Inbound(inbound) = fixture("java_message_inbound.json") else {
            panic!()
        };
        assert_eq!(inbound.texts[0].text, "This is a text message.");
        assert_eq!(inbound.replied_to.as_deref(), Some("message id value"));
        assert_eq!(inbound.metadata, "metadata value");
    }

    #[test]
    fn skills_reply_message() {
        // SK `references/webhooks/triggers/message-inbound.md`, with its `reply_message` shape.
        let Callback::Inbound(inbound) = fixture("sk_inbound_reply_message.json") else {
            panic!()
        };
        assert_eq!(
            inbound.texts,
            [InboundText {
                source: TextSource::Text,
                text: "Stop".into()
            }]
        );
        assert_eq!(inbound.replied_to.as_deref(), Some("01HXXX"));
    }

    #[test]
    fn other_triggers_are_ignored() {
        // J test `…/webhooks/events/contact/ContactCreateEventDto.json`, and J's signature-test body.
        for name in ["java_contact_create.json", "contact_create_signed.json"] {
            assert_eq!(
                fixture(name),
                Callback::Ignored {
                    kind: "contact_create_notification".into()
                }
            );
        }
        let outbound = br#"{"message":{"id":"x","direction":"TO_CONTACT","app_message":{}}}"#;
        assert_eq!(
            Callback::parse(outbound),
            Callback::Ignored {
                kind: "message".into()
            }
        );
    }

    #[test]
    fn fallback_button_press() {
        let body = serde_json::json!({"message": {"id": "m1", "direction": "TO_APP",
            "channel_identity": {"channel": "WHATSAPP", "identity": "4477"},
            "contact_message": {"fallback_message": {
                "raw_message": r#"{"type":"button","button":{"payload":"","text":"Stop promotions"}}"#,
                "reason": {"code": "UNSUPPORTED_OPERATION"}}}}});
        let Callback::Inbound(inbound) = Callback::parse(body.to_string().as_bytes()) else {
            panic!()
        };
        assert_eq!(
            inbound.texts,
            [InboundText {
                source: TextSource::ButtonTitle,
                text: "Stop promotions".into()
            }]
        );
    }

    #[test]
    fn unreadable_bodies_say_why() {
        let cases: [(&[u8], &str); 6] = [
            (b"not json", "the body is not JSON"),
            (b"[1,2]", "the body is not a JSON object"),
            (
                br#"{"app_id":"a"}"#,
                "no known event field (fields: app_id)",
            ),
            (
                br#"{"message_delivery_report":{"status":"READ"}}"#,
                "`message_delivery_report.message_id` is missing",
            ),
            (
                br#"{"message_delivery_report":{"message_id":"m","status":{"a":1}}}"#,
                "`message_delivery_report` is unreadable",
            ),
            (
                br#"{"message":{"id":"m","direction":"TO_APP"}}"#,
                "`message.contact_message` is missing",
            ),
        ];
        for (body, reason) in cases {
            let Callback::Unreadable {
                reason: got,
                excerpt,
            } = Callback::parse(body)
            else {
                panic!("{reason}")
            };
            assert!(got.starts_with(reason), "{got}");
            assert!(!excerpt.is_empty());
        }
    }
}
