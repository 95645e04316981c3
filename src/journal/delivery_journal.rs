//! What happened after the API accepted a message: delivery reports and
//! opt-outs from Sinch callbacks, kept in the journal beside the send states.
//!
//! - `deliveries`: one row per recipient (campaign, number) with the furthest
//!   state reached. States only move forward (`queued < dispatched < sent <
//!   failed|deleted|no_opt_in|no_capability < delivered < read`), so duplicate
//!   and out-of-order reports change nothing; `delivered_at`, `read_at` and a
//!   failure's details are kept from the first report that carried them.
//! - `delivery_events`: every report processed, keyed by (message id, state),
//!   which is what makes Sinch's at-least-once retries idempotent. A report
//!   whose message id matches no recipient is kept as an orphan and
//!   acknowledged, so Sinch stops retrying it.
//! - `inbound` and `opt_outs`: inbound messages seen (by their id) and the
//!   numbers that opted out by replying, per campaign.
//!
//! Reconciliation: a report proves a message went out. A recipient still
//! `unknown`, `in_flight` or `pending`, or without a message id, becomes `sent`
//! with the reported message id (matched by campaign and number). Only a send
//! that was settled as uncertain (`unknown`, or `failed` without a message id)
//! counts as reconciled; a report that merely beats apply's own record of the
//! answer (`in_flight`) is an ordinary report.

use crate::journal::{Journal, now};
use crate::phone::Phone;
use rusqlite::{Connection, OptionalExtension, params};

/// The delivery tables, created with the journal's own.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS deliveries (
    campaign        TEXT NOT NULL,
    phone           INTEGER NOT NULL,
    message_id      TEXT NOT NULL,
    delivery_state  TEXT NOT NULL,
    rank            INTEGER NOT NULL,
    delivered_at    TEXT,
    read_at         TEXT,
    failed_at       TEXT,
    failure_details TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (campaign, phone)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS delivery_events (
    message_id  TEXT NOT NULL,
    state       TEXT NOT NULL,
    campaign    TEXT,
    phone       INTEGER,
    outcome     TEXT NOT NULL,
    details     TEXT,
    reported_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (message_id, state)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS delivery_events_outcome ON delivery_events (outcome, campaign);
CREATE TABLE IF NOT EXISTS inbound (
    message_id  TEXT PRIMARY KEY,
    phone       INTEGER,
    received_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS opt_outs (
    campaign   TEXT NOT NULL,
    phone      INTEGER NOT NULL,
    keyword    TEXT NOT NULL,
    message_id TEXT,
    file       TEXT,
    opted_at   TEXT NOT NULL,
    PRIMARY KEY (campaign, phone)
) WITHOUT ROWID;
";

/// The rank of failure states: past `sent`, short of `delivered`.
const FAILURE_RANK: i64 = 4;

/// How far a reported state is along the way to `read`; 0 for states Sinch
/// may add later, which are kept as events but move nothing.
pub fn rank(state: &str) -> i64 {
    match state {
        "queued" => 1,
        "dispatched" => 2,
        "sent" => 3,
        "failed" | "deleted" | "no_opt_in" | "no_capability" => FAILURE_RANK,
        "delivered" => 5,
        "read" => 6,
        _ => 0,
    }
}

/// One delivery report, as the listener read it from a callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The campaign named in the callback URL, if any.
    pub campaign: Option<String>,
    pub message_id: String,
    pub recipient: Option<Phone>,
    /// `queued`, `delivered`, `failed`, …; a failure status without a failure
    /// state is recorded as `failed`.
    pub state: String,
    pub details: Option<String>,
    /// When Sinch says it happened (RFC 3339); the receive time when absent.
    pub timestamp: Option<String>,
}

/// What recording a report did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Recorded against its recipient.
    Recorded,
    /// Recorded, and its recipient's `unknown` (or id-less `failed`) send became `sent`.
    Reconciled,
    /// Already processed: nothing changed.
    Duplicate,
    /// No recipient has this message id: kept as an orphan.
    Orphan,
}

impl Applied {
    fn as_str(self) -> &'static str {
        match self {
            Applied::Recorded => "recorded",
            Applied::Reconciled => "reconciled",
            Applied::Duplicate => "duplicate",
            Applied::Orphan => "orphan",
        }
    }
}

/// A number that opted out by replying.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptOutRecord {
    pub campaign: String,
    pub phone: Phone,
    pub keyword: String,
    /// The inbound message that carried it.
    pub message_id: Option<String>,
    /// The suppression list it is appended to.
    pub file: Option<String>,
}

