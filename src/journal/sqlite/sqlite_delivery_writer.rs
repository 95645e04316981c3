//! The writes of one callback in the SQLite journal, on its savepoint.
//!
//! - the recipient's row: its delivery, the furthest state reached;
//!   `delivered_at`, `read_at` and a failure's details are kept from the
//!   first report that carried them.
//! - `recipients.reported`: the delivery states reported for the recipient's
//!   message id, a bit each, which tell a matched report's duplicates.
//! - `delivery_events`: the reports the recipient's record cannot answer
//!   for (orphans, reconciliations, states no reader knows), keyed by
//!   (message id, state); a report kept there is a duplicate when it comes
//!   again.
//! - `inbound` and `opt_outs`: inbound messages seen (by their id) and the
//!   numbers that opted out by replying, per campaign.
//! - `unreadable`: callback entries that could not be read, once per key.

use super::connection::{now, phone_to_db};
use crate::journal::{
    Applied, DeliveryState, DeliveryWriter, Matched, OptOutRecord, Report, Unreadable,
};
use crate::phone::Phone;
use rusqlite::{Connection, OptionalExtension, params};

/// The recipient a message id names (in campaign `?2`, if given); the
/// message-id index leaves out only rows without an id, so it serves this.
pub(super) const BY_MESSAGE_ID: &str = "SELECT campaign, phone, state, message_id, reported
     FROM recipients WHERE message_id = ?1 AND (?2 IS NULL OR campaign = ?2) LIMIT 1";

pub struct SqliteDeliveryWriter<'a> {
    conn: &'a Connection,
}

impl<'a> SqliteDeliveryWriter<'a> {
    pub fn new(conn: &'a Connection) -> SqliteDeliveryWriter<'a> {
        SqliteDeliveryWriter { conn }
    }
}

impl DeliveryWriter for SqliteDeliveryWriter<'_> {
    /// Records a report: reconciles its recipient's send, moves its delivery
    /// forward, or keeps it as an orphan. A report seen before changes nothing.
    fn report(&self, report: &Report) -> anyhow::Result<Applied> {
        if self.kept(report)? {
            return Ok(Applied::Duplicate);
        }
        let received = now();
        let reported = report.timestamp.clone().unwrap_or_else(|| received.clone());
        let Some(matched) = self.find(report)? else {
            self.keep(report, None, Applied::Orphan, &reported, &received)?;
            return Ok(Applied::Orphan);
        };
        let Some(recording) = matched.recording(report) else {
            return Ok(Applied::Duplicate);
        };
        if recording.keep_event {
            let applied = recording.applied;
            self.keep(report, Some(&matched), applied, &reported, &received)?;
        }
        if recording.reconcile {
            self.reconcile(&matched, &report.message_id, &received)?;
        }
        self.advance(&matched, report, &reported)?;
        Ok(recording.applied)
    }

