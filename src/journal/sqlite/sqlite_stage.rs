//! Staging a plan into the SQLite journal in chunks: recipients are buffered
//! in memory and each [`Stage::publish`] writes them in one short IMMEDIATE
//! transaction (messages first, in the order of their key, then recipients),
//! so senders, `listen` and other campaigns wait for the write lock only
//! that long. A recipient put back to pending takes the new message, so the
//! digest it was sent (kept empty while it equals `digest`, see
//! [`super::sqlite_journal::SENT_DIGEST`]) is written out in full first.

use super::connection::{begin_write, now, phone_to_db};
use crate::journal::{Requeue, SkippedRow, Stage};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use anyhow::Context as _;
use rusqlite::{Connection, params};

/// Whether a settled row goes back to pending: `?6` and `?7` are the
/// stage's [`Requeue`] flags; a number that opted out never does.
macro_rules! requeued {
    () => {
        "((recipients.state = 'unknown' AND ?6) OR (recipients.state = 'failed' AND ?7))
          AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = excluded.phone)"
    };
}

const MESSAGE: &str = "INSERT OR IGNORE INTO messages (digest, body) VALUES (?1, ?2)";

const RECIPIENT: &str = concat!(
    "INSERT INTO recipients (campaign, phone, line, digest, state, planned_run, updated_at)
     VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?8)
     ON CONFLICT (campaign, phone) DO UPDATE SET
         line = excluded.line, planned_run = excluded.planned_run,
         digest = CASE WHEN recipients.state = 'pending' OR (",
    requeued!(),
    ") THEN excluded.digest ELSE recipients.digest END,
         updated_at = CASE WHEN ",
    requeued!(),
    " THEN excluded.updated_at ELSE recipients.updated_at END,
         sent_digest = CASE WHEN recipients.sent_digest = X'' AND (",
    requeued!(),
    ") THEN recipients.digest ELSE recipients.sent_digest END,
         state = CASE WHEN ",
    requeued!(),
    " THEN 'pending' ELSE recipients.state END"
);

pub struct SqliteStage<'a> {
    conn: &'a Connection,
    campaign: &'a str,
    run: i64,
    requeue: Requeue,
    /// Number, line, digest and body of each recipient not yet published.
    rows: Vec<(i64, i64, MessageDigest, String)>,
}

impl<'a> SqliteStage<'a> {
    pub fn new(
        conn: &'a Connection,
        campaign: &'a str,
        run: i64,
        requeue: Requeue,
    ) -> SqliteStage<'a> {
        SqliteStage {
            conn,
            campaign,
            run,
            requeue,
            rows: Vec::new(),
        }
    }
}

impl Stage for SqliteStage<'_> {
    fn recipient(
        &mut self,
        phone: Phone,
        line: u64,
        digest: &MessageDigest,
        body: &str,
    ) -> anyhow::Result<()> {
        self.rows
            .push((phone_to_db(phone), line as i64, *digest, body.to_owned()));
        Ok(())
    }

    fn unpublished(&self) -> usize {
        self.rows.len()
    }

    fn publish(&mut self) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let tx = begin_write(self.conn)?;
        let stamp = now();
        {
            let mut message = tx.prepare_cached(MESSAGE)?;
            let mut recipient = tx.prepare_cached(RECIPIENT)?;
            // Bodies go in in the order of their key, so each page of
            // `messages` is found and filled once, not once per body in it.
            let mut by_digest: Vec<_> = self.rows.iter().collect();
            by_digest.sort_unstable_by_key(|row| row.2.0);
            by_digest.dedup_by_key(|row| row.2.0);
            for (_, _, digest, body) in by_digest {
                message.execute(params![digest.0.as_slice(), body])?;
            }
            for (phone, line, digest, _) in &self.rows {
                recipient.execute(params![
                    self.campaign,
                    phone,
                    line,
                    digest.0.as_slice(),
                    self.run,
                    self.requeue.unknown,
                    self.requeue.failed,
                    stamp,
                ])?;
            }
        }
        tx.commit()
            .context("cannot commit the plan to the journal")?;
        self.rows.clear();
        Ok(())
    }
}

/// Replaces `campaign`'s skipped rows with `rows`, in one transaction.
pub fn replace_skipped(
    conn: &Connection,
    campaign: &str,
    run: i64,
    rows: &[SkippedRow],
) -> anyhow::Result<()> {
    let tx = begin_write(conn)?;
    tx.execute("DELETE FROM skipped WHERE campaign = ?1", params![campaign])?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR REPLACE INTO skipped (campaign, line, phone, reason, planned_run)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for row in rows {
            insert.execute(params![
                campaign,
                row.line as i64,
                row.phone.map(phone_to_db),
                row.reason,
                run
            ])?;
        }
    }
    tx.commit()
        .context("cannot write the skipped rows to the journal")
}
