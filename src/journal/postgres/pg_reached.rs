//! The messaging limit's count in PostgreSQL ([`crate::journal::Reached`]).
//! A schema still at version 1 (read-only, before a writer migrated it) has
//! no `senders` table: it has reached nobody.

use super::pg_journal::Session;
use super::{Context as _, Result};
use crate::journal::Reached;

pub fn reached(session: &mut Session, sender: &str, since: &str) -> Result<Vec<String>> {
    let exists = session
        .client
        .query_one("SELECT to_regclass('senders') IS NOT NULL", &[])
        .context("cannot read the messaging limit's count")?;
    if !exists.get::<_, bool>(0) {
        return Ok(Vec::new());
    }
    let rows = session
        .client
        .query(&Reached::postgres(), &[&sender, &since])
        .context("cannot read the messaging limit's count")?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

pub fn record_sender(session: &mut Session, campaign: &str, sender: &str) -> Result<()> {
    session
        .client
        .execute(
            concat!(
                "INSERT INTO senders (campaign, sender, recorded_at) VALUES ($1, $2, ",
                now_sql!(),
                ") ON CONFLICT (campaign) DO UPDATE SET sender = excluded.sender, recorded_at = excluded.recorded_at"
            ),
            &[&campaign, &sender],
        )
        .context("cannot record the campaign's sender")?;
    Ok(())
}
