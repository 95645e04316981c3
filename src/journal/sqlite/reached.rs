//! The messaging limit's count in SQLite ([`crate::journal::Reached`]). A
//! journal written before senders were recorded has no `senders` table
//! until a writer opens it; read-only, it has reached nobody.

use crate::journal::Reached;
use rusqlite::{Connection, params};

pub fn reached(conn: &Connection, sender: &str, since: &str) -> anyhow::Result<Vec<String>> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'senders')",
        [],
        |row| row.get(0),
    )?;
    if !has_table {
        return Ok(Vec::new());
    }
    let mut statement = conn.prepare_cached(Reached::SQL)?;
    let times = statement.query_map(params![sender, since], |row| row.get(0))?;
    Ok(times.collect::<Result<_, _>>()?)
}

pub fn record_sender(conn: &Connection, campaign: &str, sender: &str) -> anyhow::Result<()> {
    conn.execute(
        "INSERT INTO senders (campaign, sender, recorded_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (campaign) DO UPDATE SET sender = excluded.sender, recorded_at = excluded.recorded_at",
        params![campaign, sender, super::connection::now()],
    )?;
    Ok(())
}
