//! The journal's conformance suite on SQLite journals in temporary folders,
//! and what only this backend promises: the file, its modes, and a view that
//! creates no folder.

use crate::journal::conformance::{self, Factory};
use crate::journal::{StateLocation, open, open_view};
use std::cell::Cell;

struct Folders {
    root: tempfile::TempDir,
    next: Cell<u32>,
}

impl Factory for Folders {
    fn fresh(&self) -> StateLocation {
        self.next.set(self.next.get() + 1);
        StateLocation::Folder(self.root.path().join(format!("state-{}", self.next.get())))
    }
}

#[test]
fn sqlite_passes_the_conformance_suite() {
    conformance::run_all(&Folders {
        root: tempfile::tempdir().unwrap(),
        next: Cell::new(0),
    });
}

#[test]
fn the_journal_is_an_owner_only_file_and_a_view_creates_no_folder() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join(".wacast");
    let location = StateLocation::Folder(dir.clone());
    assert!(open_view(&location, "c").unwrap().is_none());
    assert!(!dir.exists(), "a view creates nothing");
    drop(open(&location, "c").unwrap());
    assert!(dir.join(super::FILE).is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(super::FILE)), 0o600);
    }
}
