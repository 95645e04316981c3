//! One SQLite journal shared by several processes, through the real binary:
//! apply and `listen` wait out another process's long write (no stop, no
//! 503, no outcome lost), and staging a large plan while sending leaves the
//! journal writable for others meanwhile.

use crate::apply::{Peer, campaign, statuses};
use crate::listen::post;
use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use wacast::sandbox::Faults;

/// How long this test keeps the journal locked: longer than one try of a
/// writer's busy handler, which was all a writer used to wait.
const HELD: Duration = Duration::from_secs(7);

/// A connection of the test's own to the journal at `path`, waiting as long
/// as it takes for the write lock.
fn connect(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(120)).unwrap();
    conn
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Recipients the journal at `journal` holds as sent (0 while unreadable).
pub(crate) fn sent(journal: &Path) -> i64 {
    let Ok(conn) = Connection::open(journal) else {
        return 0;
    };
    conn.query_row(
        "SELECT COUNT(*) FROM recipients WHERE state = 'sent'",
        [],
        |row| row.get(0),
    )
    .unwrap_or(0)
}

/// A delivery report for a message nobody sent (kept as an orphan): a write
/// of the listener's like any other.
fn report(n: usize) -> String {
    serde_json::json!({"type": "whatsapp", "statuses": [{
        "status": "success", "state": "delivered", "message_id": format!("elsewhere-{n}"),
        "recipient": "+447400999999", "timestamp": "2026-11-21T10:00:00Z",
    }]})
    .to_string()
}

#[test]
fn apply_and_listen_wait_out_another_process_holding_the_journal() {
    let test = campaign(240, false, "rate_per_second: 30, concurrency: 4");
    let peer = Peer::start(Faults::default());
    let url = peer.url();
    let mut apply = test
        .command(&["apply", "campaign.yaml", "--yes", "--endpoint", &url])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let journal = test.path().join(".wacast/journal.sqlite");
    wait_for("the first sends", || sent(&journal) > 10);
    let listener = test.listen(&["--campaign", "campaign.yaml"]);
    assert!(!listener.base.is_empty(), "{}", listener.first);

    let finished = AtomicBool::new(false);
    let (answered, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let callbacks = format!("{}/callbacks/spring", listener.base);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let mut n = 0;
            while !finished.load(Ordering::Relaxed) {
                n += 1;
                let (status, _) = runtime.block_on(post(&callbacks, &report(n), &[]));
                let counter = match status.is_success() {
                    true => &answered,
                    false => &refused,
                };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        let holder = connect(&journal);
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        std::thread::sleep(HELD);
        holder.execute_batch("COMMIT").unwrap();
        let code = apply.wait().unwrap().code();
        finished.store(true, Ordering::Relaxed);
        let mut said = String::new();
        std::io::Read::read_to_string(&mut apply.stderr.take().unwrap(), &mut said).unwrap();
        assert_eq!(code, Some(0), "{said}");
    });
    let (code, said) = listener.interrupt();
    assert_eq!(code, 0, "{said}");
    assert_eq!(refused.load(Ordering::Relaxed), 0, "callbacks refused");
    assert!(answered.load(Ordering::Relaxed) > 0);
    assert_eq!(statuses(&test).get("sent"), Some(&240));
    assert_eq!(peer.handle().messages().len(), 240);
}

#[test]
fn staging_a_large_plan_leaves_the_journal_writable_meanwhile() {
    let test = campaign(20_000, false, "rate_per_second: 100000, concurrency: 32");
    let peer = Peer::start_with(wacast::sandbox::SandboxConfig {
        keep_messages: 0,
        ..wacast::sandbox::SandboxConfig::default()
    });
    let started = Instant::now();
    // Staging publishes the plan in chunks while apply sends.
    let mut apply = test
        .command(&["apply", "campaign.yaml", "--yes", "--endpoint", &peer.url()])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let journal = test.path().join(".wacast/journal.sqlite");
    let mut longest = Duration::ZERO;
    let mut other: Option<Connection> = None;
    while apply.try_wait().unwrap().is_none() {
        if other.is_none() && journal.exists() {
            other = Some(connect(&journal));
        }
        if let Some(conn) = &other {
            let asked = Instant::now();
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            longest = longest.max(asked.elapsed());
            conn.execute_batch("COMMIT").unwrap();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let took = started.elapsed();
    assert_eq!(apply.wait().unwrap().code(), Some(0));
    assert_eq!(sent(&journal), 20_000);
    assert!(
        longest * 3 < took,
        "another writer waited {longest:?} for the journal while apply staged for {took:?}"
    );
}
