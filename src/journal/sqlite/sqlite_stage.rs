//! Staging a plan into the SQLite journal: one transaction, dropped unless committed.

use super::connection::{now, phone_to_db};
use crate::journal::{Repeat, Stage};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};

pub struct SqliteStage<'a> {
    tx: rusqlite::Transaction<'a>,
    campaign: &'a str,
    run: i64,
}

impl<'a> SqliteStage<'a> {
    /// Opens the transaction and drops the campaign's earlier skipped rows.
    pub fn begin(
        conn: &'a mut Connection,
        campaign: &'a str,
        run: i64,
    ) -> anyhow::Result<SqliteStage<'a>> {
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM skipped WHERE campaign = ?1", params![campaign])?;
        Ok(SqliteStage { tx, campaign, run })
    }
}

impl Stage for SqliteStage<'_> {
    fn recipient(
        &mut self,
        phone: Phone,
        line: u64,
        digest: &MessageDigest,
    ) -> anyhow::Result<Option<Repeat>> {
        let existing: Option<(i64, Vec<u8>, i64)> = self
            .tx
            .prepare_cached("SELECT line, digest, planned_run FROM recipients WHERE campaign = ?1 AND phone = ?2")?
            .query_row(params![self.campaign, phone_to_db(phone)], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        match existing {
            Some((first_line, first_digest, run)) if run == self.run => Ok(Some(Repeat {
                first_line: first_line as u64,
                same_message: first_digest == digest.0,
            })),
            Some(_) => {
                self.tx
                    .prepare_cached(
                        "UPDATE recipients SET line = ?3, planned_run = ?4,
                             digest = CASE WHEN state = 'pending' THEN ?5 ELSE digest END
                         WHERE campaign = ?1 AND phone = ?2",
                    )?
                    .execute(params![
                        self.campaign,
                        phone_to_db(phone),
                        line as i64,
                        self.run,
                        digest.0.as_slice()
                    ])?;
                Ok(None)
            }
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO recipients (campaign, phone, line, digest, state, planned_run, updated_at)
                         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6)",
                    )?
                    .execute(params![self.campaign, phone_to_db(phone), line as i64, digest.0.as_slice(), self.run, now()])?;
                Ok(None)
            }
        }
    }

    fn message(&mut self, digest: &MessageDigest, body: &str) -> anyhow::Result<()> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO messages (digest, body) VALUES (?1, ?2)")?
            .execute(params![digest.0.as_slice(), body])?;
        Ok(())
    }

    fn skipped(&mut self, line: u64, phone: Option<Phone>, reason: &str) -> anyhow::Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO skipped (campaign, line, phone, reason, planned_run) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![self.campaign, line as i64, phone.map(phone_to_db), reason, self.run])?;
        Ok(())
    }

    fn commit(self: Box<Self>) -> anyhow::Result<()> {
        self.tx
            .commit()
            .context("cannot commit the plan to the journal")
    }
}
