//! Callback bodies a local sandbox posts to simulate Sinch: delivery reports
//! (`DELIVERED` then `READ`, or `FAILED` with a reason and WhatsApp's code)
//! and inbound messages (a typed `STOP`, a quick-reply press), in the shapes
//! of the reference examples (SD; J tests), signed as Sinch signs them. Reports
//! carry `processing_mode: DISPATCH` and empty conversation and contact ids,
//! as apps created since 2025-04-16 do (reference; J `MessageDeliveryReport.java`).

use std::time::SystemTime;

use serde_json::{Value, json};

use crate::timestamp::rfc3339;
use crate::transport::sinch_conversation::callback_signature::{
    ALGORITHM, ALGORITHM_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign,
};
use crate::transport::sinch_conversation::delivery_report::{DeliveryStatus, FailureReason};

/// The app and project a callback is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallbackSource<'a> {
    /// The app id.
    pub app_id: &'a str,
    /// The project id.
    pub project_id: &'a str,
}

/// A body with the headers that sign it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCallback {
    /// The exact bytes signed.
    pub body: Vec<u8>,
    /// The four signature headers.
    pub headers: Vec<(&'static str, String)>,
}

/// Signs `body` with `secret`, `nonce` and `timestamp` (epoch seconds).
pub fn signed(body: Vec<u8>, secret: &[u8], nonce: &str, timestamp: u64) -> SignedCallback {
    let timestamp = timestamp.to_string();
    let signature = sign(secret, &body, nonce, &timestamp);
    SignedCallback {
        body,
        headers: vec![
            (SIGNATURE_HEADER, signature),
            (NONCE_HEADER, nonce.to_owned()),
            (TIMESTAMP_HEADER, timestamp),
            (ALGORITHM_HEADER, ALGORITHM.to_owned()),
        ],
    }
}

/// One simulated delivery report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatedReport<'a> {
    /// The id the send answered with.
    pub message_id: &'a str,
    /// The recipient's digits.
    pub identity: &'a str,
    /// The status to report.
    pub status: DeliveryStatus,
    /// The reason, for `FAILED`.
    pub reason: Option<FailureReason>,
    /// The `message_metadata` the send carried.
    pub metadata: &'a str,
    /// When it happened.
    pub event_time: SystemTime,
}

/// A `MESSAGE_DELIVERY` body.
pub fn delivery_report_body(
    source: CallbackSource<'_>,
    report: &SimulatedReport<'_>,
    accepted_time: SystemTime,
) -> Vec<u8> {
    let mut inner = json!({
        "message_id": report.message_id,
        "conversation_id": "",
        "status": report.status.as_str(),
        "channel_identity": {"channel": "WHATSAPP", "identity": report.identity, "app_id": ""},
        "contact_id": "",
        "metadata": report.metadata,
        "processing_mode": "DISPATCH"
    });
    if let Some(reason) = &report.reason {
        inner["reason"] = json!({
            "code": reason.code, "description": reason.description,
            "sub_code": reason.sub_code, "channel_code": reason.channel_code
        });
    }
    envelope(
        source,
        accepted_time,
        Some(report.event_time),
        "message_delivery_report",
        inner,
    )
}

/// A `MESSAGE_INBOUND` body for text the contact typed, e.g. `STOP`.
pub fn inbound_text_body(
    source: CallbackSource<'_>,
    message_id: &str,
    identity: &str,
    text: &str,
    at: SystemTime,
) -> Vec<u8> {
    inbound(
        source,
        message_id,
        identity,
        json!({"text_message": {"text": text}}),
        at,
    )
}

/// A `MESSAGE_INBOUND` body for a quick-reply press on the message
/// `replied_to`, carrying the payload that was sent.
pub fn inbound_quick_reply_body(
    source: CallbackSource<'_>,
    message_id: &str,
    identity: &str,
    replied_to: &str,
    payload: &str,
    at: SystemTime,
) -> Vec<u8> {
    let contact_message =
        json!({"choice_response_message": {"message_id": replied_to, "postback_data": payload}});
    inbound(source, message_id, identity, contact_message, at)
}

