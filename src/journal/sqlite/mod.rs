//! The SQLite backend: a `journal.sqlite` in a state folder (WAL,
//! `synchronous=FULL` unless `--durability normal`, owner-only), the apply lock as a file lock beside
//! it. Every SQL statement of the journal lives in this folder, and nothing
//! outside it sees a connection.

mod connection;
mod export;
mod file_lock;
mod journal_file;
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
