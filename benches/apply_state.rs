//! apply with its state in PostgreSQL, against the sandbox on loopback:
//!
//! - `DATABASE_URL=postgres://… cargo bench --bench apply_state -- state`: the
//!   send rate with the state in PostgreSQL against SQLite, interleaved runs
//!   in one session, and their ratio.
//! - `DATABASE_URL=postgres://… cargo bench --bench apply_state -- memory`:
//!   apply's peak resident memory for 100,000 and 1,000,000 recipients
//!   (`--rows A,B` for other sizes) with the state in PostgreSQL.

mod common;

use common::wait_with_usage;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use wacast::sandbox::{Sandbox, SandboxConfig, SandboxHandle};

const TOKEN: &str = "bench-token";
const BOT: &str = "bench-bot";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = common::chosen(&args, "state");
    match which {
        "memory" => memory(&args),
        "state" => state(),
        other => panic!("unknown benchmark `{other}`: use state or memory"),
    }
}

/// A campaign of `rows` recipients with personal (or identical) messages.
fn write_campaign(dir: &Path, rows: usize, identical: bool, rate: u32, concurrency: u32) {
    let body = if identical {
        "Spring sale"
    } else {
        "{{ name }}"
    };
    std::fs::write(
        dir.join("campaign.yaml"),
        format!(
            "version: 1\nname: bench\nsender: {{bot_id: {BOT}, region: eu}}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  body_params: [\"{body}\", \"20%\"]\naudience: {{file: audience.csv, default_country: GB}}\ndelivery: {{concurrency: {concurrency}, rate_per_second: {rate}, max_attempts: 5}}\n"
        ),
    )
    .unwrap();
    common::write_audience(dir, rows);
}

fn apply(dir: &Path, url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wacast"));
    command
        .args([
            "apply",
            "campaign.yaml",
            "--yes",
            "--format",
            "json",
            "--endpoint",
            url,
        ])
        .current_dir(dir)
        .env("SINCH_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn start_sandbox(runtime: &tokio::runtime::Runtime, keep: usize) -> SandboxHandle {
    let config = SandboxConfig {
        bot_id: BOT.into(),
        token: TOKEN.into(),
        keep_messages: keep,
        ..SandboxConfig::default()
    };
    runtime.block_on(Sandbox::start(config)).unwrap()
}

/// The in-process sandbox the throughput measurements send to, keeping no
/// messages, on a runtime of two threads.
fn throughput_sandbox() -> (tokio::runtime::Runtime, SandboxHandle) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = start_sandbox(&runtime, 0);
    (runtime, sandbox)
}

/// Runs of each measurement in the throughput benchmark, interleaved so that
/// whatever else the machine does falls on all of them alike.
const RUNS: usize = 5;

/// [`apply_throughput`] with the state at `state` (default `.wacast/`).
fn apply_throughput_with(url: &str, rows: usize, state: Option<&str>) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    write_campaign(dir.path(), rows, false, 100_000, 64);
    let started = std::time::Instant::now();
    let mut command = apply(dir.path(), url);
    if let Some(state) = state {
        command.args(["--state", state]);
    }
    let output = command.output().unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert!(output.status.success(), "apply failed");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let this_run = &summary["this_run"];
    assert_eq!(this_run["sent"], rows, "every recipient is sent");
    let seconds = this_run["seconds"].as_f64().unwrap();
    println!("  apply: sending {seconds:.2} s of {wall:.2} s in all (staging, sending, report)");
    this_run["recipients_per_second"].as_f64().unwrap()
}

fn memory(args: &[String]) {
    let sizes: Vec<usize> = args
        .iter()
        .position(|a| a == "--rows")
        .and_then(|i| args.get(i + 1))
        .map_or(vec![100_000, 1_000_000], |list| {
            list.split(',')
                .map(|n| n.replace('_', "").parse().unwrap())
                .collect()
        });
    let (mut sandbox, url) = external_sandbox();
    let database = std::env::var("DATABASE_URL").ok();
    for rows in sizes {
        let dir = tempfile::tempdir().unwrap();
        write_campaign(dir.path(), rows, false, 100_000, 64);
        let schema = database.as_deref().map(common::BenchSchema::new);
        let mut command = apply(dir.path(), &url);
        if let Some(schema) = &schema {
            command.args(["--state", &schema.url]);
        }
        // Waited for by `wait_with_usage` (wait4), which also reads its peak memory.
        #[allow(clippy::zombie_processes)]
        let child = command.stdout(Stdio::null()).spawn().unwrap();
        let (status, peak_kb, seconds) = wait_with_usage(child.id() as libc::pid_t);
        assert_eq!(status, 0, "apply failed");
        let state = if schema.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        println!(
            "apply, {rows} recipients, {state} state: peak RSS {:.1} MB, {seconds:.1} s",
            peak_kb as f64 / 1024.0
        );
    }
    let _ = sandbox.kill();
    let _ = sandbox.wait();
}

/// `wacast sandbox` as its own process, keeping no messages in memory.
fn external_sandbox() -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wacast"))
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--keep-messages",
            "0",
            "--token",
            TOKEN,
            "--bot-id",
            BOT,
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (found, url) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("sandbox listening on ") {
                let _ = found.send(url.trim().to_owned());
            }
        }
    });
    let url = url
        .recv_timeout(Duration::from_secs(10))
        .expect("the sandbox starts");
    (child, url)
}

/// The send rate with the state in PostgreSQL (`DATABASE_URL`, a fresh schema
/// a run) and in SQLite, interleaved, medians of [`RUNS`], and their ratio.
fn state() {
    let database = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL names the PostgreSQL server to measure against");
    let (runtime, sandbox) = throughput_sandbox();
    let url = sandbox.base_url();
    let rows = 100_000;
    let (mut sqlite, mut postgres) = (Vec::new(), Vec::new());
    for run in 1..=RUNS {
        let on_sqlite = apply_throughput_with(&url, rows, None);
        let schema = common::BenchSchema::new(&database);
        let on_postgres = apply_throughput_with(&url, rows, Some(&schema.url));
        println!("run {run}: SQLite {on_sqlite:.0}, PostgreSQL {on_postgres:.0} recipients/s");
        sqlite.push(on_sqlite);
        postgres.push(on_postgres);
    }
    let (sqlite, postgres) = (common::median(&mut sqlite), common::median(&mut postgres));
    println!(
        "{rows} recipients a run, 64 in flight: median SQLite {sqlite:.0}/s, PostgreSQL {postgres:.0}/s; PostgreSQL / SQLite = {:.2}",
        postgres / sqlite
    );
    runtime.block_on(sandbox.shutdown());
}
