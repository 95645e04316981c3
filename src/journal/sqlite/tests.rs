//! The journal's conformance suite on SQLite journals in temporary folders,
//! and what only this backend promises or lets a test arrange: the file, its
//! modes, a view that creates no folder, and writes that fail (a trigger
//! refusing one recipient stands in for a full disk).

use crate::journal::conformance::{self, Factory};
use crate::journal::{Backend, Change, JournalWriter, Requeue, StateLocation, open, open_view};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use std::cell::Cell;
use std::path::Path;

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
    assert!(dir.join(super::connection::FILE).is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(super::connection::FILE)), 0o600);
    }
}

/// A journal where any change to recipient `refused` fails, as a full disk
/// or a broken connection would.
fn journal_refusing(dir: &Path, refused: Phone) -> Box<dyn Backend> {
    let location = StateLocation::Folder(dir.to_path_buf());
    let mut journal = open(&location, "c").unwrap();
    let run = journal.begin_run().unwrap();
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    let message = MessageDigest::of_bytes(b"a");
    for n in [1, 2] {
        stage.recipient(phone(n), n + 1, &message, "{}").unwrap();
    }
    stage.publish().unwrap();
    drop(stage);
    rusqlite::Connection::open(dir.join(super::connection::FILE))
        .unwrap()
        .execute_batch(&format!(
            "CREATE TRIGGER refuse BEFORE UPDATE ON recipients WHEN NEW.phone = {}
             BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            refused.as_u64()
        ))
        .unwrap();
    journal
}

fn phone(n: u64) -> Phone {
    Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap()
}

#[test]
fn a_write_that_fails_keeps_none_of_its_changes() {
    let root = tempfile::tempdir().unwrap();
    let mut journal = journal_refusing(root.path(), phone(2));
    let failed = journal.write(&[
        Change::InFlight(vec![phone(1)]),
        Change::InFlight(vec![phone(2)]),
    ]);
    assert!(failed.is_err());
    assert_eq!(journal.counts().unwrap().pending, 2, "phone 1 is untouched");
}

#[test]
fn the_writer_answers_every_write_of_a_failed_group_with_the_error() {
    let root = tempfile::tempdir().unwrap();
    let journal = journal_refusing(root.path(), phone(2));
    let (writer, thread) = JournalWriter::<()>::spawn(journal, 8).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (kept, refused) = runtime.block_on(async {
        let kept = writer.write(vec![Change::InFlight(vec![phone(1)])]).await;
        let page = writer.pending(1, 0, 10).await.unwrap();
        assert_eq!(page.len(), 1, "the reader sees the committed intent");
        let refused = writer.write(vec![Change::InFlight(vec![phone(2)])]).await;
        (kept, refused)
    });
    drop(writer);
    let journal = thread.join().unwrap();
    assert_eq!(kept, Ok(()));
    assert!(refused.unwrap_err().contains("refused"));
    let counts = journal.counts().unwrap();
    assert_eq!((counts.in_flight, counts.pending), (1, 1));
}
