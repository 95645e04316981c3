//! Where a campaign's state lives, chosen once at the edge; it picks the
//! backend. A folder holds a SQLite journal; a `postgres://` (or
//! `postgresql://`) URL names a shared PostgreSQL journal. The URL is shown
//! with its password masked, in `Display` and `Debug` alike.

use super::postgres::PgLocation;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub enum StateLocation {
    /// A state folder (`.wacast/` by default) holding `journal.sqlite`.
    Folder(PathBuf),
    /// A schema in a PostgreSQL database.
    Postgres(Box<PgLocation>),
}

impl StateLocation {
    /// The state location `--state` or `WACAST_STATE` names: a database URL,
    /// else a folder. A URL that cannot be used is an error naming it
    /// (masked) and the field at fault.
    pub fn parse(text: &str) -> anyhow::Result<StateLocation> {
        if is_url(text) {
            Ok(StateLocation::Postgres(Box::new(PgLocation::parse(text)?)))
        } else {
            Ok(StateLocation::Folder(PathBuf::from(text)))
        }
    }

    /// The state location of the campaign file at `campaign`: the chosen
    /// one, else `.wacast/` beside it.
    pub fn for_campaign(campaign: &Path, chosen: Option<&StateLocation>) -> StateLocation {
        match chosen {
            Some(location) => location.clone(),
            None => StateLocation::Folder(super::state_dir::for_campaign(campaign, None)),
        }
    }

    /// The folder apply writes its report into by default: the state folder,
    /// or `.wacast/` beside the campaign when the state is in a database.
    pub fn report_folder(&self, campaign: &Path) -> PathBuf {
        match self {
            StateLocation::Folder(dir) => dir.clone(),
            StateLocation::Postgres(_) => super::state_dir::for_campaign(campaign, None),
        }
    }
}

impl StateLocation {
    /// The files holding the state, which nothing may be written over.
    pub fn state_files(&self) -> Vec<PathBuf> {
        match self {
            StateLocation::Folder(dir) => ["", "-wal", "-shm"]
                .iter()
                .map(|suffix| dir.join(format!("{}{suffix}", super::sqlite::FILE)))
                .collect(),
            StateLocation::Postgres(_) => Vec::new(),
        }
    }
}

/// Whether `text` is a database URL rather than a folder.
fn is_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

impl PartialEq for StateLocation {
    fn eq(&self, other: &StateLocation) -> bool {
        match (self, other) {
            (StateLocation::Folder(a), StateLocation::Folder(b)) => a == b,
            (StateLocation::Postgres(a), StateLocation::Postgres(b)) => {
                a.masked() == b.masked() && a.schema() == b.schema()
            }
            _ => false,
        }
    }
}

impl Eq for StateLocation {}

impl From<PathBuf> for StateLocation {
    fn from(folder: PathBuf) -> StateLocation {
        StateLocation::Folder(folder)
    }
}

impl fmt::Display for StateLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateLocation::Folder(dir) => write!(f, "{}", dir.display()),
            StateLocation::Postgres(location) => write!(f, "{location}"),
        }
    }
}