fn inbound(
    source: CallbackSource<'_>,
    message_id: &str,
    identity: &str,
    contact_message: Value,
    at: SystemTime,
) -> Vec<u8> {
    let message = json!({
        "id": message_id,
        "direction": "TO_APP",
        "contact_message": contact_message,
        "channel_identity": {"channel": "WHATSAPP", "identity": identity, "app_id": ""},
        "conversation_id": "",
        "contact_id": "",
        "metadata": "",
        "accept_time": rfc3339(at),
        "processing_mode": "DISPATCH"
    });
    envelope(source, at, Some(at), "message", message)
}

fn envelope(
    source: CallbackSource<'_>,
    accepted: SystemTime,
    event: Option<SystemTime>,
    field: &str,
    inner: Value,
) -> Vec<u8> {
    let mut body = json!({
        "app_id": source.app_id,
        "accepted_time": rfc3339(accepted),
        "project_id": source.project_id,
        "message_metadata": ""
    });
    if let Some(event) = event {
        body["event_time"] = Value::String(rfc3339(event));
    }
    body[field] = inner;
    body.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::sinch_conversation::callback::Callback;
    use crate::transport::sinch_conversation::callback_signature::verify;
    use crate::transport::sinch_conversation::inbound_message::{InboundText, TextSource};
    use std::time::{Duration, UNIX_EPOCH};

    const SOURCE: CallbackSource<'static> = CallbackSource {
        app_id: "APP",
        project_id: "P",
    };

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn report(status: DeliveryStatus, reason: Option<FailureReason>) -> Vec<u8> {
        let simulated = SimulatedReport {
            message_id: "01J0000000000000000000000A",
            identity: "447700900123",
            status,
            reason,
            metadata: r#"{"campaign":"spring-sale"}"#,
            event_time: at(1_700_000_000),
        };
        delivery_report_body(SOURCE, &simulated, at(1_700_000_001))
    }

    #[test]
    fn delivered_then_read_read_back() {
        for status in [DeliveryStatus::Delivered, DeliveryStatus::Read] {
            let Callback::Delivery(parsed) = Callback::parse(&report(status.clone(), None)) else {
                panic!()
            };
            assert_eq!(parsed.status, status);
            assert_eq!(parsed.campaign.as_deref(), Some("spring-sale"));
            assert_eq!(parsed.event_time.as_deref(), Some("2023-11-14T22:13:20Z"));
            assert_eq!(parsed.reason, None);
        }
    }

    #[test]
    fn failed_reads_back_with_whatsapps_code() {
        let reason = FailureReason {
            code: "RECIPIENT_NOT_REACHABLE".into(),
            description: "The underlying channel reported: message undeliverable".into(),
            sub_code: "UNSPECIFIED_SUB_CODE".into(),
            channel_code: "131026".into(),
        };
        let Callback::Delivery(parsed) =
            Callback::parse(&report(DeliveryStatus::Failed, Some(reason.clone())))
        else {
            panic!()
        };
        assert_eq!(parsed.reason, Some(reason));
    }

    #[test]
    fn inbound_bodies_read_back_signed() {
        let stop = inbound_text_body(SOURCE, "01IN", "447700900123", "STOP", at(1_700_000_000));
        let press = inbound_quick_reply_body(
            SOURCE,
            "01IN2",
            "447700900123",
            "01OUT",
            "stop",
            at(1_700_000_000),
        );
        let Callback::Inbound(text) = Callback::parse(&stop) else {
            panic!()
        };
        assert_eq!(
            text.texts,
            [InboundText {
                source: TextSource::Text,
                text: "STOP".into()
            }]
        );
        let signed = signed(press, b"secret", "nonce-1", 1_700_000_000);
        let headers: Vec<(&str, &str)> = signed
            .headers
            .iter()
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        assert_eq!(
            verify(&[b"other".as_slice(), b"secret"], &signed.body, &headers),
            Ok(1)
        );
        let Callback::Inbound(press) = Callback::parse(&signed.body) else {
            panic!()
        };
        assert_eq!(
            press.texts,
            [InboundText {
                source: TextSource::Payload,
                text: "stop".into()
            }]
        );
        assert_eq!(press.replied_to.as_deref(), Some("01OUT"));
    }
}
