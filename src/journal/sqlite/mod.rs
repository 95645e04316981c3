//! The SQLite backend: a `journal.sqlite` in a state folder (WAL,
//! `synchronous=FULL` unless `--durability normal`, owner-only), the apply lock as a file lock beside
//! it. Every SQL statement of the journal lives in this folder, and nothing
//! outside it sees a connection.

/// SQL for the time `$p` (RFC 3339) as the journal keeps a delivery's
/// times: Unix seconds when it is whole seconds in UTC and so reads back the
/// same (the `deliveries` view turns them back), else the text as given.
macro_rules! moment {
    ($p:literal) => {
        concat!(
            "CASE WHEN strftime('%Y-%m-%dT%H:%M:%SZ', ",
            $p,
            ") IS ",
            $p,
            " THEN CAST(strftime('%s', ",
            $p,
            ") AS INTEGER) ELSE ",
            $p,
            " END"
        )
    };
}

/// SQL reading back a time `moment!` wrote, as RFC 3339 text either way.
macro_rules! moment_text {
    ($column:literal) => {
        concat!(
            "CASE typeof(",
            $column,
            ") WHEN 'integer' THEN strftime('%Y-%m-%dT%H:%M:%SZ', ",
            $column,
            ", 'unixepoch') ELSE ",
            $column,
            " END"
        )
    };
}

mod connection;
mod export;
mod file_lock;
mod journal_file;
mod journal_upkeep;
mod known;
mod pending_pages;
mod reached;
mod schema;
mod sqlite_delivery_batch;
mod sqlite_delivery_writer;
mod sqlite_journal;
mod sqlite_stage;
mod sqlite_view;
mod summary;
#[cfg(test)]
mod tests;

pub use connection::FILE;
pub use export::Export;
pub use journal_file::{JournalFile, inspect, ran_before};
pub use sqlite_journal::SqliteJournal;
pub use sqlite_view::SqliteView;
