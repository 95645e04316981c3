//! Pages of pending recipients, read on the writer's connection or on a
//! read-only one beside it. The index on the plan (not on the state, which
//! changes with every send) keeps this cheap to maintain.

use super::connection::{open_reader, phone_from_db};
use crate::journal::{Pending, PendingRow};
use crate::message::digest::MessageDigest;
use rusqlite::{Connection, params};
use std::path::Path;

/// A read-only connection for pending pages.
pub struct SqlitePending {
    conn: Connection,
    campaign: String,
}

impl SqlitePending {
    pub fn open(path: &Path, campaign: &str) -> anyhow::Result<SqlitePending> {
        Ok(SqlitePending {
            conn: open_reader(path, "open")?,
            campaign: campaign.to_owned(),
        })
    }
}

impl Pending for SqlitePending {
    fn pending(&self, run: i64, after_line: u64, limit: usize) -> anyhow::Result<Vec<PendingRow>> {
        pending(&self.conn, &self.campaign, run, after_line, limit)
    }
}

/// Up to `limit` pending recipients of `run` after `after_line`, in audience order.
pub fn pending(
    conn: &Connection,
    campaign: &str,
    run: i64,
    after_line: u64,
    limit: usize,
) -> anyhow::Result<Vec<PendingRow>> {
    let mut statement = conn.prepare_cached(
        "SELECT r.line, r.phone, r.digest, m.body FROM recipients r JOIN messages m ON m.digest = r.digest
         WHERE r.campaign = ?1 AND r.planned_run = ?2 AND r.line > ?3 AND r.state = 'pending'
         ORDER BY r.line LIMIT ?4",
    )?;
    let rows = statement.query_map(
        params![campaign, run, after_line as i64, limit as i64],
        |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Vec<u8>>(2)?,
                row.get::<_, String>(3)?,
            ))
        },
    )?;
    rows.map(|row| {
        let (line, phone, digest, body) = row?;
        Ok(PendingRow {
            line: line as u64,
            phone: phone_from_db(phone)?,
            digest: MessageDigest(
                digest
                    .try_into()
                    .map_err(|_| anyhow::anyhow!("the journal holds a malformed digest"))?,
            ),
            body,
        })
    })
    .collect()
}
