//! A callback body read into what the journal records: the delivery reports of
//! `statuses[]` and, from `notifications[]`, each inbound message's id, sender
//! and the replies it carries (text, quick-reply payload and title). Sinch
//! v1's state words are mapped here onto the journal's [`DeliveryState`]s;
//! the word itself is kept as the report's state.

use super::CampaignTarget;
use crate::journal::{DeliveryState, Report};
use crate::phone::Phone;
use crate::transport::sinch_v1::wire::{CallbackEnvelope, RecipientStatus};
use serde_json::Value;

/// One callback, ready for the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callback {
    /// The campaign named in the URL, if any.
    pub campaign: Option<CampaignTarget>,
    pub reports: Vec<Report>,
    pub inbound: Vec<Inbound>,
    /// Numbers the provider itself says refuse this kind of message (Meta's
    /// 131050 in a failed status): opt-outs without a keyword.
    pub refusals: Vec<Refusal>,
    /// Entries without the fields needed to record them.
    pub ignored: u64,
}

/// An inbound message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inbound {
    pub message_id: String,
    pub from: Phone,
    /// The texts that may be an opt-out keyword.
    pub replies: Vec<String>,
}

/// A provider's word that a number refuses a campaign's messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The campaign the refused message belonged to, when the report says.
    pub campaign: Option<String>,
    pub phone: Phone,
    /// The refused message.
    pub message_id: String,
    /// The provider's reason, recorded as the opt-out's keyword.
    pub reason: String,
}

impl Callback {
    /// Reads a callback body; an error is a body that is not the envelope.
    pub fn parse(
        body: &[u8],
        campaign: Option<CampaignTarget>,
    ) -> Result<Callback, serde_json::Error> {
        let envelope: CallbackEnvelope = serde_json::from_slice(body)?;
        let name = campaign.as_ref().map(|c| c.name.clone());
        let mut ignored = 0;
        let reports = envelope
            .statuses
            .iter()
            .filter_map(|status| {
                let report = report(status, name.clone());
                ignored += u64::from(report.is_none());
                report
            })
            .collect();
        let inbound = envelope
            .notifications
            .iter()
            .filter_map(|notification| {
                let inbound = inbound(notification);
                ignored += u64::from(inbound.is_none());
                inbound
            })
            .collect();
        Ok(Callback {
            campaign,
            reports,
            inbound,
            refusals: Vec::new(),
            ignored,
        })
    }
}

fn report(status: &RecipientStatus, campaign: Option<String>) -> Option<Report> {
    let message_id = status.message_id.clone().filter(|id| !id.is_empty())?;
    let mut state = status.state.clone().unwrap_or_else(|| "sent".to_owned());
    if status.is_failure() && delivery_state(&state) != DeliveryState::Failed {
        state = "failed".to_owned();
    }
    Some(Report {
        campaign,
        message_id,
        recipient: Phone::from_digits(status.recipient.trim()),
        progress: delivery_state(&state),
        state,
        details: status.details.clone(),
        timestamp: status.timestamp.clone(),
    })
}

/// Where a Sinch v1 state stands: `queued < dispatched < sent <
/// failed|deleted|no_opt_in|no_capability < delivered < read`; a state Sinch
/// may add later is kept as an event but moves nothing.
pub fn delivery_state(state: &str) -> DeliveryState {
    match state {
        "queued" => DeliveryState::Accepted,
        "dispatched" => DeliveryState::Submitted,
        "sent" => DeliveryState::Sent,
        "failed" | "deleted" | "no_opt_in" | "no_capability" => DeliveryState::Failed,
        "delivered" => DeliveryState::Delivered,
        "read" => DeliveryState::Read,
        _ => DeliveryState::Unrecognised,
    }
}

fn inbound(notification: &Value) -> Option<Inbound> {
    let message_id = notification.get("message_id")?.as_str()?.to_owned();
    let from = Phone::from_digits(notification.get("from")?.as_str()?.trim())?;
    let message = notification.get("message");
    let replies = [
        &["body"][..],
        &["text"],
        &["text", "body"],
        &["payload"],
        &["button_reply", "id"],
        &["button_reply", "title"],
        &["interactive", "button_reply", "id"],
        &["interactive", "button_reply", "title"],
    ]
    .iter()
    .filter_map(|path| {
        path.iter()
            .try_fold(message?, |value, key| value.get(key))?
            .as_str()
            .map(str::to_owned)
    })
    .collect();
    Some(Inbound {
        message_id,
        from,
        replies,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_reports_and_the_replies_of_inbound_messages() {
        let body = br#"{"type":"whatsapp",
            "statuses":[{"status":"failure","state":"queued","message_id":"m1","recipient":"+447700900123","details":"x"},
                        {"status":"success","state":"read","recipient":"+447700900123"}],
            "notifications":[{"from":"447700900123","to":"b","message_id":"in1",
                              "message":{"type":"button","index":"0","text":"Stop","payload":"stop"}},
                             {"from":"447700900124","message_id":"in2","message":{"type":"text","body":" stop "}}]}"#;
        let callback = Callback::parse(body, None).unwrap();
        assert_eq!(callback.reports.len(), 1);
        assert_eq!(callback.reports[0].state, "failed");
        assert_eq!(callback.reports[0].progress, DeliveryState::Failed);
        assert_eq!(callback.ignored, 1, "a report without a message id");
        assert_eq!(callback.inbound[0].replies, ["Stop", "stop"]);
        assert_eq!(callback.inbound[1].replies, [" stop "]);
    }
}
