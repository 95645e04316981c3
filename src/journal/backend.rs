//! The journal's contract: every state operation wacast needs, whatever holds
//! the state (a SQLite file today, a shared database next). A backend is one
//! campaign's view of one journal through one writing connection; it is
//! `Send` so the group-commit writer can own it on its own thread, and the
//! calls are synchronous because that thread does nothing else.
//!
//! apply commits a recipient's intent (`in_flight`) before its request is
//! sent and the outcome after, so after any crash every recipient is in
//! exactly one known state: a request that may have gone out is never sent
//! again without a human deciding.

use super::{
    Applied, ApplyLock, CampaignHistory, Change, Delivery, DeliveryBatch, DeliverySummary,
    KnownRecipients, Outcome, Pending, Report, ReportRow, Requeue, SkippedRow, Stage, StateCounts,
};
use crate::phone::Phone;

pub trait Backend: Pending {
    /// The campaign this backend reads and writes.
    fn campaign(&self) -> &str;

    /// Takes the campaign's apply lock, or says who holds it (with its pid).
    /// The lock is held until the returned guard is dropped or the process
    /// ends, however it ends.
    fn lock(&mut self) -> anyhow::Result<ApplyLock>;

    /// Moves every record of campaign `from` to this campaign, which was
    /// renamed from it (see [`super::carried_over`]); false when there was
    /// nothing to move.
    fn carry_over(&mut self, from: &str) -> anyhow::Result<bool>;

    /// Records the start of a run and returns its id.
    fn begin_run(&mut self) -> anyhow::Result<i64>;

    /// Records how run `run` ended.
    fn finish_run(&mut self, run: i64, outcome: &str) -> anyhow::Result<()>;

    /// A run that stopped without a trace (a crash, `kill -9`) left requests
    /// that may have been sent: they become `unknown`. Returns how many.
    fn recover_in_flight(&mut self) -> anyhow::Result<u64>;

    /// Starts staging a plan as run `run` (see [`Stage`]), putting back to
    /// pending the settled recipients `requeue` names.
    fn stage(&mut self, run: i64, requeue: Requeue) -> anyhow::Result<Box<dyn Stage + '_>>;

    /// Replaces the campaign's skipped rows with `rows`, planned as `run`, in
    /// one transaction.
    fn replace_skipped(&mut self, run: i64, rows: &[SkippedRow]) -> anyhow::Result<()>;

    /// A second, read-only connection for pending pages, so reading a page
    /// never waits on a commit.
    fn reader(&self) -> anyhow::Result<Box<dyn Pending>>;

    /// Commits several changes in one transaction: all of them or none. A
    /// recipient a delivery report already showed as sent stays sent when its
    /// answer was lost (`unknown`): the report is the better evidence.
    fn write(&mut self, changes: &[Change]) -> anyhow::Result<()>;

    /// Starts a transaction for delivery reports and opt-outs, each callback
    /// in its own savepoint.
    fn delivery_batch(&mut self) -> anyhow::Result<Box<dyn DeliveryBatch + '_>>;

    /// Every recipient of the campaign, with their state and the message
    /// each was sent: read in one pass.
    fn known(&self) -> anyhow::Result<KnownRecipients>;

    /// How many of the campaign's recipients are in each state.
    fn counts(&self) -> anyhow::Result<StateCounts>;

    /// Every recipient and skipped row of the campaign, each with its
    /// number's delivery, in no particular order (the results report orders
    /// them by line), read from one snapshot.
    fn report_rows(
        &self,
        visit: &mut dyn FnMut(ReportRow) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;

    /// The delivery of `phone` in this campaign, if any report arrived.
    fn delivery_of(&self, phone: Phone) -> anyhow::Result<Option<Delivery>>;

    /// Whether `phone` opted out of this campaign.
    fn opted_out(&self, phone: Phone) -> anyhow::Result<bool>;

    /// What the journal remembers of the campaign having run.
    fn history(&self) -> anyhow::Result<CampaignHistory>;

    /// Every number that opted out of any campaign in this journal: none of
    /// them is staged or requeued again.
    fn opted_out_numbers(&self) -> anyhow::Result<Vec<Phone>>;

    /// Where the campaign stands, for `status`.
    fn delivery_summary(&self) -> anyhow::Result<DeliverySummary>;

    /// Records the sender this campaign sends as (its provider and account
    /// id, e.g. `meta-cloud:106540352242922`), which the messaging limit is
    /// counted by.
    fn record_sender(&mut self, sender: &str) -> anyhow::Result<()>;

    /// The numbers `sender` reached since `since` (RFC 3339), across every
    /// campaign in this state: see [`super::Reached`].
    fn reached(&self, sender: &str, since: &str) -> anyhow::Result<Vec<String>>;

    /// This connection writes what can wait (callbacks: a provider waits
    /// seconds for an answer), so when another writer of the same journal
    /// (an apply sending) waits for the write lock too, that one goes
    /// first. A backend whose writers do not queue for one lock ignores it.
    fn yield_to_senders(&mut self) -> anyhow::Result<()> {
        Ok(())
    }

    /// Commits intent: these recipients' request is about to be sent.
    fn mark_in_flight(&mut self, phones: &[Phone]) -> anyhow::Result<()> {
        self.write(&[Change::InFlight(phones.to_vec())])
    }

    /// Commits what happened to each recipient of a request.
    fn record(&mut self, outcomes: &[Outcome]) -> anyhow::Result<()> {
        self.write(&[Change::Outcomes(outcomes.to_vec())])
    }

    /// Records one delivery report in its own transaction.
    fn record_report(&mut self, report: &Report) -> anyhow::Result<Applied> {
        let mut batch = self.delivery_batch()?;
        let applied = batch.job(|writer| writer.report(report))?;
        batch.commit()?;
        Ok(applied)
    }
}
