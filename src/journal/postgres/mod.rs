//! The PostgreSQL backend: the journal in a database shared by the machines
//! that plan, apply and listen, in a schema of wacast's own (`wacast` unless
//! the URL names one). Every SQL statement of this backend lives in this
//! folder, and nothing outside it sees a connection.
//!
//! - [`PgLocation`] reads a `postgres://` URL (libpq's form) and connects,
//!   TLS as `sslmode` says (rustls); the password is masked wherever the URL
//!   is shown.
//! - `pg_schema` creates and migrates the tables, versioned.
//! - [`PgJournal`] is the [`crate::journal::Backend`]; `pg_stage`,
//!   `pg_delivery_batch` and `pg_delivery_writer` mirror SQLite's semantics
//!   statement for statement, batched for round trips.
//! - `pg_lock` keeps one apply per campaign with a session advisory lock on
//!   the journal's own connection.
//! - `pg_failure` tells a lost connection from a refused write.

/// SQL for "now" in the journal's timestamp form, RFC 3339 UTC to the
/// second, on the one clock: the server's, moved by the session's
/// `wacast.clock_offset` when `WACAST_NOW` set it (see
/// [`crate::timestamp::set_clock`]).
macro_rules! now_sql {
    () => {
        "to_char((now() + COALESCE(NULLIF(current_setting('wacast.clock_offset', true), ''), '0 seconds')::interval) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    };
}

mod off_runtime;
mod pg_bodies;
mod pg_delivery_batch;
mod pg_delivery_writer;
mod pg_error;
mod pg_failure;
mod pg_import;
mod pg_journal;
mod pg_known;
mod pg_location;
mod pg_lock;
mod pg_pending;
mod pg_reached;
mod pg_schema;
mod pg_stage;
mod pg_statements;
mod pg_statistics;
mod pg_summary;
mod pg_tls;
mod pg_view;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_layout;

pub use off_runtime::off_runtime;
pub use pg_error::{JournalError, Result};
pub use pg_failure::PgFailure;
pub use pg_import::import;
pub use pg_journal::PgJournal;
pub use pg_location::{LocationError, PgLocation, SslMode};
pub use pg_view::PgView;

use pg_error::{Context, describe};
