//! A `MESSAGE_DELIVERY` callback: what happened to a sent message on
//! WhatsApp (SD `conversation-callbacks.md`; J `MessageDeliveryReport.java`,
//! `DeliveryStatus.java`, `Reason.java`; J test `MessageDeliveryReceiptEventDto.json`).

use serde::{Deserialize, Deserializer};

use super::campaign_metadata::campaign_from_metadata;

/// One delivery report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The id `messages:send` returned.
    pub message_id: String,
    /// What happened.
    pub status: DeliveryStatus,
    /// The recipient as Sinch writes it (SD shows both `4670…` and `+4670…`:
    /// compare numbers normalised).
    pub identity: Option<String>,
    /// Why, for `FAILED` (and sometimes other statuses).
    pub reason: Option<FailureReason>,
    /// The `message_metadata` sent, echoed as the report's `metadata` (or,
    /// when that is empty, the callback's top-level `message_metadata`).
    pub metadata: String,
    /// The campaign named by wacast's metadata, if it is wacast's.
    pub campaign: Option<String>,
    /// When it happened on the channel (RFC 3339), if given.
    pub event_time: Option<String>,
    /// When Sinch accepted the event (RFC 3339), if given.
    pub accepted_time: Option<String>,
}

/// A delivery status (J `DeliveryStatus.java`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// `QUEUED_ON_CHANNEL`: handed to WhatsApp.
    QueuedOnChannel,
    /// `DELIVERED`: on the handset.
    Delivered,
    /// `READ`: final; may come without `DELIVERED` (SD).
    Read,
    /// `FAILED`: final.
    Failed,
    /// `SWITCHING_CHANNEL`: falling back to the next channel.
    SwitchingChannel,
    /// A status no source lists, kept as written.
    Other(String),
}

impl DeliveryStatus {
    fn from_wire(text: &str) -> DeliveryStatus {
        match text {
            "QUEUED_ON_CHANNEL" => DeliveryStatus::QueuedOnChannel,
            "DELIVERED" => DeliveryStatus::Delivered,
            "READ" => DeliveryStatus::Read,
            "FAILED" => DeliveryStatus::Failed,
            "SWITCHING_CHANNEL" => DeliveryStatus::SwitchingChannel,
            other => DeliveryStatus::Other(other.to_owned()),
        }
    }

    /// The status as Sinch writes it.
    pub fn as_str(&self) -> &str {
        match self {
            DeliveryStatus::QueuedOnChannel => "QUEUED_ON_CHANNEL",
            DeliveryStatus::Delivered => "DELIVERED",
            DeliveryStatus::Read => "READ",
            DeliveryStatus::Failed => "FAILED",
            DeliveryStatus::SwitchingChannel => "SWITCHING_CHANNEL",
            DeliveryStatus::Other(text) => text,
        }
    }

    /// Whether no later status can follow (`READ`, `FAILED`; SD).
    pub fn is_final(&self) -> bool {
        matches!(self, DeliveryStatus::Read | DeliveryStatus::Failed)
    }
}

/// Why a message failed (J `Reason.java`). Codes are kept as text: SK names
/// values no SDK has.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct FailureReason {
    /// Sinch's reason code, e.g. `OUTSIDE_ALLOWED_SENDING_WINDOW`.
    #[serde(default, deserialize_with = "text")]
    pub code: String,
    /// Human-readable text.
    #[serde(default, deserialize_with = "text")]
    pub description: String,
    /// A finer code, `UNSPECIFIED_SUB_CODE` when none.
    #[serde(default, deserialize_with = "text")]
    pub sub_code: String,
    /// WhatsApp's own error code (Meta's), WhatsApp only.
    #[serde(default, deserialize_with = "text")]
    pub channel_code: String,
}

