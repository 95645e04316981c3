//! The writes one callback may make, inside its savepoint.
//!
//! Reconciliation: a report proves a message went out. A recipient still
//! `unknown`, `in_flight` or `pending`, or without a message id, becomes
//! `sent` with the reported message id (matched by campaign and number). Only
//! a send that was settled as uncertain (`unknown`, or `failed` without a
//! message id) counts as reconciled; a report that merely beats apply's own
//! record of the answer (`in_flight`) is an ordinary report. Every report is
//! kept once per (message id, state), which makes the provider's at-least-once
//! retries idempotent; a report that matches no recipient is kept as an orphan.

use super::{Applied, OptOutRecord, Report, Unreadable};
use crate::phone::Phone;

pub trait DeliveryWriter {
    /// Records a report: reconciles its recipient's send, moves its delivery
    /// forward (never back), or keeps it as an orphan. A report seen before
    /// changes nothing.
    fn report(&self, report: &Report) -> anyhow::Result<Applied>;

    /// Marks the inbound message `message_id` seen; false when it was already.
    fn inbound(&self, message_id: &str, from: Option<Phone>) -> anyhow::Result<bool>;

    /// Records an opt-out; false when the number had already opted out.
    fn opt_out(&self, record: &OptOutRecord) -> anyhow::Result<bool>;

    /// Keeps an entry that could not be read; false when it was kept before.
    fn unreadable(&self, entry: &Unreadable) -> anyhow::Result<bool>;

    /// The campaigns `phone` is a recipient of in this journal.
    fn campaigns_of(&self, phone: Phone) -> anyhow::Result<Vec<String>>;
}
