//! The SQLite backend: one database per state folder, keyed by (campaign,
//! number), written through one connection and read beside it through
//! read-only ones.

use super::connection::{self, begin_write, now, patiently, phone_from_db, phone_to_db};
use super::file_lock::FileLock;
use super::pending_pages::{self, SqlitePending};
use super::sqlite_delivery_batch::SqliteDeliveryBatch;
use super::sqlite_stage::SqliteStage;
use super::summary;
use crate::journal::carried_over;
use crate::journal::{
    ApplyLock, Backend, CampaignHistory, Change, Delivery, DeliveryBatch, DeliverySummary,
    Durability, KnownRecipients, Pending, PendingRow, ReportRow, Requeue, SkippedRow, Stage, State,
    StateCounts,
};
use crate::phone::Phone;
use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

pub struct SqliteJournal {
    conn: Connection,
    path: PathBuf,
    campaign: String,
}

impl SqliteJournal {
    /// Opens (creating if needed) the journal in `state_dir` for `campaign`.
    pub fn open(
        state_dir: &Path,
        campaign: &str,
        durability: Durability,
    ) -> anyhow::Result<SqliteJournal> {
        let (conn, path) = connection::open_writer(state_dir, durability)?;
        Ok(SqliteJournal {
            conn,
            path,
            campaign: campaign.to_owned(),
        })
    }
}

impl Pending for SqliteJournal {
    fn pending(&self, run: i64, after_line: u64, limit: usize) -> anyhow::Result<Vec<PendingRow>> {
        pending_pages::pending(&self.conn, &self.campaign, run, after_line, limit)
    }
}

/// The digest a recipient was sent, in full: `sent_digest` is empty when it
/// is the recipient's `digest`, which only a pending recipient's can change
/// (so staging writes it out in full when it puts one back to pending).
pub const SENT_DIGEST: &str = "CASE WHEN sent_digest = X'' THEN digest ELSE sent_digest END";

impl Backend for SqliteJournal {
    fn yield_to_senders(&mut self) -> anyhow::Result<()> {
        connection::wait_patiently_for_lock(&mut self.conn)
    }

    fn campaign(&self) -> &str {
        &self.campaign
    }

    fn record_sender(&mut self, sender: &str) -> anyhow::Result<()> {
        super::reached::record_sender(&self.conn, &self.campaign, sender)
    }

    fn reached(&self, sender: &str, since: &str) -> anyhow::Result<Vec<String>> {
        super::reached::reached(&self.conn, sender, since)
    }

    fn lock(&mut self) -> anyhow::Result<ApplyLock> {
        let folder = self.path.parent().unwrap_or(Path::new("."));
        Ok(ApplyLock::new(FileLock::acquire(folder, &self.campaign)?))
    }

    fn carry_over(&mut self, from: &str) -> anyhow::Result<bool> {
        let old = summary::history(&self.conn, from)?;
        let new = summary::history(&self.conn, &self.campaign)?;
        if !carried_over::needed(from, &self.campaign, old, new)? {
            return Ok(false);
        }
        let tx = self.conn.transaction()?;
        for table in carried_over::campaign_tables() {
            tx.execute(
                &format!("UPDATE {table} SET campaign = ?2 WHERE campaign = ?1"),
                params![from, self.campaign],
            )?;
        }
        tx.commit()
            .with_context(|| format!("cannot carry `{from}` over to `{}`", self.campaign))?;
        Ok(true)
    }

    fn begin_run(&mut self) -> anyhow::Result<i64> {
        patiently(|| {
            self.conn.execute(
                "INSERT INTO runs (campaign, pid, started_at) VALUES (?1, ?2, ?3)",
                params![self.campaign, std::process::id(), now()],
            )
        })?;
        Ok(self.conn.last_insert_rowid())
    }

