//! apply benchmarks, each against the sandbox on loopback:
//!
//! - `cargo bench --bench apply -- rate`: rate-limiter accuracy at 20, 80 and
//!   1,000 recipients per second, measured at the receiving end (the mean rate,
//!   and the most recipients in any one-second window).
//! - `cargo bench --bench apply -- throughput`: recipients per second with no
//!   effective rate limit, next to oha and wrk POSTing the same body to the
//!   same sandbox in the same run (five interleaved runs, medians).
//! - `cargo bench --bench apply -- memory`: apply's peak resident memory for
//!   100,000 and 1,000,000 recipients (`--rows A,B` for other sizes).

mod common;
mod load;

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
        other => panic!("unknown benchmark `{other}`: use rate, throughput or memory"),
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
        let times: Vec<u64> = sandbox
            .messages()
            .iter()
            .map(|m| m.received_at_ms)
            .collect();
        assert_eq!(times.len(), rows);
        let kind = if identical {
            "identical messages"
        } else {
            "personal messages"
        };
        println!("{}, {kind}", load::rate_line(rate, rows, times));
        runtime.block_on(sandbox.shutdown());
    }
}

fn throughput() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = start_sandbox(&runtime, 0);
    let url = sandbox.base_url();
    let target = format!("{url}/whatsapp/v1/{BOT}/messages");
    let rows = 100_000;
    let (mut applied, mut wrk_rates, mut oha_rates) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=RUNS {
        let apply_rate = apply_throughput(&url, rows);
        let wrk = load::wrk(&target, &one_request_body(), TOKEN);
        let oha = load::oha(&target, &one_request_body(), TOKEN, "201");
        println!(
            "run {run}: apply {apply_rate:.0} recipients/s, wrk {}, oha {}",
            load::shown(wrk),
            load::shown(oha)
        );
        applied.push(apply_rate);
        wrk_rates.extend(wrk);
        oha_rates.extend(oha);
    }
    let apply_rate = common::median(&mut applied);
    println!(
        "apply: {rows} recipients per run, median {apply_rate:.0} recipients/s (1 recipient per request, 64 in flight)"
    );
    load::ratios(apply_rate, &mut oha_rates, &mut wrk_rates);
    runtime.block_on(sandbox.shutdown());
}

/// Runs of each measurement in the throughput benchmark, interleaved so that
/// whatever else the machine does falls on all of them alike.
const RUNS: usize = 5;

/// The send-phase rate of one apply of `rows` personal messages: from the
/// first request to the last outcome committed. The whole command (staging
/// the plan, sending, writing the report) is timed alongside.
fn apply_throughput(url: &str, rows: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    write_campaign(dir.path(), rows, false, 100_000, 64);
    let started = std::time::Instant::now();
    let output = apply(dir.path(), url).output().unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert!(output.status.success(), "apply failed");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let this_run = &summary["this_run"];
    assert_eq!(this_run["sent"], rows, "every recipient is sent");
    let seconds = this_run["seconds"].as_f64().unwrap();
    println!("  apply: sending {seconds:.2} s of {wall:.2} s in all (staging, sending, report)");
    this_run["recipients_per_second"].as_f64().unwrap()
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
    for rows in sizes {
        let dir = tempfile::tempdir().unwrap();
        write_campaign(dir.path(), rows, false, 100_000, 64);
        // Waited for by `wait_with_usage` (wait4), which also reads its peak memory.
        #[allow(clippy::zombie_processes)]
        let child = apply(dir.path(), &url)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let (status, peak_kb, seconds) = wait_with_usage(child.id() as libc::pid_t);
        assert_eq!(status, 0, "apply failed");
        println!(
            "apply, {rows} recipients: peak RSS {:.1} MB, {seconds:.1} s",
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
