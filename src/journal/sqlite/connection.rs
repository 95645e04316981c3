//! Connections to a state folder's `journal.sqlite`: the writing one (created
//! if needed, owner-only, WAL) and read-only ones that never create anything.
//! Neither follows a symbolic link: the journal, its `-wal` and its `-shm`
//! must be files of their own.
//!
//! Other processes write the same journal (apply and `listen`, a second
//! campaign's apply), so every write transaction starts IMMEDIATE: it takes
//! the write lock when it begins, where SQLite's busy handler waits for it,
//! instead of upgrading a read later, which SQLite refuses at once with
//! "database is locked" when another connection wrote in between
//! (<https://www.sqlite.org/lang_transaction.html>, "Read transactions";
//! <https://www.sqlite.org/c3ref/busy_handler.html>: the handler is not
//! called for such a deadlock). A busy journal is waited out: each try waits
//! [`BUSY`] in the busy handler, and [`patiently`] tries again for up to
//! [`PATIENCE`] in all.
//!
//! The busy handler is [`wait_for_lock`], not SQLite's `busy_timeout`: that
//! one sleeps 1, 2, 5, … up to 100 ms between looks (`sqliteDefaultBusyCallback`
//! in SQLite's `main.c`), so under a listener committing thousands of
//! callbacks a second a waiting apply sleeps through the moments the lock is
//! free and loses most of its turns. Looking every 0.1 to 1 ms keeps the two
//! writers taking turns.

use super::schema;
use crate::fs::{create_private_dir, create_state_file, refuse_link};
use crate::journal::Durability;
use crate::phone::Phone;
use anyhow::Context as _;
use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The journal's file name inside a state folder.
pub const FILE: &str = "journal.sqlite";

/// How long one try waits for another connection's write lock.
const BUSY: Duration = Duration::from_secs(5);
/// How long a writer waits in all for the write lock before it gives up.
pub const PATIENCE: Duration = Duration::from_secs(600);

/// Opens (creating if needed) the journal in `state_dir`. What this creates
/// (the folder, the file) is readable by its owner only; what exists keeps
/// its mode. SQLite gives the `-wal` and `-shm` files the journal's mode.
pub fn open_writer(
    state_dir: &Path,
    durability: Durability,
) -> anyhow::Result<(Connection, PathBuf)> {
    create_private_dir(state_dir)?;
    let path = state_dir.join(FILE);
    create_state_file(&path)?;
    refuse_links_beside(&path)?;
    let mut conn = Connection::open_with_flags(
        &path,
        OpenFlags::default() | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )
    .with_context(|| format!("cannot open the journal `{}`", path.display()))?;
    conn.busy_handler(Some(wait_for_lock))?;
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    // Takes effect only before the first table: a new journal gives the
    // pages that deletes free back to the file (`PRAGMA incremental_vacuum`).
    patiently(|| conn.pragma_update(None, "auto_vacuum", "INCREMENTAL"))?;
    patiently(|| conn.pragma_update(None, "journal_mode", "WAL"))?;
    conn.pragma_update(None, "synchronous", durability.sqlite_synchronous())?;
    conn.pragma_update(None, "cache_size", -16384)?;
    patiently(|| schema::set_up(&conn))
        .with_context(|| format!("cannot set up the journal `{}`", path.display()))?;
    Ok((conn, path))
}

