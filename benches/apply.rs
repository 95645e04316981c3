//! apply benchmarks, each against the sandbox on loopback:
//!
//! - `cargo bench --bench apply -- rate`: rate-limiter accuracy at 20, 80 and
//!   1,000 recipients per second, measured at the receiving end (the mean rate,
//!   and the most recipients in any one-second window).
//! - `cargo bench --bench apply -- throughput`: recipients per second with no
//!   effective rate limit, next to oha and wrk POSTing the same body to the
//!   same sandbox in the same run (five interleaved runs, medians).
//! - `cargo bench --bench apply -- memory`: apply's peak resident memory for
//!   100,000 and 1,000,000 recipients (`--rows A,B` for other sizes); with
//!   `DATABASE_URL` set, with the state in PostgreSQL.
//! - `DATABASE_URL=postgres://… cargo bench --bench apply -- state`: the send
//!   rate with the state in PostgreSQL against SQLite, interleaved runs in
//!   one session, and their ratio.

mod common;

use common::wait_with_usage;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use wacast::sandbox::{Sandbox, SandboxConfig, SandboxHandle};

const TOKEN: &str = "bench-token";
const BOT: &str = "bench-bot";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args
        .iter()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map_or("rate", String::as_str);
    match which {
        "rate" => rate(),
        "throughput" => throughput(),
        "memory" => memory(&args),
        "state" => state(),
        other => panic!("unknown benchmark `{other}`: use rate, throughput, memory or state"),
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
    let mut out = BufWriter::new(std::fs::File::create(dir.join("audience.csv")).unwrap());
    writeln!(out, "phone,name").unwrap();
    for row in 0..rows {
        writeln!(out, "0{},Name {row}", 7_400_000_000u64 + row as u64).unwrap();
    }
    out.flush().unwrap();
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

fn rate() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for (rate, rows, identical) in [
        (20u32, 300usize, false),
        (80, 800, false),
        (1000, 10_000, false),
        (1000, 10_000, true),
    ] {
        let sandbox = start_sandbox(&runtime, rows);
        let dir = tempfile::tempdir().unwrap();
        write_campaign(dir.path(), rows, identical, rate, 16);
        let status = apply(dir.path(), &sandbox.base_url())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "apply failed");
        let mut times: Vec<u64> = sandbox
            .messages()
            .iter()
            .map(|m| m.received_at_ms)
            .collect();
        assert_eq!(times.len(), rows);
        times.sort_unstable();
        let span = (times[rows - 1] - times[0]) as f64 / 1000.0;
        let mean = (rows - 1) as f64 / span;
        let mut busiest = 0;
        let mut end = 0;
        for start in 0..rows {
            while end < rows && times[end] < times[start] + 1000 {
                end += 1;
            }
            busiest = busiest.max(end - start);
        }
        let kind = if identical {
            "identical messages"
        } else {
            "personal messages"
        };
        println!(
            "rate {rate}/s, {rows} recipients, {kind}: mean {mean:.2}/s ({:+.2}%), busiest one-second window {busiest} ({:+.2}%)",
            (mean / f64::from(rate) - 1.0) * 100.0,
            (busiest as f64 / f64::from(rate) - 1.0) * 100.0
        );
        runtime.block_on(sandbox.shutdown());
    }
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

