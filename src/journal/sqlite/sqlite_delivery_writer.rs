//! The writes of one callback in the SQLite journal, on its savepoint.
//!
//! - `deliveries`: one row per recipient with the furthest state reached;
//!   `delivered_at`, `read_at` and a failure's details are kept from the
//!   first report that carried them.
//! - `delivery_events`: every report processed, keyed by (message id, state).
//! - `inbound` and `opt_outs`: inbound messages seen (by their id) and the
//!   numbers that opted out by replying, per campaign.
//! - `unreadable`: callback entries that could not be read, once per key.

use super::connection::{now, phone_to_db};
use crate::journal::{Applied, DeliveryState, DeliveryWriter, OptOutRecord, Report, Unreadable};
use crate::phone::Phone;
use rusqlite::{Connection, OptionalExtension, params};

pub struct SqliteDeliveryWriter<'a> {
    conn: &'a Connection,
}

impl<'a> SqliteDeliveryWriter<'a> {
    pub fn new(conn: &'a Connection) -> SqliteDeliveryWriter<'a> {
        SqliteDeliveryWriter { conn }
    }
}

/// A recipient a report matched.
struct Matched {
    campaign: String,
    phone: i64,
    state: String,
    message_id: Option<String>,
}

impl DeliveryWriter for SqliteDeliveryWriter<'_> {
    /// Records a report: reconciles its recipient's send, moves its delivery
    /// forward, or keeps it as an orphan. A report seen before changes nothing.
    fn report(&self, report: &Report) -> anyhow::Result<Applied> {
        let matched = self.find(report)?;
        let (applied, reconcile) = Applied::of_match(
            matched
                .as_ref()
                .map(|m| (m.state.as_str(), m.message_id.is_some())),
        );
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
                matched.as_ref().map(|m| m.phone).or(report.recipient.map(phone_to_db)),
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
    /// The recipient a report is about: by message id, else by campaign and
    /// number when that recipient's send is uncertain.
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
        let rank = report.progress.rank();
        let failed = report.progress == DeliveryState::Failed;
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
                at(report.progress == DeliveryState::Delivered),
                at(report.progress == DeliveryState::Read),
                at(failed),
                if failed {
                    Some(report.details.as_deref().unwrap_or(&report.state))
                } else {
                    None
                },
                stamp,
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
    })
}
