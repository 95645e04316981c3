//! The campaign's recipients read in one pass over its part of the
//! `recipients` table (its primary key's prefix), for a plan's classes and
//! apply's staging.

use super::sqlite_journal::SENT_DIGEST;
use crate::journal::{KnownRecipients, State};
use rusqlite::{Connection, params};

/// Every recipient `campaign` has in the journal `conn` holds.
pub fn known(conn: &Connection, campaign: &str) -> rusqlite::Result<KnownRecipients> {
    // Not sized by a `COUNT(*)` first: that was a second pass over the
    // campaign's rows, and growing the table as they come costs less
    // (0.41 to 0.45 s against 0.52 to 0.59 s for a million here).
    let mut known = KnownRecipients::default();
    let mut statement = conn.prepare(&format!(
        "SELECT phone, state, {SENT_DIGEST} FROM recipients WHERE campaign = ?1"
    ))?;
    let mut rows = statement.query(params![campaign])?;
    while let Some(row) = rows.next()? {
        let state = row.get_ref(1)?.as_str()?;
        // A state this build does not know is planned as pending.
        let state = State::parse(state).unwrap_or(State::Pending);
        known.insert(
            row.get::<_, i64>(0)? as u64,
            state,
            row.get_ref(2)?.as_blob_or_null()?,
        );
    }
    Ok(known)
}