/// A recipient's delivery, for the results report.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub message_id: String,
    pub delivery_state: String,
    pub delivered_at: Option<String>,
    pub read_at: Option<String>,
    pub failure_details: Option<String>,
}

/// Reports and opt-outs being written in one transaction. Each callback runs
/// in its own savepoint ([`DeliveryBatch::job`]), so one that fails leaves the
/// others to commit.
pub struct DeliveryBatch<'a> {
    tx: rusqlite::Transaction<'a>,
}

/// The writes one callback may make, inside its savepoint.
pub struct DeliveryWriter<'a> {
    conn: &'a Connection,
}

impl Journal {
    /// Starts a transaction for delivery reports and opt-outs.
    pub fn delivery_batch(&mut self) -> anyhow::Result<DeliveryBatch<'_>> {
        Ok(DeliveryBatch {
            tx: self.conn.transaction()?,
        })
    }

    /// Records one report in its own transaction.
    pub fn record_report(&mut self, report: &Report) -> anyhow::Result<Applied> {
        let mut batch = self.delivery_batch()?;
        let applied = batch.job(|writer| writer.report(report))?;
        batch.commit()?;
        Ok(applied)
    }

    /// The delivery of `phone` in this campaign, if any report arrived.
    pub fn delivery_of(&self, phone: Phone) -> anyhow::Result<Option<Delivery>> {
        let delivery = self
            .conn
            .prepare_cached(
                "SELECT message_id, delivery_state, delivered_at, read_at, failure_details
                 FROM deliveries WHERE campaign = ?1 AND phone = ?2",
            )?
            .query_row(params![self.campaign(), phone.as_u64() as i64], |row| {
                Ok(Delivery {
                    message_id: row.get(0)?,
                    delivery_state: row.get(1)?,
                    delivered_at: row.get(2)?,
                    read_at: row.get(3)?,
                    failure_details: row.get(4)?,
                })
            })
            .optional()?;
        Ok(delivery)
    }

    /// Whether `phone` opted out of this campaign.
    pub fn opted_out(&self, phone: Phone) -> anyhow::Result<bool> {
        let found: Option<i64> = self
            .conn
            .prepare_cached("SELECT 1 FROM opt_outs WHERE campaign = ?1 AND phone = ?2")?
            .query_row(params![self.campaign(), phone.as_u64() as i64], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(found.is_some())
    }
}

impl DeliveryBatch<'_> {
    /// Runs `write` in a savepoint: its writes are kept only if it succeeds.
    pub fn job<T>(
        &mut self,
        write: impl FnOnce(&DeliveryWriter<'_>) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let savepoint = self.tx.savepoint()?;
        let result = write(&DeliveryWriter { conn: &savepoint });
        if result.is_ok() {
            savepoint.commit()?;
        }
        result
    }

    pub fn commit(self) -> anyhow::Result<()> {
        self.tx.commit()?;
        Ok(())
    }
}

/// A recipient a report matched.
struct Matched {
    campaign: String,
    phone: i64,
    state: String,
    message_id: Option<String>,
}

