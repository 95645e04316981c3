//! Connections to a state folder's `journal.sqlite`: the writing one (created
//! if needed, owner-only, WAL) and read-only ones that never create anything.
//! Neither follows a symbolic link: the journal, its `-wal` and its `-shm`
//! must be files of their own.

use super::schema::SCHEMA;
use crate::fs::{create_private_dir, create_state_file, refuse_link};
use crate::journal::Durability;
use crate::phone::Phone;
use anyhow::Context as _;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The journal's file name inside a state folder.
pub const FILE: &str = "journal.sqlite";

/// How long a connection waits for another's write lock.
const BUSY: Duration = Duration::from_secs(5);

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
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::default() | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )
    .with_context(|| format!("cannot open the journal `{}`", path.display()))?;
    conn.busy_timeout(BUSY)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", durability.sqlite_synchronous())?;
    conn.pragma_update(None, "cache_size", -16384)?;
    conn.execute_batch(SCHEMA)
        .with_context(|| format!("cannot set up the journal `{}`", path.display()))?;
    Ok((conn, path))
}

/// A read-only connection to the journal at `path`; in WAL mode it reads
/// committed state while another connection writes.
pub fn open_reader(path: &Path, verb: &str) -> anyhow::Result<Connection> {
    refuse_link(path)?;
    refuse_links_beside(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )
    .with_context(|| format!("cannot {verb} the journal `{}`", path.display()))?;
    conn.busy_timeout(BUSY)?;
    Ok(conn)
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
    Phone::from_digits(&value.to_string())
        .ok_or_else(|| anyhow::anyhow!("the journal holds a malformed number"))
}

/// The current time as RFC 3339 UTC, for the journal's time columns.
pub fn now() -> String {
    crate::timestamp::rfc3339(std::time::SystemTime::now())
}
