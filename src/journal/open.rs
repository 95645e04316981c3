//! Opening a journal: the one place a state location becomes a backend.

use super::postgres::{PgJournal, PgView, off_runtime};
use super::sqlite::SqliteJournal;
use super::{Backend, Durability, JournalView, StateLocation};

/// Opens (creating if needed) the journal at `location` for `campaign`, every
/// commit flushed to disk ([`Durability::Full`]).
pub fn open(location: &StateLocation, campaign: &str) -> anyhow::Result<Box<dyn Backend>> {
    open_with(location, campaign, Durability::Full)
}

/// [`open`], its commits as durable as `durability` says.
pub fn open_with(
    location: &StateLocation,
    campaign: &str,
    durability: Durability,
) -> anyhow::Result<Box<dyn Backend>> {
    match location {
        StateLocation::Folder(dir) => Ok(Box::new(SqliteJournal::open(dir, campaign, durability)?)),
        StateLocation::Postgres(url) => Ok(Box::new(off_runtime(|| {
            PgJournal::open(url, campaign, durability)
        })?)),
    }
}

/// Opens the journal at `location` read-only, if there is one; creates
/// nothing. `None` means no journal: every recipient is new.
pub fn open_view(
    location: &StateLocation,
    campaign: &str,
) -> anyhow::Result<Option<Box<dyn JournalView>>> {
    match location {
        StateLocation::Folder(dir) => Ok(super::sqlite::SqliteView::open(dir, campaign)?
            .map(|view| Box::new(view) as Box<dyn JournalView>)),
        StateLocation::Postgres(url) => {
            Ok(PgView::open(url, campaign)?.map(|view| Box::new(view) as Box<dyn JournalView>))
        }
    }
}
