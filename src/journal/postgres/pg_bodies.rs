//! The message bodies a run's end lets go of, as the SQLite journal's
//! `journal_upkeep` does: a body is read only to send it, and every apply
//! stages again the bodies of whoever it will send, so once a run ends the
//! bodies no recipient still to send refers to (of any campaign in the
//! schema) are never read again. Those of recipients a later run may send
//! (pending, in flight, or unknown and failed ones that `--resend-unknown`
//! and `--retry-failed` put back as they are) stay.
//!
//! Two counts choose the way, neither copying a body. When the bodies kept
//! are fewer than those let go (as after a campaign's last run), the kept
//! ones are copied aside, `messages` is truncated and they go back: a new,
//! compact table and key at a cost that grows with what is kept. Deleting
//! a million bodies row by row took 5.7 s here, every page of the table
//! written again to the WAL, and left the key at its largest. Otherwise,
//! or where the role may not truncate, the rest are deleted (nothing at
//! all when every body is kept), and the run's end vacuums `messages`
//! (`pg_statistics`).
//!
//! Bodies are shared between campaigns by digest, so both ways are kept in
//! step with the others' staging and sending under an advisory lock
//! ([`key`]): each staging transaction holds it shared (it inserts a body
//! with `ON CONFLICT DO NOTHING`, and could otherwise find one that is
//! then deleted), as does `state push`'s transaction, and each read of pending recipients with their
//! bodies, which takes it in a statement of its own so that its read's
//! snapshot comes after any truncation (a truncated table reads as empty
//! to a snapshot taken before). The run's end holds it alone.

use super::pg_journal::Session;
use super::pg_lock::advisory_key;
use super::{Context as _, Result};
use postgres::error::SqlState;

/// The advisory-lock key between staging, pending reads and the run's
/// end, for `schema`.
pub fn key(schema: &str) -> i64 {
    advisory_key(&["bodies", schema])
}

/// Holds the bodies' lock (`key`) shared until `tx` ends: what staging,
/// `state push` and a pending read take before touching `messages`.
pub fn hold_shared(
    tx: &mut postgres::Transaction<'_>,
    key: i64,
) -> std::result::Result<(), postgres::Error> {
    tx.execute("SELECT pg_advisory_xact_lock_shared($1)", &[&key])
        .map(drop)
}

/// How many bodies some recipient still to send refers to, and how many
/// the table holds: two counts, neither copying a body.
const COUNTS: &str = "SELECT
     (SELECT COUNT(DISTINCT digest) FROM recipients WHERE state <> 'sent'),
     (SELECT COUNT(*) FROM messages)";

/// The bodies some recipient still to send refers to, copied aside.
const KEEP: &str = "CREATE TEMPORARY TABLE wacast_kept_bodies ON COMMIT DROP AS
     SELECT m.digest, m.body FROM messages m WHERE EXISTS
         (SELECT 1 FROM recipients r WHERE r.digest = m.digest AND r.state <> 'sent')";

/// Lets go of the bodies no unsent recipient of any campaign refers to.
pub fn drop_sent(session: &mut Session, schema: &str) -> Result<()> {
    let context = "cannot let go of the bodies sent";
    let mut tx = session.client.transaction().context(context)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&key(schema)])
        .context(context)?;
    let counts = tx.query_one(COUNTS, &[]).context(context)?;
    let (kept, all): (i64, i64) = (counts.get(0), counts.get(1));
    if kept < all - kept {
        let mut rebuild = tx.transaction().context(context)?;
        match copy_aside_and_truncate(&mut rebuild) {
            Ok(()) => rebuild.commit().context(context)?,
            Err(error) if error.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => {
                rebuild.rollback().context(context)?;
                delete(&mut tx)?;
            }
            Err(error) => return Err(error).context(context),
        }
    } else if kept < all {
        delete(&mut tx)?;
    }
    tx.commit().context(context)
}

/// Copies the bodies kept aside, truncates the table and puts them back.
fn copy_aside_and_truncate(
    tx: &mut postgres::Transaction<'_>,
) -> std::result::Result<(), postgres::Error> {
    tx.batch_execute(KEEP)?;
    tx.batch_execute(
        "TRUNCATE messages;
         INSERT INTO messages (digest, body) SELECT digest, body FROM wacast_kept_bodies",
    )
}

/// Deletes the bodies no unsent recipient refers to, row by row.
fn delete(tx: &mut postgres::Transaction<'_>) -> Result<()> {
    tx.batch_execute(
        "DELETE FROM messages m WHERE NOT EXISTS
             (SELECT 1 FROM recipients r WHERE r.digest = m.digest AND r.state <> 'sent')",
    )
    .context("cannot let go of the bodies sent")
}
