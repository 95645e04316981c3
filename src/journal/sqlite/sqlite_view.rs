//! The SQLite journal read-only, for plan and status: opened only if the file
//! exists, so looking never creates a journal. One indexed lookup per
//! recipient keeps memory flat.

use super::connection::{FILE, open_reader, phone_from_db, phone_to_db};
use super::summary;
use crate::journal::{CampaignHistory, DeliverySummary, JournalView, RecipientFacts, State};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

pub struct SqliteView {
    conn: Connection,
    campaign: String,
}

impl SqliteView {
    /// The journal in `state_dir` read-only, or `None` when there is none.
    pub fn open(state_dir: &Path, campaign: &str) -> anyhow::Result<Option<SqliteView>> {
        let path = state_dir.join(FILE);
        if !path.is_file() {
            return Ok(None);
        }
        Ok(Some(SqliteView {
            conn: open_reader(&path, "read")?,
            campaign: campaign.to_owned(),
        }))
    }
}

impl JournalView for SqliteView {
    fn reached(&self, sender: &str, since: &str) -> anyhow::Result<Vec<String>> {
        super::reached::reached(&self.conn, sender, since)
    }

    fn recipient(
        &mut self,
        phone: Phone,
        digest: &MessageDigest,
    ) -> anyhow::Result<Option<RecipientFacts>> {
        let row: Option<(String, Option<Vec<u8>>)> = self
            .conn
            .prepare_cached(
                "SELECT state, sent_digest FROM recipients WHERE campaign = ?1 AND phone = ?2",
            )?
            .query_row(params![self.campaign, phone_to_db(phone)], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .context("cannot read the journal")?;
        Ok(row.map(|(state, sent_digest)| RecipientFacts {
            // A state this build does not know is planned as pending.
            state: State::parse(&state).unwrap_or(State::Pending),
            same_message: sent_digest.as_deref() == Some(digest.0.as_slice()),
        }))
    }

    fn recipients(&self) -> anyhow::Result<u64> {
        let total: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM recipients WHERE campaign = ?1",
                params![self.campaign],
                |row| row.get(0),
            )
            .context("cannot read the journal")?;
        Ok(total as u64)
    }

    fn sent_elsewhere(
        &self,
        visit: &mut dyn FnMut(&str, Phone, &MessageDigest),
    ) -> anyhow::Result<()> {
        let mut statement = self.conn.prepare(
            "SELECT campaign, phone, sent_digest FROM recipients
             WHERE campaign <> ?1 AND state = 'sent' AND sent_digest IS NOT NULL
             ORDER BY campaign",
        )?;
        let mut rows = statement.query(params![self.campaign])?;
        while let Some(row) = rows.next()? {
            let campaign: String = row.get(0)?;
            let digest: Vec<u8> = row.get(2)?;
            let digest = MessageDigest(
                digest
                    .try_into()
                    .map_err(|_| anyhow::anyhow!("the journal holds a malformed digest"))?,
            );
            visit(&campaign, phone_from_db(row.get(1)?)?, &digest);
        }
        Ok(())
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
