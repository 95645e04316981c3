//! Conversation API callbacks read into what the journal records, exactly as
//! v1's are: a `MESSAGE_DELIVERY` event becomes a report (its status mapped
//! onto the journal's [`DeliveryState`]s, its reason and WhatsApp's own error
//! code kept as the report's details), a `MESSAGE_INBOUND` event becomes an
//! inbound message whose texts and button payloads may carry an opt-out
//! keyword, and other triggers are counted as ignored. Signatures are
//! checked against every configured webhook secret ([`verify`]).

use super::callback::Inbound;
use super::{Callback, CampaignTarget, HmacKey};
use crate::journal::{DeliveryState, Report};
use crate::phone::Phone;
use crate::transport::sinch_conversation::callback::Callback as Event;
use crate::transport::sinch_conversation::callback_signature::{self, SignatureError};
use crate::transport::sinch_conversation::delivery_report::{DeliveryReport, DeliveryStatus};
use crate::transport::sinch_conversation::inbound_message::InboundMessage;
use axum::http::HeaderMap;

/// Whether a body is a Conversation API callback rather than a v1 one: each
/// carries `app_id` and one event field; v1's carry `statuses` or
/// `notifications`.
pub fn looks_like(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        app_id: Option<serde_json::Value>,
        statuses: Option<serde_json::Value>,
        notifications: Option<serde_json::Value>,
    }
    serde_json::from_slice::<Probe>(body)
        .is_ok_and(|p| p.app_id.is_some() && p.statuses.is_none() && p.notifications.is_none())
}

/// Checks `x-sinch-webhook-signature` under any of `secrets`: Sinch signs a
/// message's reports with the webhook's `secret`, or with the app's
/// `secret_for_overridden_callback_urls` when the message named its own
/// `callback_url` (J `SendMessageRequest` javadoc).
pub fn verify(secrets: &[HmacKey], headers: &HeaderMap, body: &[u8]) -> Result<(), SignatureError> {
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)))
        .collect();
    let secrets: Vec<&[u8]> = secrets.iter().map(|k| k.0.as_slice()).collect();
    callback_signature::verify(&secrets, body, &pairs).map(drop)
}

/// Reads a callback body; an error is a body that is not an event.
pub fn parse(body: &[u8], campaign: Option<CampaignTarget>) -> Result<Callback, String> {
    let name = campaign.as_ref().map(|c| c.name.clone());
    let mut callback = Callback::empty(campaign);
    match Event::parse(body) {
        Event::Delivery(report) => match self::report(report, name) {
            Some(report) => callback.reports.push(report),
            None => callback.ignored += 1,
        },
        Event::Inbound(message) => match inbound(message) {
            Some(inbound) => callback.inbound.push(inbound),
            None => keep_unreadable(&mut callback, body),
        },
        Event::Ignored { .. } => callback.ignored += 1,
        Event::Unreadable { reason, excerpt } => return Err(format!("{reason}: {excerpt}")),
    }
    Ok(callback)
}

/// Keeps an inbound event without a sender's number as unreadable: the event
/// is the whole body.
fn keep_unreadable(callback: &mut Callback, body: &[u8]) {
    let entry = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    callback.keep_unreadable(
        "message",
        "no contact identity to read a number from",
        &entry,
    );
}

fn report(report: DeliveryReport, campaign: Option<String>) -> Option<Report> {
    Some(Report {
        campaign: campaign.or(report.campaign),
        recipient: report.identity.as_deref().and_then(phone),
        progress: delivery_state(&report.status),
        state: report.status.as_str().to_owned(),
        details: report.reason.as_ref().map(|r| r.text()),
        timestamp: report.event_time.or(report.accepted_time),
        message_id: report.message_id,
    })
}

/// Where a Conversation status stands: `QUEUED_ON_CHANNEL` (handed to
/// WhatsApp) < `FAILED` < `DELIVERED` < `READ` (J `DeliveryStatus.java`);
/// `SWITCHING_CHANNEL` and statuses Sinch may add later are kept as events
/// but move nothing.
pub fn delivery_state(status: &DeliveryStatus) -> DeliveryState {
    match status {
        DeliveryStatus::QueuedOnChannel => DeliveryState::Submitted,
        DeliveryStatus::Delivered => DeliveryState::Delivered,
        DeliveryStatus::Read => DeliveryState::Read,
        DeliveryStatus::Failed => DeliveryState::Failed,
        DeliveryStatus::SwitchingChannel | DeliveryStatus::Other(_) => DeliveryState::Unrecognised,
    }
}

fn inbound(message: InboundMessage) -> Option<Inbound> {
    Some(Inbound {
        from: phone(message.identity.as_deref()?)?,
        replies: message.texts.into_iter().map(|t| t.text).collect(),
        message_id: message.message_id,
    })
}

/// An identity as digits, with or without `+` (SD shows both).
fn phone(identity: &str) -> Option<Phone> {
    Phone::from_digits(identity.trim().trim_start_matches('+'))
}
