//! The planner's statistics of the tables a run grows, refreshed when the
//! run ends if it staged many recipients.
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

use super::pg_journal::Session;
use super::{Context as _, Result};

/// Staged recipients from which a run's end refreshes the statistics.
pub const REFRESH_FROM: u64 = 10_000;

/// Gathers statistics of the tables staging grows, once this session has
/// staged [`REFRESH_FROM`] recipients or more since it last did.
pub fn refresh_after_staging(session: &mut Session) -> Result<()> {
    if session.staged < REFRESH_FROM {
        return Ok(());
    }
    session
        .client
        .batch_execute("ANALYZE recipients, messages")
        .context("cannot refresh the journal's statistics")?;
    session.staged = 0;
    Ok(())
}
