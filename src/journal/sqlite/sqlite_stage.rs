//! Staging a plan into the SQLite journal without holding the journal's
//! write lock while the audience is read and rendered, so apply's senders,
//! `listen` and other campaigns keep writing meanwhile.
//!
//! The plan goes into temporary tables of this connection first: SQLite
//! keeps them in a database of their own (`temp`), so writing them takes no
//! lock on the journal, and they are committed in chunks of [`CHUNK`] rows so
//! the temporary database's own transaction stays small. [`Stage::commit`]
//! then publishes the whole plan into the journal in one short IMMEDIATE
//! transaction: the plan is still kept only when valid, and all at once.
//! Dropping the stage keeps nothing.

use super::connection::{begin_write, now, phone_to_db};
use crate::journal::{Repeat, Stage};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};

/// Rows written to the temporary tables between two of their commits.
const CHUNK: usize = 10_000;

const TABLES: &str = "
DROP TABLE IF EXISTS temp.stage_recipients;
DROP TABLE IF EXISTS temp.stage_messages;
DROP TABLE IF EXISTS temp.stage_skipped;
CREATE TEMP TABLE stage_recipients (
    phone  INTEGER PRIMARY KEY,
    line   INTEGER NOT NULL,
    digest BLOB NOT NULL
);
CREATE TEMP TABLE stage_messages (digest BLOB PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TEMP TABLE stage_skipped (line INTEGER PRIMARY KEY, phone INTEGER, reason TEXT NOT NULL);
";

const DROP_TABLES: &str = "
DROP TABLE IF EXISTS temp.stage_recipients;
DROP TABLE IF EXISTS temp.stage_messages;
DROP TABLE IF EXISTS temp.stage_skipped;
";

/// The plan into the journal: a number from an earlier run keeps its state
/// and takes the new line and run, and a pending one the new message.
const PUBLISH: [&str; 4] = [
    "DELETE FROM skipped WHERE campaign = ?1",
    "INSERT OR IGNORE INTO messages (digest, body) SELECT digest, body FROM temp.stage_messages",
    "INSERT INTO recipients (campaign, phone, line, digest, state, planned_run, updated_at)
     SELECT ?1, phone, line, digest, 'pending', ?2, ?3 FROM temp.stage_recipients WHERE true
     ON CONFLICT (campaign, phone) DO UPDATE SET
         line = excluded.line, planned_run = excluded.planned_run,
         digest = CASE WHEN recipients.state = 'pending' THEN excluded.digest ELSE recipients.digest END",
    "INSERT OR REPLACE INTO skipped (campaign, line, phone, reason, planned_run)
     SELECT ?1, line, phone, reason, ?2 FROM temp.stage_skipped",
];

pub struct SqliteStage<'a> {
    conn: &'a Connection,
    campaign: &'a str,
    run: i64,
    /// Rows written since the temporary tables' last commit.
    written: usize,
}

impl<'a> SqliteStage<'a> {
    /// Makes the temporary tables and opens their first chunk.
    pub fn begin(
        conn: &'a Connection,
        campaign: &'a str,
        run: i64,
    ) -> anyhow::Result<SqliteStage<'a>> {
        conn.execute_batch(TABLES)?;
        conn.execute_batch("BEGIN DEFERRED")?;
        Ok(SqliteStage {
            conn,
            campaign,
            run,
            written: 0,
        })
    }

    /// Counts a row written; every [`CHUNK`] rows, commits the temporary
    /// tables' transaction and opens the next.
    fn wrote(&mut self) -> anyhow::Result<()> {
        self.written += 1;
        if self.written >= CHUNK {
            self.conn.execute_batch("COMMIT; BEGIN DEFERRED")?;
            self.written = 0;
        }
        Ok(())
    }
}

impl Stage for SqliteStage<'_> {
    fn recipient(
        &mut self,
        phone: Phone,
        line: u64,
        digest: &MessageDigest,
    ) -> anyhow::Result<Option<Repeat>> {
        let first: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT line, digest FROM temp.stage_recipients WHERE phone = ?1")?
            .query_row(params![phone_to_db(phone)], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        if let Some((first_line, first_digest)) = first {
            return Ok(Some(Repeat {
                first_line: first_line as u64,
                same_message: first_digest == digest.0,
            }));
        }
        self.conn
            .prepare_cached(
                "INSERT INTO temp.stage_recipients (phone, line, digest) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![
                phone_to_db(phone),
                line as i64,
                digest.0.as_slice()
            ])?;
        self.wrote()?;
        Ok(None)
    }

    fn message(&mut self, digest: &MessageDigest, body: &str) -> anyhow::Result<()> {
        let added = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO temp.stage_messages (digest, body) VALUES (?1, ?2)",
            )?
            .execute(params![digest.0.as_slice(), body])?;
        if added > 0 {
            self.wrote()?;
        }
        Ok(())
    }

    fn skipped(&mut self, line: u64, phone: Option<Phone>, reason: &str) -> anyhow::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO temp.stage_skipped (line, phone, reason) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![line as i64, phone.map(phone_to_db), reason])?;
        self.wrote()
    }

    fn commit(self: Box<Self>) -> anyhow::Result<()> {
        self.conn.execute_batch("COMMIT")?;
        let tx = begin_write(self.conn)?;
        let stamp = now();
        tx.execute(PUBLISH[0], params![self.campaign])?;
        tx.execute(PUBLISH[1], [])?;
        tx.execute(PUBLISH[2], params![self.campaign, self.run, stamp])?;
        tx.execute(PUBLISH[3], params![self.campaign, self.run])?;
        tx.commit().context("cannot commit the plan to the journal")
        // The temporary tables go when `self` is dropped.
    }
}

impl Drop for SqliteStage<'_> {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        let _ = self.conn.execute_batch(DROP_TABLES);
    }
}
