//! Where a campaign's state lives, chosen once at the edge; it picks the
//! backend. A folder holds a SQLite journal; a database URL will hold a
//! shared one.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateLocation {
    /// A state folder (`.wacast/` by default) holding `journal.sqlite`.
    Folder(PathBuf),
}

impl StateLocation {
    /// The state location of the campaign file at `campaign`: the chosen
    /// folder, else `.wacast/` beside it.
    pub fn for_campaign(campaign: &Path, chosen: Option<&Path>) -> StateLocation {
        StateLocation::Folder(super::state_dir::for_campaign(campaign, chosen))
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
        }
    }
}

impl From<PathBuf> for StateLocation {
    fn from(folder: PathBuf) -> StateLocation {
        StateLocation::Folder(folder)
    }
}

impl fmt::Display for StateLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateLocation::Folder(dir) => write!(f, "{}", dir.display()),
        }
    }
}
