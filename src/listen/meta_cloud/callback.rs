//! A Meta webhook body read into what the journal records. Each status is a
//! report matched by its wamid, or by its number and the campaign its
//! `biz_opaque_callback_data` tag names when the send was uncertain; Meta's
//! status words are mapped onto the journal's [`DeliveryState`]s. Each user
//! message carries the texts an opt-out keyword may be, and a failed status
//! saying the user stopped marketing messages (131050) is an opt-out of the
//! campaign the message belonged to. Entries that could not be read are kept
//! with their path, JSON excerpt and reason; the rest are recorded.

use super::delivery_report::{DeliveryReport, DeliveryStatus};
use super::inbound_message::InboundMessage;
use super::webhook::WebhookBatch;
use crate::journal::{DeliveryState, Report, Unreadable};
use crate::listen::callback::Inbound;
use crate::listen::{Callback, Refusal};
use crate::phone::Phone;
use crate::transport::meta_cloud::campaign_of_tag;
use crate::transport::meta_cloud::excerpt::neutralise;

/// The callback of one webhook body, for no one campaign: Meta sends every
/// campaign's events to one URL.
pub fn callback(batch: WebhookBatch) -> Callback {
    let mut unreadable: Vec<Unreadable> = batch
        .unreadable
        .iter()
        .map(|entry| Unreadable {
            campaign: None,
            reason: format!("{}: {}", entry.path, entry.reason),
            json: entry.excerpt.clone(),
        })
        .collect();
    let reports: Vec<Report> = batch.reports.iter().map(report).collect();
    let refusals = batch
        .reports
        .iter()
        .zip(&reports)
        .filter(|(status, _)| status.is_opt_out())
        .filter_map(|(status, report)| {
            Some(Refusal {
                campaign: report.campaign.clone(),
                phone: report.recipient?,
                message_id: status.wamid.clone(),
                reason: status.failure_reason()?,
            })
        })
        .collect();
    let inbound = batch
        .inbound
        .iter()
        .filter_map(|message| {
            let inbound = inbound(message);
            if inbound.is_none() {
                unreadable.push(Unreadable {
                    campaign: None,
                    reason: format!("message `{}`: `from` is not a number", message.id),
                    json: neutralise(&message.from),
                });
            }
            inbound
        })
        .collect();
    Callback {
        campaign: None,
        reports,
        inbound,
        refusals,
        unreadable,
        ignored: batch.ignored_changes as u64,
    }
}

fn report(status: &DeliveryReport) -> Report {
    Report {
        campaign: status
            .opaque
            .as_deref()
            .and_then(campaign_of_tag)
            .map(str::to_owned),
        message_id: status.wamid.clone(),
        recipient: status
            .recipient_id
            .as_deref()
            .and_then(|id| Phone::from_digits(id.trim())),
        state: status.status.as_str().to_owned(),
        progress: delivery_state(&status.status),
        details: status.failure_reason(),
        timestamp: status.time.clone(),
    }
}

/// Where a Meta status stands: `sent < failed < delivered < read`; `delivered`
/// may be skipped when delivery and reading coincide (M
/// `webhooks/reference/messages/status`), and other statuses are kept as
/// events that move nothing.
pub fn delivery_state(status: &DeliveryStatus) -> DeliveryState {
    match status {
        DeliveryStatus::Sent => DeliveryState::Sent,
        DeliveryStatus::Delivered => DeliveryState::Delivered,
        DeliveryStatus::Read => DeliveryState::Read,
        DeliveryStatus::Failed => DeliveryState::Failed,
        DeliveryStatus::Other(_) => DeliveryState::Unrecognised,
    }
}

fn inbound(message: &InboundMessage) -> Option<Inbound> {
    Some(Inbound {
        message_id: message.id.clone(),
        from: Phone::from_digits(message.from.trim())?,
        replies: message.keyword_texts.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_name_their_campaign_and_unreadable_entries_are_counted() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
            "metadata":{"phone_number_id":"106540352242922"},
            "statuses":[{"id":"wamid.A","status":"read","timestamp":"1750263773","recipient_id":"447700900123",
                         "biz_opaque_callback_data":"wacast:spring"},
                        {"status":"sent"}],
            "messages":[{"from":"447700900124","id":"wamid.B","type":"button","timestamp":"1750263900",
                         "button":{"payload":"stop","text":"Stop promotions"}}]}}]}]}"#;
        let callback = callback(WebhookBatch::parse(body).unwrap());
        assert_eq!(callback.reports.len(), 1);
        let report = &callback.reports[0];
        assert_eq!(report.campaign.as_deref(), Some("spring"));
        assert_eq!(report.progress, DeliveryState::Read);
        assert_eq!(report.timestamp.as_deref(), Some("2025-06-18T16:22:53Z"));
        assert_eq!(callback.unreadable.len(), 1);
        assert!(
            callback.unreadable[0]
                .reason
                .starts_with("entry[0].changes[0].value.statuses[1]: "),
            "{:?}",
            callback.unreadable
        );
        assert_eq!(callback.unreadable[0].json, r#"{"status":"sent"}"#);
        assert_eq!(callback.inbound[0].replies, ["stop", "Stop promotions"]);
    }
}
