//! The SQLite journal read-only, for plan and status: opened only if the file
//! exists, so looking never creates a journal. The campaign's recipients are
//! read in one pass over its part of the table.

use super::connection::{FILE, open_reader, phone_from_db};
use super::sqlite_journal::SENT_DIGEST;
use super::summary;
use crate::journal::{CampaignHistory, DeliverySummary, JournalView, KnownRecipients};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use anyhow::Context as _;
use rusqlite::{Connection, params};
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

    fn known(&self) -> anyhow::Result<KnownRecipients> {
        super::known::known(&self.conn, &self.campaign).context("cannot read the journal")
    }

    fn sent_elsewhere(
        &self,
        visit: &mut dyn FnMut(&str, Phone, &MessageDigest),
    ) -> anyhow::Result<()> {
        // `campaign <> ?1` would read every row of this campaign too; the
        // two ranges of the key around it read only the others'.
        let mut statement = self.conn.prepare(&format!(
            "SELECT campaign, phone, {SENT_DIGEST} FROM recipients
             WHERE campaign < ?1 AND state = 'sent' AND sent_digest IS NOT NULL
             UNION ALL
             SELECT campaign, phone, {SENT_DIGEST} FROM recipients
             WHERE campaign > ?1 AND state = 'sent' AND sent_digest IS NOT NULL
             ORDER BY campaign"
        ))?;
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
