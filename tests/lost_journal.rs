//! A journal that vanished, was emptied or replaced, in a state that shows
//! the campaign ran before, is an error naming the state, never a fresh
//! start that messages everyone again; and a journal that may only be read
//! still serves `status` and `plan`.

use crate::listen::campaign;
use crate::support::{Run, Test};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;

/// A campaign of four, all sent by a first apply.
fn applied() -> Test {
    let test = campaign();
    let run = test.run(&["apply", "campaign.yaml", "--sandbox", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    test
}

fn journal(test: &Test) -> std::path::PathBuf {
    test.path().join(".wacast/journal.sqlite")
}

/// plan, status and apply all refuse, naming the state folder, and apply
/// sends nothing.
fn refused(test: &Test, problem: &str) {
    for args in [
        &["plan", "campaign.yaml"][..],
        &["status", "campaign.yaml"],
        &["apply", "campaign.yaml", "--sandbox", "--yes"],
    ] {
        let run = test.run(args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.transcript());
        assert!(
            run.stderr.contains("the state `.wacast`"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(problem), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("received"), "{}", run.stderr);
    }
}

#[test]
fn a_deleted_journal_beside_the_campaigns_report_and_lock_is_an_error() {
    let test = applied();
    for name in ["journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"] {
        let _ = std::fs::remove_file(test.path().join(".wacast").join(name));
    }
    refused(&test, "is missing");
    let run = test.run(&["plan", "campaign.yaml"]);
    insta::assert_snapshot!(run.stderr);
    std::fs::remove_file(test.path().join(".wacast/promo-report.csv")).unwrap();
    refused(&test, "`.wacast/promo.lock` is there");
    assert!(!journal(&test).exists(), "nothing was created");
}

#[test]
fn an_emptied_journal_is_an_error() {
    let test = applied();
    std::fs::write(journal(&test), b"").unwrap();
    refused(&test, "is empty (0 bytes)");
}

#[test]
fn a_folder_where_the_journal_should_be_is_an_error() {
    let test = applied();
    std::fs::remove_file(journal(&test)).unwrap();
    std::fs::create_dir(journal(&test)).unwrap();
    for args in [&["plan", "campaign.yaml"][..], &["status", "campaign.yaml"]] {
        let run = test.run(args);
        assert_eq!(run.code, 1, "{}", run.transcript());
        assert!(run.stderr.contains("is not a file"), "{}", run.stderr);
    }
}

#[test]
fn a_journal_that_lost_the_campaigns_rows_is_an_error() {
    let test = applied();
    let db = rusqlite::Connection::open(journal(&test)).unwrap();
    db.execute_batch("DELETE FROM recipients").unwrap();
    drop(db);
    refused(&test, "the journal records 1 run(s) of it that sent");
    let db = rusqlite::Connection::open(journal(&test)).unwrap();
    db.execute_batch("DELETE FROM runs").unwrap();
    drop(db);
    refused(&test, "`.wacast/promo.lock` is there");
}

/// Runs `wacast ARGS` as an unprivileged user when the tests run as root
/// (root reads and writes whatever the modes say).
fn run_unprivileged(test: &Test, args: &[&str]) -> Run {
    let mut command = test.command(args);
    if unsafe { libc::geteuid() } == 0 {
        chown_all(test.path(), 65534);
        command.uid(65534).gid(65534);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn chown_all(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_all(&entry.unwrap().path(), uid);
        }
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn status_and_plan_read_a_journal_in_a_read_only_file_or_folder() {
    let test = applied();
    let state = test.path().join(".wacast");
    for (file, folder) in [(0o444, 0o700), (0o600, 0o500)] {
        chmod(&journal(&test), file);
        chmod(&state, folder);
        let status = run_unprivileged(&test, &["status", "campaign.yaml"]);
        assert_eq!(
            status.code,
            0,
            "{:o}/{:o}: {}",
            file,
            folder,
            status.transcript()
        );
        assert!(status.stdout.contains("4 sent"), "{}", status.stdout);
        let plan = run_unprivileged(&test, &["plan", "campaign.yaml"]);
        assert_eq!(plan.code, 0, "{}", plan.transcript());
        assert!(
            plan.stdout.starts_with("Plan: 0 to send, 4 already sent"),
            "{}",
            plan.stdout
        );
        chmod(&state, 0o700);
    }
    chmod(&journal(&test), 0o000);
    let unreadable = run_unprivileged(&test, &["plan", "campaign.yaml"]);
    assert_eq!(unreadable.code, 1, "{}", unreadable.transcript());
    assert!(
        unreadable
            .stderr
            .contains("cannot read the journal `.wacast/journal.sqlite`"),
        "{}",
        unreadable.stderr
    );
}
