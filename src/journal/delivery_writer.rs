//! The writes one callback may make, inside its savepoint.
//!
//! Reconciliation: a report proves a message went out. A report whose
//! message id is a recipient's is that recipient's. A report with a message
//! id no recipient has may only settle a send that is uncertain: a recipient
//! of the campaign named with the report whose send is `unknown` or
//! `in_flight` (matched by number) becomes `sent` with the reported id. Every
//! other report with an unknown id (for a recipient still `pending`, already
//! `sent` with its own id, or `failed`; for a number of no recipient; without
//! a campaign) is kept as an orphan and changes no state: a provider retrying
//! an earlier journal's reports, or another tool on the same callback URL,
//! cannot mark anyone sent. Only a send settled as `unknown` counts as
//! reconciled; a report that merely beats apply's own record of the answer
//! (`in_flight`) is an ordinary report. Every report is kept once per
//! (message id, state), which makes the provider's at-least-once retries
//! idempotent.

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

    /// Whether the journal knows `campaign`: it has runs or recipients.
    fn knows_campaign(&self, campaign: &str) -> anyhow::Result<bool>;

    /// Keeps an entry that could not be read; false when it was kept before.
    fn unreadable(&self, entry: &Unreadable) -> anyhow::Result<bool>;

    /// The campaigns `phone` is a recipient of in this journal.
    fn campaigns_of(&self, phone: Phone) -> anyhow::Result<Vec<String>>;
}