fn throughput() {
    let (runtime, sandbox) = throughput_sandbox();
    let url = sandbox.base_url();
    let target = format!("{url}/whatsapp/v1/{BOT}/messages");
    let rows = 100_000;
    let (mut applied, mut wrk_rates, mut oha_rates) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=RUNS {
        let apply_rate = apply_throughput(&url, rows);
        let wrk = wrk(&target);
        let oha = oha(&target);
        println!(
            "run {run}: apply {apply_rate:.0} recipients/s, wrk {}, oha {}",
            shown(wrk),
            shown(oha)
        );
        applied.push(apply_rate);
        wrk_rates.extend(wrk);
        oha_rates.extend(oha);
    }
    let apply_rate = common::median(&mut applied);
    println!(
        "apply: {rows} recipients per run, median {apply_rate:.0} recipients/s (1 recipient per request, 64 in flight)"
    );
    for (tool, rates) in [("oha", &mut oha_rates), ("wrk", &mut wrk_rates)] {
        if rates.is_empty() {
            println!("{tool} is not installed: no ratio");
            continue;
        }
        let rate = common::median(rates);
        println!(
            "{tool}, 64 connections for 10 s, same body, same sandbox: median {rate:.0} requests/s; apply / {tool} = {:.2}",
            apply_rate / rate
        );
    }
    runtime.block_on(sandbox.shutdown());
}

/// Runs of each measurement in the throughput benchmark, interleaved so that
/// whatever else the machine does falls on all of them alike.
const RUNS: usize = 5;

/// The send-phase rate of one apply of `rows` personal messages: from the
/// first request to the last outcome committed. The whole command (staging
/// the plan, sending, writing the report) is timed alongside.
fn apply_throughput(url: &str, rows: usize) -> f64 {
    apply_throughput_with(url, rows, None)
}

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

fn shown(rate: Option<f64>) -> String {
    rate.map_or_else(
        || "not installed".to_owned(),
        |r| format!("{r:.0} requests/s"),
    )
}

/// One recipient's message, as apply sends it.
fn one_request_body() -> String {
    serde_json::json!({
        "to": ["447400000000"],
        "message": {"type": "template", "template_name": "spring_sale", "language": "en_GB",
                    "body_params": ["Name 0", "20%"], "media": {"type": "text"}}
    })
    .to_string()
}

/// wrk's requests per second POSTing one recipient's message for 10 s.
fn wrk(url: &str) -> Option<f64> {
    let body = one_request_body();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("send.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = [[{body}]]\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {TOKEN}\"\n"
        ),
    )
    .unwrap();
    let output = Command::new("wrk")
        .args(["-t2", "-c64", "-d10s", "-s", script.to_str().unwrap(), url])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("Non-2xx"), "wrk got errors:\n{text}");
    text.lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
}

/// oha's requests per second POSTing one recipient's message for 10 s.
fn oha(url: &str) -> Option<f64> {
    let auth = format!("Authorization: Bearer {TOKEN}");
    let output = Command::new("oha")
        .args([
            "--no-tui",
            "--output-format",
            "json",
            "-c",
            "64",
            "-z",
            "10s",
        ])
        .args(["-m", "POST", "-T", "application/json", "-H", &auth])
        .args(["-d", &one_request_body(), url])
        .output()
        .ok()?;
    assert!(output.status.success(), "oha failed");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes = &report["statusCodeDistribution"];
    assert!(
        codes
            .as_object()
            .is_some_and(|c| c.keys().all(|k| k == "201")),
        "oha got answers other than 201: {codes}"
    );
    report["summary"]["requestsPerSec"].as_f64()
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
        let schema = database.as_deref().map(BenchSchema::new);
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
        let schema = BenchSchema::new(&database);
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

/// A schema of the benchmark's own on `DATABASE_URL`, dropped with this.
struct BenchSchema {
    url: String,
    name: String,
    base: String,
}

impl BenchSchema {
    fn new(base: &str) -> BenchSchema {
        let name = format!(
            "wacast_bench_{}_{}",
            std::process::id(),
            ulid::Ulid::generate()
        )
        .to_lowercase();
        let separator = if base.contains('?') { '&' } else { '?' };
        BenchSchema {
            url: format!("{base}{separator}schema={name}"),
            name,
            base: base.to_owned(),
        }
    }
}

impl Drop for BenchSchema {
    fn drop(&mut self) {
        let location = wacast::journal::postgres::PgLocation::parse(&self.base).unwrap();
        if let Ok(mut client) = location.connect() {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}
