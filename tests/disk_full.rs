//! A full disk during apply, for real: the running apply's file-size limit
//! (RLIMIT_FSIZE, its SIGXFSZ ignored) is dropped to one byte while it
//! sends, so every write of the journal and of the report fails as on a
//! full disk. apply stops resumably (exit 5), names the folder and says how
//! to resume, prints the run's summary, and says which accepted sends it
//! could not record; the next apply messages nobody twice.

use crate::apply::{Peer, apply, campaign};
use crate::shared_journal::sent;
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};
use wacast::sandbox::{Faults, Latency};

const ROWS: usize = 60;

/// Drops the file-size limit of process `pid` to one byte.
fn fill_disk(pid: u32) {
    let limit = libc::rlimit {
        rlim_cur: 1,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: prlimit reads the struct it is given; the process is our child.
    let set = unsafe {
        libc::prlimit(
            pid as libc::pid_t,
            libc::RLIMIT_FSIZE,
            &limit,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(set, 0, "prlimit: {}", std::io::Error::last_os_error());
}

#[test]
fn a_full_disk_stops_apply_resumably_and_loses_no_accepted_send_silently() {
    let test = campaign(ROWS, false, "rate_per_second: 20, concurrency: 2");
    let peer = Peer::start(Faults {
        latency: Some(Latency::Fixed(Duration::from_millis(20))),
        ..Faults::default()
    });
    let url = peer.url();
    let mut command = test.command(&["apply", "campaign.yaml", "--yes", "--endpoint", &url]);
    // SAFETY: signal is async-signal-safe; an ignored signal stays ignored
    // across exec, so writes past the limit fail with EFBIG instead of
    // killing the process.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let journal = test.path().join(".wacast/journal.sqlite");
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent(&journal) < 10 {
        assert!(Instant::now() < deadline, "apply never sent");
        std::thread::sleep(Duration::from_millis(10));
    }
    fill_disk(child.id());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("`.wacast`"), "names no folder: {stderr}");
    assert!(stderr.contains("apply again"), "no resume hint: {stderr}");
    assert!(stderr.contains("this run: "), "no run summary: {stderr}");

    let again = apply(&test, &peer, &[]);
    assert!(matches!(again.code, 0 | 4), "{}", again.transcript());
    let twice: Vec<_> = peer
        .received()
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .collect();
    assert!(twice.is_empty(), "messaged twice: {twice:?}");
    let unknown = crate::apply::statuses(&test)
        .get("unknown")
        .copied()
        .unwrap_or(0);
    if unknown > 0 {
        assert!(
            stderr.contains("could not be recorded and will read as `unknown`"),
            "{unknown} unknown, not said: {stderr}"
        );
    }
    assert_eq!(peer.received().len(), ROWS, "everyone is messaged once");
}

#[test]
fn a_report_that_cannot_be_written_after_sending_still_leaves_the_run_summary() {
    let test = campaign(3, false, "");
    let peer = Peer::start(Faults::default());
    // The report's folder would be a file: it cannot be made.
    let run = apply(&test, &peer, &["--report", "audience.csv/report.csv"]);
    let stderr = run.stderr.replace(&peer.url(), "http://[sandbox]");
    // Progress lines and rates depend on timing.
    let rate = regex::Regex::new(r"\d+ recipients/s").unwrap();
    let stable: Vec<String> = stderr
        .lines()
        .filter(|line| !line.starts_with("progress:"))
        .map(|line| rate.replace(line, "[rate] recipients/s").into_owned())
        .collect();
    insta::assert_snapshot!(format!("exit: {}\n{}", run.code, stable.join("\n")));
    assert_eq!(peer.received().len(), 3);
}
