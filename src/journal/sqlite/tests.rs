//! The journal's conformance suite on SQLite journals in temporary folders,
//! and what only this backend promises or lets a test arrange: the file, its
//! modes, a view that creates no folder, and writes that fail (a trigger
//! refusing one recipient stands in for a full disk).

use crate::journal::conformance::{self, Factory};
use crate::journal::{
    Applied, Backend, Change, DeliveryState, JournalWriter, Outcome, Report, Requeue, State,
    StateLocation, open, open_view,
};
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

/// A journal as wacast made it before its layout was versioned: recipient 1
/// sent as `m1` and reported delivered, 2 pending with its body, 3 unknown,
/// and an orphan report.
fn old_layout_journal(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join(super::connection::FILE)).unwrap();
    conn.execute_batch(include_str!(
        "../../../tests/fixtures/journal-v0/schema.sql"
    ))
    .unwrap();
    let digest = |n: u64| MessageDigest::of_bytes(format!("{{\"n\":{n}}}").as_bytes()).0;
    let at = "2026-11-21T10:00:00Z";
    conn.execute(
        "INSERT INTO runs (id, campaign, pid, started_at, finished_at, outcome)
         VALUES (1, 'c', 1, ?1, ?1, 'stopped: interrupted')",
        [at],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO messages (digest, body) VALUES (?1, '{\"n\":2}')",
        [digest(2).as_slice()],
    )
    .unwrap();
    for (n, state, id) in [
        (1, "sent", Some("m1")),
        (2, "pending", None),
        (3, "unknown", None),
    ] {
        conn.execute(
            "INSERT INTO recipients (campaign, phone, line, digest, state, message_id, attempts,
                 planned_run, sent_digest, updated_at)
             VALUES ('c', ?1, ?2, ?3, ?4, ?5, 1, 1, CASE WHEN ?4 = 'sent' THEN ?3 END, ?6)",
            rusqlite::params![
                phone(n).as_u64() as i64,
                n as i64 + 1,
                digest(n).as_slice(),
                state,
                id,
                at
            ],
        )
        .unwrap();
    }
    conn.execute_batch(&format!(
        "INSERT INTO deliveries (campaign, phone, message_id, delivery_state, rank, delivered_at,
             updated_at)
         VALUES ('c', {}, 'm1', 'delivered', 5, '2026-11-21T10:00:05Z', '{at}');
         INSERT INTO delivery_events (message_id, state, campaign, phone, outcome, reported_at,
             received_at)
         VALUES ('m1', 'delivered', 'c', {0}, 'recorded', '{at}', '{at}'),
                ('zz', 'read', NULL, NULL, 'orphan', '{at}', '{at}');",
        phone(1).as_u64()
    ))
    .unwrap();
}

fn report(id: &str, n: u64, progress: DeliveryState) -> Report {
    Report {
        campaign: Some("c".into()),
        message_id: id.into(),
        recipient: Some(phone(n)),
        state: format!("{progress:?}").to_lowercase(),
        progress,
        details: None,
        timestamp: Some(format!("2026-11-21T10:00:0{}Z", progress.rank())),
    }
}

#[test]
fn a_journal_of_the_old_layout_is_read_as_it_is_and_migrated_when_written() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join(".wacast");
    old_layout_journal(&dir);
    let location = StateLocation::Folder(dir.clone());
    let before = open_view(&location, "c").unwrap().unwrap();
    let summary = before.delivery_summary().unwrap();
    assert_eq!((summary.orphans, summary.states.pending), (1, 1));
    drop(before);

    let mut journal = open(&location, "c").unwrap();
    let conn = rusqlite::Connection::open(dir.join(super::connection::FILE)).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, super::schema::MIGRATIONS.len() as i64);
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'recipients' AND type = 'index' ORDER BY 1")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(indexes, ["recipients_message", "recipients_pending"]);
    // Recipients not sent yet stay out of the message-id index, and a
    // report's lookup by id still reads it.
    let message_index: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'recipients_message'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(
        message_index.ends_with("WHERE message_id IS NOT NULL"),
        "{message_index}"
    );
    let lookup: Vec<String> = conn
        .prepare(&format!(
            "EXPLAIN QUERY PLAN {}",
            super::sqlite_delivery_writer::BY_MESSAGE_ID
        ))
        .unwrap()
        .query_map(["m1", "c"], |row| row.get(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        lookup
            .iter()
            .any(|step| step.contains("USING INDEX recipients_message")),
        "{lookup:?}"
    );

    use Applied::*;
    let mut record = |report: &Report| journal.record_report(report).unwrap();
    assert_eq!(
        record(&report("m1", 1, DeliveryState::Delivered)),
        Duplicate,
        "recorded before the migration"
    );
    let read = report("m1", 1, DeliveryState::Read);
    assert_eq!([record(&read), record(&read)], [Recorded, Duplicate]);
    let reconciling = report("m3", 3, DeliveryState::Sent);
    assert_eq!(
        [record(&reconciling), record(&reconciling)],
        [Reconciled, Duplicate]
    );
    let delivery = journal.delivery_of(phone(1)).unwrap().unwrap();
    assert_eq!(
        (
            delivery.delivery_state.as_str(),
            delivery.delivered_at.as_deref()
        ),
        ("read", Some("2026-11-21T10:00:05Z"))
    );
    let pending = journal.pending(1, 0, 10).unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|row| (row.phone, row.body.as_str()))
            .collect::<Vec<_>>(),
        [(phone(2), "{\"n\":2}")]
    );
    let summary = journal.delivery_summary().unwrap();
    assert_eq!(
        (summary.orphans, summary.reconciled, summary.states.sent),
        (1, 1, 2)
    );
    drop(journal);
    assert!(
        open(&location, "c").is_ok(),
        "a second open migrates nothing"
    );
}

#[test]
fn a_runs_end_deletes_the_bodies_of_recipients_sent_and_frees_their_pages() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join(".wacast");
    let location = StateLocation::Folder(dir.clone());
    let mut journal = open(&location, "c").unwrap();
    let run = journal.begin_run().unwrap();
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    let filler = "x".repeat(2_000);
    for n in 1..=400 {
        let body = format!("{{\"n\":{n},\"filler\":\"{filler}\"}}");
        let digest = MessageDigest::of_bytes(body.as_bytes());
        stage.recipient(phone(n), n + 1, &digest, &body).unwrap();
    }
    stage.publish().unwrap();
    drop(stage);
    let sent: Vec<Phone> = (1..=399).map(phone).collect();
    journal.mark_in_flight(&sent).unwrap();
    let outcomes: Vec<Outcome> = sent
        .iter()
        .map(|&phone| Outcome {
            phone,
            state: State::Sent,
            message_id: Some(format!("m{}", phone.as_u64())),
            http_status: None,
            error: None,
        })
        .collect();
    journal.record(&outcomes).unwrap();
    let conn = rusqlite::Connection::open(dir.join(super::connection::FILE)).unwrap();
    let pages = || -> i64 {
        conn.query_row("PRAGMA page_count", [], |row| row.get(0))
            .unwrap()
    };
    let full = pages();
    journal.finish_run(run, "stopped: interrupted").unwrap();
    let bodies: i64 = conn
        .query_row("SELECT COUNT(*) FROM messages", [], |row| row.get(0))
        .unwrap();
    assert_eq!(bodies, 1, "recipient 400's, still to send");
    assert!(
        pages() < full / 4,
        "the pages freed go back: {} of {full}",
        pages()
    );
    assert_eq!(journal.pending(run, 0, 10).unwrap()[0].phone, phone(400));
}