impl FailureReason {
    /// One line for people: code, WhatsApp's code, sub-code when specific,
    /// then the description, e.g.
    /// `OUTSIDE_ALLOWED_SENDING_WINDOW (whatsapp error 131047): The underlying channel reported: …`.
    pub fn text(&self) -> String {
        let mut out = if self.code.is_empty() {
            "UNKNOWN".to_owned()
        } else {
            self.code.clone()
        };
        let mut notes = Vec::new();
        if !self.channel_code.is_empty() {
            notes.push(format!("whatsapp error {}", self.channel_code));
        }
        if !self.sub_code.is_empty() && self.sub_code != "UNSPECIFIED_SUB_CODE" {
            notes.push(self.sub_code.clone());
        }
        if !notes.is_empty() {
            out.push_str(&format!(" ({})", notes.join(", ")));
        }
        if !self.description.is_empty() {
            out.push_str(": ");
            out.push_str(&self.description);
        }
        out
    }
}

/// The report as it comes inside `message_delivery_report`.
#[derive(Deserialize)]
pub(crate) struct WireReport {
    #[serde(default, deserialize_with = "text")]
    message_id: String,
    #[serde(default, deserialize_with = "text")]
    status: String,
    #[serde(default)]
    channel_identity: Option<WireIdentity>,
    #[serde(default)]
    reason: Option<FailureReason>,
    #[serde(default, deserialize_with = "text")]
    metadata: String,
}

/// A `channel_identity` object.
#[derive(Deserialize)]
pub(crate) struct WireIdentity {
    #[serde(default, deserialize_with = "text")]
    pub(crate) identity: String,
}

/// The envelope fields shared by every callback.
#[derive(Default)]
pub(crate) struct Envelope {
    pub(crate) message_metadata: String,
    pub(crate) event_time: Option<String>,
    pub(crate) accepted_time: Option<String>,
}

impl WireReport {
    /// The report, or why it cannot be used.
    pub(crate) fn into_report(self, envelope: Envelope) -> Result<DeliveryReport, String> {
        if self.message_id.trim().is_empty() {
            return Err("`message_delivery_report.message_id` is missing".into());
        }
        if self.status.trim().is_empty() {
            return Err("`message_delivery_report.status` is missing".into());
        }
        let metadata = if self.metadata.is_empty() {
            envelope.message_metadata
        } else {
            self.metadata
        };
        Ok(DeliveryReport {
            message_id: self.message_id,
            status: DeliveryStatus::from_wire(self.status.trim()),
            identity: self
                .channel_identity
                .map(|c| c.identity)
                .filter(|i| !i.is_empty()),
            reason: self.reason.filter(|r| *r != FailureReason::default()),
            campaign: campaign_from_metadata(&metadata),
            metadata,
            event_time: envelope.event_time,
            accepted_time: envelope.accepted_time,
        })
    }
}

/// A string field that may be absent, `null`, a number or a boolean
/// (`channel_code` is documented as a string but is a number on Meta's side).
pub(crate) fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    use serde_json::Value;
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => {
            return Err(serde::de::Error::custom(format!(
                "expected a string, found {other}"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_text_names_whatsapps_code() {
        let reason = FailureReason {
            code: "OUTSIDE_ALLOWED_SENDING_WINDOW".into(),
            description: "The underlying channel reported: …".into(),
            sub_code: "UNSPECIFIED_SUB_CODE".into(),
            channel_code: "131047".into(),
        };
        assert_eq!(
            reason.text(),
            "OUTSIDE_ALLOWED_SENDING_WINDOW (whatsapp error 131047): The underlying channel reported: …"
        );
        let bare = FailureReason {
            code: "CHANNEL_FAILURE".into(),
            sub_code: "ATTACHMENT_REJECTED".into(),
            ..Default::default()
        };
        assert_eq!(bare.text(), "CHANNEL_FAILURE (ATTACHMENT_REJECTED)");
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            "QUEUED_ON_CHANNEL",
            "DELIVERED",
            "READ",
            "FAILED",
            "SWITCHING_CHANNEL",
            "DELETED",
        ] {
            assert_eq!(DeliveryStatus::from_wire(s).as_str(), s);
        }
        assert!(DeliveryStatus::Read.is_final() && DeliveryStatus::Failed.is_final());
        assert!(!DeliveryStatus::Delivered.is_final());
    }
}
