//! `--durability` through the real binary: by default every commit of the
//! SQLite journal is flushed to disk (the journal survives a power loss),
//! which shows as `fdatasync` calls counted by strace; `normal` (the flag or
//! `WACAST_DURABILITY`) flushes only at checkpoints. Skipped with a notice
//! where strace is not installed. PostgreSQL's `synchronous_commit` is checked
//! on the session itself in `journal/postgres/tests.rs`.

use crate::apply::{Peer, campaign};
use wacast::sandbox::Faults;

/// Recipients sent one at a time, so each outcome is a commit of its own.
const ROWS: usize = 80;

/// How many `fsync` and `fdatasync` calls `wacast apply EXTRA` made, with the
/// environment `env`; `None` when strace is not installed.
fn flushes(extra: &[&str], env: &[(&str, &str)]) -> Option<usize> {
    let test = campaign(ROWS, false, "concurrency: 1");
    let peer = Peer::start(Faults::default());
    let trace = test.path().join("trace.txt");
    let url = peer.url();
    let wacast = env!("CARGO_BIN_EXE_wacast");
    let mut args = vec!["-f", "-qq", "-e", "trace=fsync,fdatasync", "-o"];
    args.extend([trace.to_str().unwrap(), wacast, "apply", "campaign.yaml"]);
    args.extend(["--yes", "--endpoint", url.as_str()]);
    args.extend_from_slice(extra);
    let mut strace = std::process::Command::new("strace");
    strace.args(&args).current_dir(test.path());
    for (name, value) in test.command(&[]).get_envs() {
        match value {
            Some(value) => strace.env(name, value),
            None => strace.env_remove(name),
        };
    }
    let output = strace
        .env_remove("WACAST_DURABILITY")
        .envs(env.iter().copied())
        .output();
    let output = match output {
        Ok(output) => output,
        Err(_) => {
            eprintln!("notice: strace is not installed; skipping a durability test");
            return None;
        }
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let calls = std::fs::read_to_string(&trace).unwrap();
    Some(
        calls
            .lines()
            .filter(|line| line.contains("fsync(") || line.contains("fdatasync("))
            .count(),
    )
}

#[test]
fn every_commit_is_flushed_by_default_and_only_checkpoints_with_normal() {
    let Some(full) = flushes(&[], &[]) else {
        return;
    };
    let normal = flushes(&["--durability", "normal"], &[]).unwrap();
    let by_env = flushes(&[], &[("WACAST_DURABILITY", "normal")]).unwrap();
    assert!(
        full >= ROWS,
        "{full} flushes for {ROWS} recipients sent one by one with durability full"
    );
    // Making, opening and closing the journal flush about a dozen times
    // whatever the durability (four of them since `auto_vacuum` is set
    // before its first table); what `normal` saves is the flush per commit.
    assert!(
        normal < ROWS / 2 && by_env < ROWS / 2,
        "{normal} (flag) and {by_env} (environment) flushes with durability normal"
    );
}