    /// Marks the inbound message `message_id` seen; false when it was already.
    fn inbound(&self, message_id: &str, from: Option<Phone>) -> anyhow::Result<bool> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO inbound (message_id, phone, received_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![message_id, from.map(phone_to_db), now()])?;
        Ok(inserted == 1)
    }

    /// Records an opt-out; false when the number had already opted out.
    fn opt_out(&self, record: &OptOutRecord) -> anyhow::Result<bool> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO opt_outs (campaign, phone, keyword, message_id, file, opted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                record.campaign,
                phone_to_db(record.phone),
                record.keyword,
                record.message_id,
                record.file,
                now()
            ])?;
        Ok(inserted == 1)
    }

    fn knows_campaign(&self, campaign: &str) -> anyhow::Result<bool> {
        let known = self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM recipients WHERE campaign = ?1)
                     OR EXISTS (SELECT 1 FROM runs WHERE campaign = ?1)",
            )?
            .query_row(params![campaign], |row| row.get(0))?;
        Ok(known)
    }

    /// Keeps an entry that could not be read; false when it was kept before.
    fn unreadable(&self, entry: &Unreadable) -> anyhow::Result<bool> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO unreadable (key, campaign, reason, json, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                entry.key(),
                entry.campaign,
                entry.reason,
                entry.json,
                now()
            ])?;
        Ok(inserted == 1)
    }

    /// The campaigns `phone` is a recipient of in this journal.
    fn campaigns_of(&self, phone: Phone) -> anyhow::Result<Vec<String>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT DISTINCT campaign FROM recipients WHERE phone = ?1 ORDER BY campaign",
        )?;
        let rows = statement.query_map(params![phone_to_db(phone)], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl SqliteDeliveryWriter<'_> {
    /// Whether `report` was kept as an event before: an orphan, a
    /// reconciliation, a state no reader knows, or any report recorded by
    /// a wacast that kept them all.
    fn kept(&self, report: &Report) -> anyhow::Result<bool> {
        let kept = self
            .conn
            .prepare_cached("SELECT 1 FROM delivery_events WHERE message_id = ?1 AND state = ?2")?
            .query_row(params![report.message_id, report.state], |_| Ok(()))
            .optional()?;
        Ok(kept.is_some())
    }

    /// Keeps `report` as an event: what `status` counts, or what the
    /// recipient's record cannot tell a duplicate of.
    fn keep(
        &self,
        report: &Report,
        matched: Option<&Matched>,
        applied: Applied,
        reported: &str,
        received: &str,
    ) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO delivery_events
                     (message_id, state, campaign, phone, outcome, details, reported_at, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                report.message_id,
                report.state,
                matched.map(|m| m.campaign.as_str()).or(report.campaign.as_deref()),
                matched.map(|m| m.phone).or(report.recipient.map(phone_to_db)),
                applied.as_str(),
                report.details,
                reported,
                received,
            ])?;
        Ok(())
    }

    /// The recipient a report is about: by message id, else by campaign and
    /// number when that recipient's send is uncertain.
    fn find(&self, report: &Report) -> anyhow::Result<Option<Matched>> {
        let by_id = self
            .conn
            .prepare_cached(BY_MESSAGE_ID)?
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
                "SELECT campaign, phone, state, message_id, reported FROM recipients
                 WHERE campaign = ?1 AND phone = ?2 AND state IN ('unknown', 'in_flight')",
            )?
            .query_row(params![campaign, phone_to_db(phone)], matched)
            .optional()?;
        Ok(by_number)
    }

    /// The send was uncertain; the report makes it a fact.
    fn reconcile(&self, matched: &Matched, message_id: &str, stamp: &str) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE recipients SET state = 'sent', message_id = COALESCE(message_id, ?3),
                     error = NULL, updated_at = ?4, sent_digest = COALESCE(sent_digest, X'')
                 WHERE campaign = ?1 AND phone = ?2",
            )?
            .execute(params![matched.campaign, matched.phone, message_id, stamp])?;
        Ok(())
    }

    /// Moves the recipient's delivery forward, never back, and marks the
    /// report's state as reported for its message.
    fn advance(&self, matched: &Matched, report: &Report, reported: &str) -> anyhow::Result<()> {
        let failed = report.progress == DeliveryState::Failed;
        self.conn
            .prepare_cached(concat!(
                "UPDATE recipients SET
                     delivery_message_id = CASE WHEN ?5 > COALESCE(rank, -1)
                         THEN NULLIF(?3, message_id) ELSE delivery_message_id END,
                     delivery_state = CASE WHEN ?5 > COALESCE(rank, -1) THEN ?4 ELSE delivery_state END,
                     rank = MAX(COALESCE(rank, -1), ?5),
                     delivered_at = COALESCE(delivered_at, CASE WHEN ?7 THEN ",
                moment!("?6"),
                " END),
                     read_at = COALESCE(read_at, CASE WHEN ?8 THEN ",
                moment!("?6"),
                " END),
                     failed_at = COALESCE(failed_at, CASE WHEN ?9 THEN ",
                moment!("?6"),
                " END),
                     failure_details = COALESCE(failure_details, ?10),
                     reported = reported | CASE WHEN message_id IS ?3 THEN ?11 ELSE 0 END
                 WHERE campaign = ?1 AND phone = ?2"
            ))?
            .execute(params![
                matched.campaign,
                matched.phone,
                report.message_id,
                report.state,
                report.progress.rank(),
                reported,
                report.progress == DeliveryState::Delivered,
                report.progress == DeliveryState::Read,
                failed,
                if failed {
                    Some(report.details.as_deref().unwrap_or(&report.state))
                } else {
                    None
                },
                report.progress.reported_bit(),
            ])?;
        Ok(())
    }
}

fn matched(row: &rusqlite::Row<'_>) -> rusqlite::Result<Matched> {
    Ok(Matched {
        campaign: row.get(0)?,
        phone: row.get(1)?,
        state: row.get(2)?,
        message_id: row.get(3)?,
        reported: row.get(4)?,
    })
}
