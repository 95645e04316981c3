//! What a state folder holds where its journal should be, checked before the
//! journal is opened or created: a readable file, nothing (or an empty file,
//! which SQLite would take for a new journal), or something that is no
//! journal at all (a folder). Nothing where a journal should be, in a folder
//! that shows a campaign ran before (its lock file, its results report), is
//! a [`LostJournal`], never a fresh start.

use super::connection::FILE;
use crate::journal::LostJournal;
use crate::journal::state_dir;
use std::path::{Path, PathBuf};

/// The journal file of a state folder, as found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JournalFile {
    /// A file with content.
    Present,
    /// No file, or an empty one: there is no journal yet.
    Absent,
}

/// Inspects `state_dir`'s journal for `campaign` (empty: no campaign in
/// particular). An error names the file or the evidence it contradicts.
pub fn inspect(state_dir: &Path, campaign: &str) -> anyhow::Result<JournalFile> {
    let path = state_dir.join(FILE);
    let found = match std::fs::metadata(&path) {
        Ok(meta) if meta.is_file() && meta.len() > 0 => return Ok(JournalFile::Present),
        Ok(meta) if meta.is_file() => "is empty (0 bytes)",
        Ok(_) => anyhow::bail!(
            "the journal `{}` is not a file; move it away or restore the journal",
            path.display()
        ),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => "is missing",
        Err(error) => anyhow::bail!("cannot read the journal `{}`: {error}", path.display()),
    };
    match ran_before(state_dir, campaign) {
        // A link where wacast keeps a state file is refused as such: it is
        // no evidence of a run, and wacast never follows it.
        Some(evidence) if crate::fs::refuse_link(&evidence).is_err() => {
            crate::fs::refuse_link(&evidence).map(|()| JournalFile::Absent)
        }
        Some(evidence) => Err(LostJournal {
            location: state_dir.display().to_string(),
            campaign: campaign.to_owned(),
            evidence: format!("`{}` is there", evidence.display()),
            problem: format!("its journal `{}` {found}", path.display()),
        }
        .into()),
        None => Ok(JournalFile::Absent),
    }
}

/// A file of `state_dir` that only a run of `campaign` leaves: its apply
/// lock or its results report.
pub fn ran_before(state_dir: &Path, campaign: &str) -> Option<PathBuf> {
    if campaign.is_empty() {
        return None;
    }
    [
        super::file_lock::FileLock::path(state_dir, campaign),
        state_dir.join(state_dir::report_name(campaign)),
    ]
    .into_iter()
    .find(|path| path.symlink_metadata().is_ok())
}