/// A read-only connection to the journal at `path`; in WAL mode it reads
/// committed state while another connection writes.
///
/// A reader of a WAL journal needs its `-shm` file, which it creates when
/// missing; in a folder it may not write (mode 0555, a read-only mount) that
/// fails with SQLITE_READONLY. When no `-wal` file holds anything (every
/// commit is in the journal file itself, as after the last writer closed), the
/// journal is opened `immutable` instead, which needs neither file
/// (sqlite.org/wal.html, "Read-Only Databases"; sqlite.org/uri.html).
pub fn open_reader(path: &Path, verb: &str) -> anyhow::Result<Connection> {
    let context = || format!("cannot {verb} the journal `{}`", path.display());
    refuse_link(path)?;
    refuse_links_beside(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let mut conn = Connection::open_with_flags(path, flags).with_context(context)?;
    conn.busy_handler(Some(wait_for_lock))?;
    let Err(error) = probe(&conn) else {
        return Ok(conn);
    };
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let wal_is_empty = std::fs::metadata(&wal).map_or(true, |meta| meta.len() == 0);
    if !wal_is_empty || error.sqlite_error_code() != Some(rusqlite::ErrorCode::ReadOnly) {
        return Err(anyhow::Error::from(error).context(context()));
    }
    let uri = format!("file:{}?immutable=1", uri_path(path));
    let conn = Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
        .with_context(context)?;
    probe(&conn).with_context(context)?;
    Ok(conn)
}

/// SQLite's busy handler: called with how many times it was called for
/// this wait; sleeps a little longer each time, from 0.1 ms up to 1 ms,
/// and gives up (SQLITE_BUSY) once about [`BUSY`] has passed.
fn wait_for_lock(calls: i32) -> bool {
    wait_in_steps(calls, 100, 1_000)
}

/// [`wait_for_lock`] for a writer that yields to senders: it looks every 2
/// to 10 ms, so a sender waiting beside it (looking every 1 ms at most)
/// takes the lock first when it frees.
fn wait_patiently(calls: i32) -> bool {
    wait_in_steps(calls, 2_000, 10_000)
}

/// Has `conn` wait for the write lock as a writer that yields to senders.
pub fn wait_patiently_for_lock(conn: &mut Connection) -> anyhow::Result<()> {
    conn.busy_handler(Some(wait_patiently))?;
    Ok(())
}

/// Sleeps `step` µs more at each call up to `longest` µs; false (give up)
/// once about [`BUSY`] has passed.
fn wait_in_steps(calls: i32, step: u64, longest: u64) -> bool {
    let calls = u64::try_from(calls).unwrap_or(0);
    let ramp = longest / step;
    let waited = match calls {
        n if n <= ramp => step * n * (n + 1) / 2,
        n => step * ramp * (ramp + 1) / 2 + (n - ramp) * longest,
    };
    if waited >= BUSY.as_micros() as u64 {
        return false;
    }
    let pause = (step * (calls + 1)).min(longest);
    std::thread::sleep(Duration::from_micros(pause));
    true
}

/// Reads the schema, which is where opening a WAL journal fails.
fn probe(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    })
    .map(|_| ())
}

/// `path` for a `file:` URI: `%`, `?` and `#` escaped (sqlite.org/uri.html).
fn uri_path(path: &Path) -> String {
    path.to_string_lossy()
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23")
}

/// Runs `write` until it is not refused for a busy journal: each try waits
/// in the busy handler, then it tries again, for up to [`PATIENCE`] in all.
pub fn patiently<T>(mut write: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let started = Instant::now();
    loop {
        match write() {
            Err(error) if is_busy(&error) && started.elapsed() < PATIENCE => {
                std::thread::sleep(Duration::from_millis(50));
            }
            result => return result,
        }
    }
}

/// A write transaction holding the write lock from its start, waited for
/// patiently.
pub fn begin_write(conn: &Connection) -> anyhow::Result<Transaction<'_>> {
    patiently(|| Transaction::new_unchecked(conn, TransactionBehavior::Immediate))
        .map_err(|error| busy_for_long(error, conn))
}

/// Whether `error` says another connection holds the lock.
fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// `error`, said plainly when the journal stayed locked for all of [`PATIENCE`].
fn busy_for_long(error: rusqlite::Error, conn: &Connection) -> anyhow::Error {
    if !is_busy(&error) {
        return error.into();
    }
    let path = conn.path().unwrap_or_default().to_owned();
    anyhow::anyhow!(
        "another process has held the journal `{path}` locked for {} minutes; it is still running or hung: stop it, then apply again",
        PATIENCE.as_secs() / 60
    )
}

/// Refuses a `-wal` or `-shm` beside the journal at `path` that is a link.
fn refuse_links_beside(path: &Path) -> anyhow::Result<()> {
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        refuse_link(Path::new(&name))?;
    }
    Ok(())
}

/// A number as stored: its digits as an integer.
pub fn phone_to_db(phone: Phone) -> i64 {
    phone.as_u64() as i64
}

pub fn phone_from_db(value: i64) -> anyhow::Result<Phone> {
    Phone::from_stored(value).ok_or_else(|| anyhow::anyhow!("the journal holds a malformed number"))
}

/// The current time on the one clock as RFC 3339 UTC, for the journal's
/// time columns.
pub fn now() -> String {
    crate::timestamp::rfc3339(crate::timestamp::now())
}
