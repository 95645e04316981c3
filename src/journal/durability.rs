//! How hard the journal works to keep a commit through a power loss. The
//! default survives one: a commit is on disk before apply sends the request
//! it records or the listener answers the callback. The group-commit writer
//! (`writer.rs`) pays the flush once per group, not once per recipient.
//! `normal` trades that away explicitly: a commit survives wacast crashing,
//! but an operating-system crash or a power loss may lose the last ones
//! (a recorded intent, so its recipient may be messaged again, or a
//! callback already answered 200).
//!
//! SQLite in WAL mode: `full` is `synchronous=FULL`, the WAL flushed at every
//! commit; `normal` is `synchronous=NORMAL`, flushed only at checkpoints
//! (<https://www.sqlite.org/pragma.html#pragma_synchronous>). PostgreSQL:
//! `full` is `synchronous_commit = on` for wacast's session, `normal` is
//! `off` (<https://www.postgresql.org/docs/current/wal-async-commit.html>),
//! which risks the last commits but never the database's consistency.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// Every commit is flushed to disk before anyone hears back.
    #[default]
    Full,
    /// Commits survive a crash of wacast, not necessarily of the machine.
    Normal,
}

impl Durability {
    /// The setting as `--durability` and `WACAST_DURABILITY` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Durability::Full => "full",
            Durability::Normal => "normal",
        }
    }

    /// SQLite's `synchronous` pragma for this setting.
    pub fn sqlite_synchronous(self) -> &'static str {
        match self {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        }
    }

    /// PostgreSQL's `synchronous_commit` for this setting.
    pub fn postgres_synchronous_commit(self) -> &'static str {
        match self {
            Durability::Full => "on",
            Durability::Normal => "off",
        }
    }
}
