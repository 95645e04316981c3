//! The million-recipient path, end to end, with the plan benchmark's audience
//! (6 columns, 3 body parameters): `cargo bench --bench million` (add
//! `-- --rows N` for another size, `--runs R` for the interleaved runs of
//! the plans and the second apply; with `DATABASE_URL` set, the journal is
//! in PostgreSQL, a schema of the benchmark's own).
//!
//! In one run it measures, each as the ratio it is judged by:
//!
//! - `apply` against a sandbox on loopback (rate limit out of the way, 64 in
//!   flight): the whole command against its send phase, and how long after
//!   the start the first request reached the sandbox;
//! - `apply` again when everything was sent (it sends nothing), against
//!   `plan` of the same campaign without a journal;
//! - `plan` against the journal of the finished apply, against `plan`
//!   without a journal (runs interleaved with the second apply's, medians);
//! - the journal's bytes a recipient after an apply of the same campaign
//!   whose sandbox reports every message's delivery (five reports each) to
//!   `wacast listen` on the journal (`--reports-rows N` for another size;
//!   with `DATABASE_URL`, the bytes of a schema of its own).

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wacast::sandbox::{Sandbox, SandboxConfig, SandboxHandle};

const TOKEN: &str = "bench-token";
const DELIVERY: &str = "delivery: {concurrency: 64, rate_per_second: 100000, max_attempts: 5}\n";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows = argument(&args, "--rows").unwrap_or(1_000_000);
    let runs = argument(&args, "--runs").unwrap_or(3);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = Arc::new(
        runtime
            .block_on(Sandbox::start(SandboxConfig {
                bot_id: "bench-bot".into(),
                token: TOKEN.into(),
                keep_messages: 0,
                ..SandboxConfig::default()
            }))
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    common::write_shaped_campaign(dir.path(), rows, false, DELIVERY);
    // `DATABASE_URL` puts the journal in PostgreSQL (a schema of the
    // benchmark's own), else it is SQLite in the campaign's folder.
    let schema = std::env::var("DATABASE_URL")
        .ok()
        .map(|url| common::BenchSchema::new(&url));
    let state: Vec<&str> = schema
        .as_ref()
        .map_or(Vec::new(), |schema| vec!["--state", &schema.url]);
    println!(
        "journal: {}",
        if schema.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );

    let first = timed_apply(dir.path(), &sandbox, &state);
    println!(
        "apply, {rows} recipients: {:.2} s in all, sending {:.2} s (whole / send = {:.2}); first request {:.2} s after the start",
        first.wall,
        first.send,
        first.wall / first.send,
        first.first_request.unwrap_or(f64::NAN)
    );

    // Interleaved: plan without a journal, plan against the finished
    // apply's, and apply again (which sends nothing).
    let empty = tempfile::tempdir().unwrap();
    let no_journal = ["--state", empty.path().to_str().unwrap()];
    let (mut plain, mut journaled, mut again) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        plain.push(plan(dir.path(), &no_journal));
        journaled.push(plan(dir.path(), &state));
        let applied = timed_apply(dir.path(), &sandbox, &state);
        assert_eq!(applied.sent, 0, "a second apply sends nothing");
        again.push(applied.wall);
    }
    let spread = |runs: &[f64]| {
        let low = runs.iter().copied().fold(f64::INFINITY, f64::min);
        let high = runs.iter().copied().fold(0.0, f64::max);
        format!("{low:.2} to {high:.2} s")
    };
    let (plain_spread, journaled_spread, again_spread) =
        (spread(&plain), spread(&journaled), spread(&again));
    let plain = common::median(&mut plain);
    let journaled = common::median(&mut journaled);
    let again = common::median(&mut again);
    println!(
        "plan, {rows} rows, {runs} runs each: without a journal median {plain:.2} s ({plain_spread}), against the journal of the finished apply median {journaled:.2} s ({journaled_spread}; {:.2} x)",
        journaled / plain
    );
    println!(
        "apply again, sending nothing, {runs} runs: median {again:.2} s ({again_spread}; {:.2} x plan without a journal, {:.2} x plan against it)",
        again / plain,
        again / journaled
    );
    drop(schema);

    let reports_rows = argument(&args, "--reports-rows").unwrap_or(rows);
    let reports_schema = std::env::var("DATABASE_URL")
        .ok()
        .map(|url| common::BenchSchema::new(&url));
    with_reports(&runtime, reports_rows, reports_schema.as_ref());
    if let Ok(sandbox) = Arc::try_unwrap(sandbox) {
        runtime.block_on(sandbox.shutdown());
    }
}

