//! Where a campaign's state (the journal) lives: `.wacast/` beside the campaign
//! file, unless a `--state-dir` says otherwise.

use std::path::{Path, PathBuf};

/// The state folder's name beside a campaign file.
pub const DEFAULT: &str = ".wacast";

/// The file name of a campaign's results report in its report folder.
pub fn report_name(campaign: &str) -> String {
    format!("{campaign}-report.csv")
}

/// The state folder of the campaign file at `campaign`.
pub fn for_campaign(campaign: &Path, chosen: Option<&Path>) -> PathBuf {
    match chosen {
        Some(dir) => dir.to_path_buf(),
        None => campaign
            .parent()
            .map(|dir| dir.join(DEFAULT))
            .unwrap_or_else(|| PathBuf::from(DEFAULT)),
    }
}
