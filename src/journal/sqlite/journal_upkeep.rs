//! What a run's end gives back: the message bodies no recipient still to
//! send refers to, and the pages they held.
//!
//! A body is read only to send it (`pending_pages`), and every apply stages
//! again the bodies of whoever it will send, so once a run ends the bodies of
//! recipients that were sent are never read again. Those of recipients a
//! later run may send (pending, or unknown and failed ones that
//! `--resend-unknown` and `--retry-failed` put back as they are) stay.
//! Journals made with `auto_vacuum = INCREMENTAL` then hand the freed pages
//! back to the file system; older ones reuse them.

use super::connection::patiently;
use rusqlite::Connection;

/// Deletes the bodies no unsent recipient of any campaign refers to, then
/// frees their pages.
pub fn drop_sent_bodies(conn: &Connection) -> anyhow::Result<()> {
    patiently(|| {
        conn.execute(
            "DELETE FROM messages WHERE digest NOT IN
                 (SELECT digest FROM recipients WHERE state <> 'sent')",
            [],
        )
    })?;
    patiently(|| free_pages(conn))?;
    Ok(())
}

/// `PRAGMA incremental_vacuum` frees one page a step: every step is taken.
fn free_pages(conn: &Connection) -> rusqlite::Result<()> {
    let mut statement = conn.prepare_cached("PRAGMA incremental_vacuum")?;
    let mut rows = statement.query([])?;
    while rows.next()?.is_some() {}
    Ok(())
}
