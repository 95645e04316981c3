//! The planner's statistics of the tables a run grows, refreshed when the
//! run ends if it staged many recipients, and the row versions its sends
//! left behind reclaimed.
//!
//! PostgreSQL plans from statistics that `ANALYZE` gathers, by hand or by
//! autovacuum once enough rows changed (and only when autovacuum is on; its
//! worker wakes once a minute). A campaign staged into a journal whose
//! statistics were gathered when it was small (or never) is planned as a
//! small table: the results report's join of a million recipients with
//! their deliveries was planned as a nested loop over a materialised
//! `deliveries` (estimated at 5,952 recipients), which grows with the
//! product of the two tables once reports arrive. PostgreSQL's advice after
//! loading a table in bulk is to run `ANALYZE`
//! (<https://www.postgresql.org/docs/current/populate.html#POPULATE-ANALYZE>);
//! it reads a fixed sample (300 × `default_statistics_target` rows), so it
//! costs about the same at any size: 0.17 s on a million recipients here.
//!
//! Each send updates its recipient twice (in flight, then its outcome), and
//! neither update can stay on the row's page (both change indexed columns),
//! so a run of a million leaves two million dead versions and index
//! entries until a vacuum: the next report and plan read them all (46,000
//! pages and three million index entries for a million recipients, 0.51 s
//! against 0.35 s after `VACUUM`). Autovacuum would reclaim them in its
//! time, if it is on; the run's end does it at once, with the statistics
//! (`VACUUM (ANALYZE)`, while apply still holds the campaign's lock). After
//! one run of a million it took 2.5 s here, and the next apply (which sent
//! nothing) took 3.3 to 3.8 s against 3.8 to 5.3 s without it.

use super::pg_journal::Session;
use super::{Context as _, Result};

/// Recipient rows written from which a run's end refreshes the statistics.
pub const REFRESH_FROM: u64 = 10_000;

/// Reclaims dead row versions and gathers statistics of the tables a run
/// grows, once this session has staged or updated [`REFRESH_FROM`]
/// recipient rows or more since it last did. apply stages on a connection
/// of its own, so a run's sends (two updates each, on the session that
/// ends the run) are what usually count. `VACUUM` runs outside a
/// transaction, as its own statement.
pub fn refresh_after_writes(session: &mut Session) -> Result<()> {
    if session.changed < REFRESH_FROM {
        return Ok(());
    }
    session
        .client
        .batch_execute("VACUUM (ANALYZE) recipients, messages")
        .context("cannot refresh the journal's statistics")?;
    session.changed = 0;
    Ok(())
}
