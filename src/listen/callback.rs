//! A callback body read into what the journal records: the delivery reports of
//! `statuses[]` and, from `notifications[]`, each inbound message's id, sender
//! and the replies it carries (text, quick-reply payload and title). Sinch
//! v1's state words are mapped here onto the journal's [`DeliveryState`]s;
//! the word itself is kept as the report's state.
//!
//! Each entry is read on its own: one that cannot be read (a report without
//! `message_id`, `recipient` or `status`, an inbound message without its id or
//! sender) is kept with its JSON and the reason, and the rest are recorded, so
//! the callback is answered 2xx and Sinch does not retry the good entries for
//! a day and then drop them. A body that is not a JSON object, or whose
//! `statuses` or `notifications` is not an array, is not the envelope.

use super::CampaignTarget;
use crate::journal::{DeliveryState, Report, Unreadable};
use crate::phone::Phone;
use crate::transport::meta_cloud::excerpt::neutralise;
use crate::transport::sinch_v1::wire::RecipientStatus;
use serde::Deserialize as _;
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
    /// Entries that could not be read, kept with their JSON and the reason.
    pub unreadable: Vec<Unreadable>,
    /// Events deliberately not recorded (triggers wacast has no use for).
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
    /// A callback for `campaign` with nothing in it yet.
    pub fn empty(campaign: Option<CampaignTarget>) -> Callback {
        Callback {
            campaign,
            reports: Vec::new(),
            inbound: Vec::new(),
            refusals: Vec::new(),
            unreadable: Vec::new(),
            ignored: 0,
        }
    }

    /// Reads a callback body; an error is a body that is not the envelope.
    pub fn parse(body: &[u8], campaign: Option<CampaignTarget>) -> Result<Callback, String> {
        let envelope: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        if !envelope.is_object() {
            return Err("the body is not a JSON object".to_owned());
        }
        let name = campaign.as_ref().map(|c| c.name.clone());
        let mut callback = Callback::empty(campaign);
        for (index, entry) in entries(&envelope, "statuses")?.iter().enumerate() {
            match report(entry, name.clone()) {
                Ok(report) => callback.reports.push(report),
                Err(reason) => {
                    callback.keep_unreadable(&format!("statuses[{index}]"), &reason, entry)
                }
            }
        }
        for (index, entry) in entries(&envelope, "notifications")?.iter().enumerate() {
            match inbound(entry) {
                Ok(inbound) => callback.inbound.push(inbound),
                Err(reason) => {
                    callback.keep_unreadable(&format!("notifications[{index}]"), reason, entry)
                }
            }
        }
        Ok(callback)
    }

    /// Keeps the entry at `path` that could not be read, bounded and neutralised.
    pub fn keep_unreadable(&mut self, path: &str, reason: &str, entry: &Value) {
        self.unreadable.push(Unreadable {
            campaign: self.campaign.as_ref().map(|c| c.name.clone()),
            reason: neutralise(&format!("{path}: {reason}")),
            json: neutralise(&entry.to_string()),
        });
    }
}

/// The entries of the envelope's list `name`: none when absent, an error when
/// it is not an array.
fn entries<'a>(envelope: &'a Value, name: &str) -> Result<&'a [Value], String> {
    match envelope.get(name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(list)) => Ok(list),
        Some(_) => Err(format!("`{name}` is not an array")),
    }
}

fn report(entry: &Value, campaign: Option<String>) -> Result<Report, String> {
    let status = RecipientStatus::deserialize(entry).map_err(|e| e.to_string())?;
    let message_id = status
        .message_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or("no `message_id`")?;
    let mut state = status.state.clone().unwrap_or_else(|| "sent".to_owned());
    if status.is_failure() && delivery_state(&state) != DeliveryState::Failed {
        state = "failed".to_owned();
    }
    Ok(Report {
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

fn inbound(notification: &Value) -> Result<Inbound, &'static str> {
    let message_id = notification
        .get("message_id")
        .and_then(Value::as_str)
        .ok_or("no `message_id`")?
        .to_owned();
    let from = notification
        .get("from")
        .and_then(Value::as_str)
        .ok_or("no `from`")?;
    let from = Phone::from_digits(from.trim())
        .ok_or("`from` is not an international number (digits with the country code)")?;
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
        // Sinch v1's interactive reply-button press: `{type: interactive,
        // message: {type: button, id, title}}` (sinch/docs,
        // `docs/whatsapp/whatsapp-http-rest/whatsapp-callback.md`, 2021-06).
        &["message", "id"],
        &["message", "title"],
    ]
    .iter()
    .filter_map(|path| {
        path.iter()
            .try_fold(message?, |value, key| value.get(key))?
            .as_str()
            .map(str::to_owned)
    })
    .collect();
    Ok(Inbound {
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
        assert_eq!(
            callback.unreadable.len(),
            1,
            "a report without a message id"
        );
        assert_eq!(
            callback.unreadable[0].reason,
            "statuses[1]: no `message_id`"
        );
        assert_eq!(callback.inbound[0].replies, ["Stop", "stop"]);
        assert_eq!(callback.inbound[1].replies, [" stop "]);
    }
}
