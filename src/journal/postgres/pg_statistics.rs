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
//! (`VACUUM (ANALYZE)`, while apply still holds the campaign's lock). Here
//! it took 1.96 s on a journal three million-recipient runs had left; after
//! one such run the whole apply's time beyond its send phase stayed at 4 s.

use super::pg_journal::Session;
use super::{Context as _, Result};

/// Staged recipients from which a run's end refreshes the statistics.
pub const REFRESH_FROM: u64 = 10_000;

/// Reclaims dead row versions and gathers statistics of the tables a run
/// grows, once this session has staged [`REFRESH_FROM`] recipients or more
/// since it last did. `VACUUM` runs outside a transaction, as its own
/// statement.
pub fn refresh_after_staging(session: &mut Session) -> Result<()> {
    if session.staged < REFRESH_FROM {
        return Ok(());
    }
    session
        .client
        .batch_execute("VACUUM (ANALYZE) recipients, messages")
        .context("cannot refresh the journal's statistics")?;
    session.staged = 0;
    Ok(())
}
