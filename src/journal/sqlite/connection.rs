//! Connections to a state folder's `journal.sqlite`: the writing one (created
//! if needed, owner-only, WAL) and read-only ones that never create anything.

use super::schema::SCHEMA;
use crate::fs::{create_private_dir, restrict_to_owner};
use crate::phone::Phone;
use anyhow::Context as _;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The journal's file name inside a state folder.
pub const FILE: &str = "journal.sqlite";

/// How long a connection waits for another's write lock.
const BUSY: Duration = Duration::from_secs(5);

/// Opens (creating if needed) the journal in `state_dir`. The folder and the
/// file are readable by their owner only.
pub fn open_writer(state_dir: &Path) -> anyhow::Result<(Connection, PathBuf)> {
    create_private_dir(state_dir)?;
    let path = state_dir.join(FILE);
    let conn = Connection::open(&path)
        .with_context(|| format!("cannot open the journal `{}`", path.display()))?;
    restrict_to_owner(&path)?;
    conn.busy_timeout(BUSY)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -16384)?;
    conn.execute_batch(SCHEMA)
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
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).with_context(context)?;
    conn.busy_timeout(BUSY)?;
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

/// A number as stored: its digits as an integer.
pub fn phone_to_db(phone: Phone) -> i64 {
    phone.as_u64() as i64
}

pub fn phone_from_db(value: i64) -> anyhow::Result<Phone> {
    Phone::from_digits(&value.to_string())
        .ok_or_else(|| anyhow::anyhow!("the journal holds a malformed number"))
}

/// The current time as RFC 3339 UTC, for the journal's time columns.
pub fn now() -> String {
    crate::timestamp::rfc3339(std::time::SystemTime::now())
}
