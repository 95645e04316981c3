//! One entry of a `statuses[]` webhook: what became of a sent message.
//!
//! Fields (M `webhooks/reference/messages/status`; WhatsApp-Nodejs-SDK `src/types/webhooks.ts`;
//! pywa `types/message_status.py`): `id` (the wamid), `status`, `timestamp` (epoch seconds as
//! a string), `recipient_id`, `biz_opaque_callback_data` (echoed from the send), `errors[]`
//! (`code`, `title`, `message`, `error_data.details`). `conversation` and `pricing` are not
//! kept. Order is not guaranteed and `delivered` is skipped when delivery and reading
//! coincide (M): dedupe on (`id`, `status`).

use serde::Deserialize;

use crate::transport::meta_cloud::epoch_time::rfc3339_from_epoch_text;
use crate::transport::meta_cloud::error_class::OPT_OUT_CODE;
use crate::transport::meta_cloud::graph_error::summarise;

/// What became of one sent message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The message id returned by the send (`wamid.…`).
    pub wamid: String,
    /// The new status.
    pub status: DeliveryStatus,
    /// When, in epoch seconds, as Meta wrote it.
    pub timestamp: String,
    /// [`DeliveryReport::timestamp`] as RFC 3339 UTC, when it is an integer.
    pub time: Option<String>,
    /// The recipient's WhatsApp id (newer payloads may omit it).
    pub recipient_id: Option<String>,
    /// The recipient's business-scoped user id, carried by newer payloads
    /// (`whatsapp-api-js` `ServerStatusPayload`).
    pub recipient_user_id: Option<String>,
    /// The `biz_opaque_callback_data` sent with the message.
    pub opaque: Option<String>,
    /// The business number's id (`metadata.phone_number_id`) the message was sent from.
    pub phone_number_id: Option<String>,
    /// Why the message failed, if it did.
    pub errors: Vec<StatusError>,
}

/// A delivery status; values other than the four documented ones are kept as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Sent to WhatsApp's servers.
    Sent,
    /// Delivered to the recipient's device.
    Delivered,
    /// Displayed to the recipient.
    Read,
    /// Could not be sent or delivered.
    Failed,
    /// Any other status (e.g. `played` for voice, `deleted`).
    Other(String),
}

/// One error of a failed status, or of a webhook's `value.errors[]`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StatusError {
    /// The error code, as in Graph error answers.
    pub code: i64,
    /// The error title.
    #[serde(default)]
    pub title: Option<String>,
    /// The error message (often the title again).
    #[serde(default)]
    pub message: Option<String>,
    /// `error_data.details`.
    #[serde(default, rename = "error_data", deserialize_with = "details_of")]
    pub details: Option<String>,
}

impl DeliveryStatus {
    /// The status named by Meta's `status` text.
    pub fn from_wire(text: &str) -> Self {
        match text {
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "failed" => Self::Failed,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The status as Meta writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
            Self::Other(text) => text,
        }
    }
}

impl StatusError {
    /// `(#131049) <title>: <details>` for a report.
    pub fn summary(&self) -> String {
        let message = self.title.as_deref().or(self.message.as_deref());
        summarise(self.code, message, self.details.as_deref())
    }
}

impl DeliveryReport {
    /// The failure reason for a report: every error's summary, joined by `; `.
    pub fn failure_reason(&self) -> Option<String> {
        if self.errors.is_empty() {
            return None;
        }
        let parts: Vec<String> = self.errors.iter().map(StatusError::summary).collect();
        Some(parts.join("; "))
    }

    /// Whether an error says the recipient stopped marketing messages (131050).
    pub fn is_opt_out(&self) -> bool {
        self.errors.iter().any(|error| error.code == OPT_OUT_CODE)
    }
}

#[derive(Deserialize)]
pub(crate) struct WireStatus {
    id: String,
    status: String,
    timestamp: serde_json::Value,
    #[serde(default)]
    recipient_id: Option<String>,
    #[serde(default)]
    recipient_user_id: Option<String>,
    #[serde(default)]
    biz_opaque_callback_data: Option<String>,
    #[serde(default)]
    errors: Vec<StatusError>,
}

impl WireStatus {
    /// The report, or why the timestamp is unreadable.
    pub(crate) fn into_report(
        self,
        phone_number_id: Option<&str>,
    ) -> Result<DeliveryReport, String> {
        let timestamp = match self.timestamp {
            serde_json::Value::String(text) => text,
            serde_json::Value::Number(number) => number.to_string(),
            other => return Err(format!("`timestamp` is not epoch seconds: {other}")),
        };
        Ok(DeliveryReport {
            wamid: self.id,
            status: DeliveryStatus::from_wire(&self.status),
            time: rfc3339_from_epoch_text(&timestamp),
            timestamp,
            recipient_id: self.recipient_id,
            recipient_user_id: self.recipient_user_id,
            opaque: self.biz_opaque_callback_data,
            phone_number_id: phone_number_id.map(str::to_owned),
            errors: self.errors,
        })
    }
}

fn details_of<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct ErrorData {
        #[serde(default)]
        details: Option<String>,
    }
    Ok(Option::<ErrorData>::deserialize(d)?.and_then(|data| data.details))
}