/// An apply of `rows` against a second sandbox that reports each message's
/// delivery (queued, dispatched, sent, delivered, read) to `wacast listen` on
/// the campaign's journal, as a real campaign's provider does: the journal's
/// bytes a recipient once every report is recorded (the SQLite file, or
/// with `schema` every table of that PostgreSQL schema, indexes included).
fn with_reports(
    runtime: &tokio::runtime::Runtime,
    rows: usize,
    schema: Option<&common::BenchSchema>,
) {
    let dir = tempfile::tempdir().unwrap();
    common::write_shaped_campaign(dir.path(), rows, false, DELIVERY);
    let state: Vec<&str> = schema.map_or(Vec::new(), |schema| vec!["--state", &schema.url]);
    let mut listener = wacast(dir.path())
        .args([
            "listen",
            "--listen",
            "127.0.0.1:0",
            "--campaign",
            "campaign.yaml",
        ])
        .args(&state)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let listening = listening_url(&mut listener);
    let mut config = SandboxConfig {
        bot_id: "bench-bot".into(),
        token: TOKEN.into(),
        keep_messages: 0,
        ..SandboxConfig::default()
    };
    config.delivery.callback_url = Some(format!("{listening}/callbacks/bench"));
    config.delivery.step_delay = Duration::from_millis(20);
    let sandbox = Arc::new(runtime.block_on(Sandbox::start(config)).unwrap());
    let applied = timed_apply(dir.path(), &sandbox, &state);
    let settled = runtime.block_on(sandbox.reports_settled(Duration::from_secs(1800)));
    let stats = sandbox.stats();
    // SAFETY: a signal to our own child; it records what it accepted and ends.
    unsafe { libc::kill(listener.id() as libc::pid_t, libc::SIGINT) };
    assert!(listener.wait().unwrap().success(), "the listener failed");
    let (bytes, relations) = match schema {
        Some(schema) => schema.bytes(),
        None => (journal_bytes(&dir.path().join(".wacast")), Vec::new()),
    };
    println!(
        "apply, {rows} recipients with `wacast listen` on the journal: {:.2} s in all, sending {:.2} s; {} delivery reports recorded ({} failed, {}); journal {bytes} bytes, {:.1} bytes a recipient",
        applied.wall,
        applied.send,
        stats.callbacks_delivered,
        stats.callbacks_failed,
        if settled {
            "all out"
        } else {
            "not all out after 30 min"
        },
        bytes as f64 / rows as f64
    );
    for (relation, size) in relations {
        println!(
            "  {relation}: {size} bytes, {:.1} bytes a recipient",
            size as f64 / rows as f64
        );
    }
    if let Ok(sandbox) = Arc::try_unwrap(sandbox) {
        runtime.block_on(sandbox.shutdown());
    }
}

/// The URL `wacast listen` announces on stderr.
fn listening_url(child: &mut std::process::Child) -> String {
    use std::io::BufRead as _;
    let stderr = child.stderr.take().unwrap();
    let (found, url) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(url) = line.strip_prefix("listening on ") {
                let _ = found.send(url.trim().to_owned());
            }
        }
    });
    url.recv_timeout(Duration::from_secs(30))
        .expect("the listener starts")
}

/// What one apply measured.
struct Applied {
    wall: f64,
    send: f64,
    sent: u64,
    first_request: Option<f64>,
}

/// Runs `apply --endpoint` against `sandbox`, watching its request counter
/// to time the first request from the start of the command.
fn timed_apply(dir: &Path, sandbox: &Arc<SandboxHandle>, state: &[&str]) -> Applied {
    let before = sandbox.stats().requests;
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let watcher = {
        let done = done.clone();
        let sandbox = sandbox.clone();
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if sandbox.stats().requests > before {
                    return Some(started.elapsed().as_secs_f64());
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            None
        })
    };
    let output = wacast(dir)
        .args(["apply", "campaign.yaml", "--yes", "--format", "json"])
        .args(["--endpoint", &sandbox.base_url()])
        .args(state)
        .env("SINCH_TOKEN", TOKEN)
        .output()
        .unwrap();
    let wall = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let first_request = watcher.join().unwrap();
    let summary = summary(&output);
    let this_run = &summary["this_run"];
    Applied {
        wall,
        send: this_run["seconds"].as_f64().unwrap_or(0.0),
        sent: this_run["sent"].as_u64().unwrap_or(0),
        first_request,
    }
}

/// The wall time of `wacast plan campaign.yaml --format json` with `extra`.
fn plan(dir: &Path, extra: &[&str]) -> f64 {
    let started = Instant::now();
    let output = wacast(dir)
        .args(["plan", "campaign.yaml", "--format", "json"])
        .args(extra)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "plan failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    started.elapsed().as_secs_f64()
}

fn wacast(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wacast"));
    command.current_dir(dir).stdin(Stdio::null());
    command
}

/// apply's JSON summary; panics with its stderr when it failed.
fn summary(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "apply failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("apply prints a JSON summary")
}

/// The bytes of the SQLite journal in `state`, its WAL included.
fn journal_bytes(state: &Path) -> u64 {
    std::fs::read_dir(state)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("journal.sqlite")
        })
        .map(|entry| entry.metadata().unwrap().len())
        .sum()
}

fn argument(args: &[String], name: &str) -> Option<usize> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.replace('_', "").parse().ok()
}