    fn finish_run(&mut self, run: i64, outcome: &str) -> anyhow::Result<()> {
        patiently(|| {
            self.conn.execute(
                "UPDATE runs SET finished_at = ?1, outcome = ?2 WHERE id = ?3",
                params![now(), outcome, run],
            )
        })?;
        super::journal_upkeep::drop_sent_bodies(&self.conn)
    }

    fn recover_in_flight(&mut self) -> anyhow::Result<u64> {
        let changed = patiently(|| {
            self.conn.execute(
                "UPDATE recipients SET state = 'unknown', updated_at = ?2,
                     error = COALESCE(error, 'the run sending it stopped before its answer was recorded')
                 WHERE campaign = ?1 AND state = 'in_flight'",
                params![self.campaign, now()],
            )
        })?;
        Ok(changed as u64)
    }

    fn stage(&mut self, run: i64, requeue: Requeue) -> anyhow::Result<Box<dyn Stage + '_>> {
        Ok(Box::new(SqliteStage::new(
            &self.conn,
            &self.campaign,
            run,
            requeue,
        )))
    }

    fn replace_skipped(&mut self, run: i64, rows: &[SkippedRow]) -> anyhow::Result<()> {
        super::sqlite_stage::replace_skipped(&self.conn, &self.campaign, run, rows)
    }

    fn reader(&self) -> anyhow::Result<Box<dyn Pending>> {
        Ok(Box::new(SqlitePending::open(&self.path, &self.campaign)?))
    }

    fn write(&mut self, changes: &[Change]) -> anyhow::Result<()> {
        let tx = begin_write(&self.conn)?;
        {
            let mut in_flight = tx.prepare_cached(
                "UPDATE recipients SET state = 'in_flight', attempts = attempts + 1, updated_at = ?3
                 WHERE campaign = ?1 AND phone = ?2",
            )?;
            let mut outcome = tx.prepare_cached(
                "UPDATE recipients SET
                     state = CASE WHEN state = 'sent' AND ?3 = 'unknown' THEN state ELSE ?3 END,
                     message_id = COALESCE(?4, message_id), http_status = ?5,
                     reported = CASE WHEN ?4 IS NOT message_id AND ?4 IS NOT NULL THEN 0 ELSE reported END,
                     delivery_message_id = CASE WHEN ?4 IS NOT message_id AND ?4 IS NOT NULL
                         AND rank IS NOT NULL THEN COALESCE(delivery_message_id, message_id)
                         ELSE delivery_message_id END,
                     error = ?6, updated_at = ?7,
                     sent_digest = CASE WHEN ?3 = 'sent' THEN X'' ELSE sent_digest END
                 WHERE campaign = ?1 AND phone = ?2",
            )?;
            let stamp = now();
            for change in changes {
                match change {
                    Change::InFlight(phones) => {
                        for phone in phones {
                            in_flight.execute(params![
                                self.campaign,
                                phone_to_db(*phone),
                                stamp
                            ])?;
                        }
                    }
                    Change::Outcomes(outcomes) => {
                        for o in outcomes {
                            outcome.execute(params![
                                self.campaign,
                                phone_to_db(o.phone),
                                o.state.as_str(),
                                o.message_id,
                                o.http_status,
                                o.error,
                                stamp
                            ])?;
                        }
                    }
                }
            }
        }
        tx.commit().context("cannot commit to the journal")?;
        Ok(())
    }

    fn delivery_batch(&mut self) -> anyhow::Result<Box<dyn DeliveryBatch + '_>> {
        Ok(Box::new(SqliteDeliveryBatch::begin(&self.conn)?))
    }

    fn known(&self) -> anyhow::Result<KnownRecipients> {
        super::known::known(&self.conn, &self.campaign).context("cannot read the journal")
    }

    fn counts(&self) -> anyhow::Result<StateCounts> {
        summary::counts(&self.conn, &self.campaign)
    }

    fn report_rows(
        &self,
        visit: &mut dyn FnMut(ReportRow) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        // One snapshot for both: a listener recording meanwhile is seen in
        // neither or in both.
        let snapshot = self.conn.unchecked_transaction()?;
        // A recipient's delivery lives in its own row: read in the table's
        // order, without a join or a sort (the report orders by line).
        let mut recipients = snapshot.prepare(concat!(
            "SELECT line, phone, state, message_id, attempts, http_status, error,
                    CASE WHEN rank IS NOT NULL THEN COALESCE(delivery_message_id, message_id) END,
                    delivery_state, ",
            moment_text!("delivered_at"),
            ", ",
            moment_text!("read_at"),
            ", failure_details
             FROM recipients WHERE campaign = ?1"
        ))?;
        let mut rows = recipients.query(params![self.campaign])?;
        while let Some(row) = rows.next()? {
            visit(report_row(row)?)?;
        }
        let mut skipped = snapshot.prepare(
            "SELECT s.line, s.phone, 'skipped', NULL, 0, NULL, s.reason,
                    d.message_id, d.delivery_state, d.delivered_at, d.read_at, d.failure_details
             FROM skipped s
             LEFT JOIN deliveries d ON d.campaign = s.campaign AND d.phone = s.phone
             WHERE s.campaign = ?1",
        )?;
        let mut rows = skipped.query(params![self.campaign])?;
        while let Some(row) = rows.next()? {
            visit(report_row(row)?)?;
        }
        Ok(())
    }

    fn delivery_of(&self, phone: Phone) -> anyhow::Result<Option<Delivery>> {
        let delivery = self
            .conn
            .prepare_cached(
                "SELECT message_id, delivery_state, delivered_at, read_at, failure_details
                 FROM deliveries WHERE campaign = ?1 AND phone = ?2",
            )?
            .query_row(params![self.campaign, phone_to_db(phone)], |row| {
                delivery_from(row, 0)
            })
            .optional()?;
        Ok(delivery)
    }

    fn opted_out(&self, phone: Phone) -> anyhow::Result<bool> {
        let found: Option<i64> = self
            .conn
            .prepare_cached("SELECT 1 FROM opt_outs WHERE campaign = ?1 AND phone = ?2")?
            .query_row(params![self.campaign, phone_to_db(phone)], |row| row.get(0))
            .optional()?;
        Ok(found.is_some())
    }

    fn history(&self) -> anyhow::Result<CampaignHistory> {
        summary::history(&self.conn, &self.campaign)
    }

    fn opted_out_numbers(&self) -> anyhow::Result<Vec<Phone>> {
        summary::opted_out_numbers(&self.conn)
    }

    fn delivery_summary(&self) -> anyhow::Result<DeliverySummary> {
        summary::delivery_summary(&self.conn, &self.campaign)
    }
}

fn report_row(row: &rusqlite::Row<'_>) -> anyhow::Result<ReportRow> {
    let phone: Option<i64> = row.get(1)?;
    let state: String = row.get(2)?;
    let delivery = match row.get::<_, Option<String>>(7)? {
        Some(_) => Some(delivery_from(row, 7)?),
        None => None,
    };
    Ok(ReportRow {
        line: row.get::<_, i64>(0)? as u64,
        phone: phone.map(phone_from_db).transpose()?,
        state: State::parse(&state)
            .ok_or_else(|| anyhow::anyhow!("the journal holds an unknown state `{state}`"))?,
        message_id: row.get(3)?,
        attempts: row.get::<_, i64>(4)? as u32,
        http_status: row.get::<_, Option<i64>>(5)?.map(|s| s as u16),
        error: row.get(6)?,
        delivery,
    })
}

/// The delivery in the five columns of `row` from `first` on: message id,
/// state, delivered, read, failure details.
fn delivery_from(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        message_id: row.get(first)?,
        delivery_state: row.get(first + 1)?,
        delivered_at: row.get(first + 2)?,
        read_at: row.get(first + 3)?,
        failure_details: row.get(first + 4)?,
    })
}
