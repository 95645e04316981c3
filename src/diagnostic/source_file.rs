//! A text file read once and kept for diagnostics: its path as the user wrote it,
//! its text, and a way to quote the line a problem is on.

use anyhow::Context as _;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    /// Reads `path` as UTF-8 text.
    pub fn read(path: &Path) -> anyhow::Result<SourceFile> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
        let text = String::from_utf8(bytes).map_err(|error| {
            anyhow::anyhow!(
                "`{}` is not UTF-8 text (byte {})",
                path.display(),
                error.utf8_error().valid_up_to()
            )
        })?;
        Ok(SourceFile {
            path: path.to_owned(),
            text,
        })
    }

    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// Line `number` (from 1), without its line ending.
    pub fn line(&self, number: u64) -> Option<&str> {
        let index = usize::try_from(number.checked_sub(1)?).ok()?;
        self.text
            .lines()
            .nth(index)
            .map(|line| line.trim_end_matches('\r'))
    }
}