impl DeliveryWriter<'_> {
    /// Records a report: reconciles its recipient's send, moves its delivery
    /// forward, or keeps it as an orphan. A report seen before changes nothing.
    pub fn report(&self, report: &Report) -> anyhow::Result<Applied> {
        let matched = self.find(report)?;
        let reconcile = matched.as_ref().is_some_and(|m| {
            m.message_id.is_none()
                || matches!(m.state.as_str(), "unknown" | "in_flight" | "pending")
        });
        let applied = match &matched {
            None => Applied::Orphan,
            Some(m) if reconcile && matches!(m.state.as_str(), "unknown" | "failed") => {
                Applied::Reconciled
            }
            Some(_) => Applied::Recorded,
        };
        let received = now();
        let reported = report.timestamp.clone().unwrap_or_else(|| received.clone());
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO delivery_events
                     (message_id, state, campaign, phone, outcome, details, reported_at, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                report.message_id,
                report.state,
                matched.as_ref().map(|m| m.campaign.as_str()).or(report.campaign.as_deref()),
                matched.as_ref().map(|m| m.phone).or(report.recipient.map(|p| p.as_u64() as i64)),
                applied.as_str(),
                report.details,
                reported,
                received,
            ])?;
        if inserted == 0 {
            return Ok(Applied::Duplicate);
        }
        let Some(matched) = matched else {
            return Ok(Applied::Orphan);
        };
        if reconcile {
            self.reconcile(&matched, &report.message_id, &received)?;
        }
        self.advance(&matched, report, &reported, &received)?;
        Ok(applied)
    }

    /// The recipient a report is about: by message id, else by campaign and number.
    fn find(&self, report: &Report) -> anyhow::Result<Option<Matched>> {
        let by_id = self
            .conn
            .prepare_cached(
                "SELECT campaign, phone, state, message_id FROM recipients
                 WHERE message_id = ?1 AND (?2 IS NULL OR campaign = ?2) LIMIT 1",
            )?
            .query_row(params![report.message_id, report.campaign], matched)
            .optional()?;
        if by_id.is_some() {
            return Ok(by_id);
        }
        let (Some(campaign), Some(phone)) = (&report.campaign, report.recipient) else {
            return Ok(None);
        };
        let by_number = self
            .conn
            .prepare_cached(
                "SELECT campaign, phone, state, message_id FROM recipients
                 WHERE campaign = ?1 AND phone = ?2 AND state <> 'skipped'",
            )?
            .query_row(params![campaign, phone.as_u64() as i64], matched)
            .optional()?;
        Ok(by_number)
    }

    /// The send was uncertain; the report makes it a fact.
    fn reconcile(&self, matched: &Matched, message_id: &str, stamp: &str) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE recipients SET state = 'sent', message_id = COALESCE(message_id, ?3),
                     error = NULL, updated_at = ?4, sent_digest = COALESCE(sent_digest, digest)
                 WHERE campaign = ?1 AND phone = ?2",
            )?
            .execute(params![matched.campaign, matched.phone, message_id, stamp])?;
        Ok(())
    }

    /// Moves the recipient's delivery forward, never back.
    fn advance(
        &self,
        matched: &Matched,
        report: &Report,
        reported: &str,
        stamp: &str,
    ) -> anyhow::Result<()> {
        let rank = rank(&report.state);
        let at = |wanted: bool| wanted.then_some(reported);
        self.conn
            .prepare_cached(
                "INSERT INTO deliveries (campaign, phone, message_id, delivery_state, rank,
                     delivered_at, read_at, failed_at, failure_details, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (campaign, phone) DO UPDATE SET
                     message_id = CASE WHEN excluded.rank > rank THEN excluded.message_id ELSE message_id END,
                     delivery_state = CASE WHEN excluded.rank > rank THEN excluded.delivery_state ELSE delivery_state END,
                     rank = MAX(rank, excluded.rank),
                     delivered_at = COALESCE(delivered_at, excluded.delivered_at),
                     read_at = COALESCE(read_at, excluded.read_at),
                     failed_at = COALESCE(failed_at, excluded.failed_at),
                     failure_details = COALESCE(failure_details, excluded.failure_details),
                     updated_at = excluded.updated_at",
            )?
            .execute(params![
                matched.campaign,
                matched.phone,
                report.message_id,
                report.state,
                rank,
                at(report.state == "delivered"),
                at(report.state == "read"),
                at(rank == FAILURE_RANK),
                if rank == FAILURE_RANK {
                    Some(report.details.as_deref().unwrap_or(&report.state))
                } else {
                    None
                },
                stamp,
            ])?;
        Ok(())
    }

    /// Marks the inbound message `message_id` seen; false when it was already.
    pub fn inbound(&self, message_id: &str, from: Option<Phone>) -> anyhow::Result<bool> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO inbound (message_id, phone, received_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![message_id, from.map(|p| p.as_u64() as i64), now()])?;
        Ok(inserted == 1)
    }

    /// Records an opt-out; false when the number had already opted out.
    pub fn opt_out(&self, record: &OptOutRecord) -> anyhow::Result<bool> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO opt_outs (campaign, phone, keyword, message_id, file, opted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                record.campaign,
                record.phone.as_u64() as i64,
                record.keyword,
                record.message_id,
                record.file,
                now()
            ])?;
        Ok(inserted == 1)
    }

    /// The campaigns `phone` is a recipient of in this journal.
    pub fn campaigns_of(&self, phone: Phone) -> anyhow::Result<Vec<String>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT DISTINCT campaign FROM recipients WHERE phone = ?1 ORDER BY campaign",
        )?;
        let rows = statement.query_map(params![phone.as_u64() as i64], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn matched(row: &rusqlite::Row<'_>) -> rusqlite::Result<Matched> {
    Ok(Matched {
        campaign: row.get(0)?,
        phone: row.get(1)?,
        state: row.get(2)?,
        message_id: row.get(3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Outcome, State};
    use crate::message::digest::MessageDigest;

    fn phone(n: u64) -> Phone {
        Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap()
    }

    /// A journal with recipients 1 (sent as `m1`) and 2 (`unknown`).
    fn journal(dir: &std::path::Path) -> Journal {
        let mut journal = Journal::open(dir, "c").unwrap();
        let run = journal.begin_run().unwrap();
        let mut stage = journal.stage(run).unwrap();
        for n in [1, 2] {
            stage
                .recipient(phone(n), n + 1, &MessageDigest::of_bytes(b"a"))
                .unwrap();
        }
        stage.commit().unwrap();
        journal.mark_in_flight(&[phone(1), phone(2)]).unwrap();
        let outcome = |n, state, id: Option<&str>| Outcome {
            phone: phone(n),
            state,
            message_id: id.map(str::to_owned),
            http_status: None,
            error: None,
        };
        journal
            .record(&[
                outcome(1, State::Sent, Some("m1")),
                outcome(2, State::Unknown, None),
            ])
            .unwrap();
        journal
    }

    fn report(id: &str, n: u64, state: &str) -> Report {
        Report {
            campaign: Some("c".into()),
            message_id: id.into(),
            recipient: Some(phone(n)),
            state: state.into(),
            details: (state == "failed").then(|| "expired".into()),
            timestamp: Some(format!("2026-11-21T10:00:0{}Z", rank(state))),
        }
    }

    #[test]
    fn states_only_move_forward_and_duplicates_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = journal(dir.path());
        let applied: Vec<Applied> = ["read", "delivered", "sent", "read", "failed"]
            .into_iter()
            .map(|state| journal.record_report(&report("m1", 1, state)).unwrap())
            .collect();
        use Applied::*;
        assert_eq!(applied, [Recorded, Recorded, Recorded, Duplicate, Recorded]);
        let delivery = journal.delivery_of(phone(1)).unwrap().unwrap();
        assert_eq!(delivery.delivery_state, "read");
        assert_eq!(delivery.read_at.as_deref(), Some("2026-11-21T10:00:06Z"));
        assert_eq!(
            delivery.delivered_at.as_deref(),
            Some("2026-11-21T10:00:05Z")
        );
        assert_eq!(delivery.failure_details.as_deref(), Some("expired"));
    }

    #[test]
    fn a_report_reconciles_an_unknown_send_and_unmatched_ones_are_orphans() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = journal(dir.path());
        let applied = journal.record_report(&report("m2", 2, "queued")).unwrap();
        assert_eq!(applied, Applied::Reconciled);
        assert_eq!(journal.counts().unwrap().sent, 2);
        assert_eq!(journal.counts().unwrap().unknown, 0);
        let next = journal
            .record_report(&report("m2", 2, "delivered"))
            .unwrap();
        assert_eq!(next, Applied::Recorded, "now matched by message id");
        let mut orphan = report("zz", 9, "sent");
        orphan.campaign = None;
        assert_eq!(journal.record_report(&orphan).unwrap(), Applied::Orphan);
        assert_eq!(journal.record_report(&orphan).unwrap(), Applied::Duplicate);
        assert_eq!(journal.delivery_of(phone(9)).unwrap(), None);
    }

    #[test]
    fn opt_outs_and_inbound_messages_are_recorded_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = journal(dir.path());
        let record = OptOutRecord {
            campaign: "c".into(),
            phone: phone(1),
            keyword: "STOP".into(),
            message_id: Some("in1".into()),
            file: None,
        };
        let mut batch = journal.delivery_batch().unwrap();
        let first = batch
            .job(|w| Ok((w.inbound("in1", Some(phone(1)))?, w.opt_out(&record)?)))
            .unwrap();
        let again = batch
            .job(|w| Ok((w.inbound("in1", Some(phone(1)))?, w.opt_out(&record)?)))
            .unwrap();
        let failed: anyhow::Result<()> = batch.job(|w| {
            w.inbound("in2", None)?;
            anyhow::bail!("the file cannot be written")
        });
        batch.commit().unwrap();
        assert_eq!((first, again), ((true, true), (false, false)));
        assert!(failed.is_err());
        assert!(journal.opted_out(phone(1)).unwrap());
        let mut batch = journal.delivery_batch().unwrap();
        let retried = batch.job(|w| w.inbound("in2", None)).unwrap();
        assert!(retried, "a failed job leaves nothing behind");
    }
}
