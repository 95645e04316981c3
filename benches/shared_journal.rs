//! One journal shared under load, against the sandbox on loopback:
//!
//! - `cargo bench --bench shared_journal -- load`: apply's send rate alone,
//!   then with `wacast listen` on the same SQLite journal taking callbacks at
//!   full speed the whole time (32 connections posting delivery reports as
//!   fast as they are answered); prints both rates, their ratio, the
//!   listener's rate and its non-2xx answers.
//! - `cargo bench --bench shared_journal -- durability`: apply's send rate
//!   with `--durability full` (the default) and `normal`, with the state in
//!   SQLite and, when `DATABASE_URL` names a server, in PostgreSQL.

mod common;

use common::median;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use wacast::sandbox::{Sandbox, SandboxConfig, SandboxHandle};

const TOKEN: &str = "bench-token";
const BOT: &str = "bench-bot";
const ROWS: usize = 100_000;
/// Runs of each measurement, interleaved.
const RUNS: usize = 3;
/// Connections posting callbacks to the listener at once.
const POSTERS: usize = 32;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = common::chosen(&args, "load");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(Sandbox::start(SandboxConfig {
        bot_id: BOT.into(),
        token: TOKEN.into(),
        keep_messages: 0,
        ..SandboxConfig::default()
    }));
    let sandbox = sandbox.unwrap();
    match which {
        "load" => load(&runtime, &sandbox),
        "durability" => durability(&sandbox),
        other => panic!("unknown benchmark `{other}`: use load or durability"),
    }
}

fn write_campaign(dir: &Path) {
    std::fs::write(
        dir.join("campaign.yaml"),
        format!(
            "version: 1\nname: bench\nsender: {{bot_id: {BOT}, region: eu}}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  body_params: [\"{{{{ name }}}}\", \"20%\"]\naudience: {{file: audience.csv, default_country: GB}}\ndelivery: {{concurrency: 64, rate_per_second: 100000, max_attempts: 5}}\n"
        ),
    )
    .unwrap();
    common::write_audience(dir, ROWS);
}

fn wacast(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wacast"));
    command
        .args(args)
        .current_dir(dir)
        .env("SINCH_TOKEN", TOKEN)
        .env_remove("WACAST_STATE")
        .env_remove("WACAST_DURABILITY")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// apply's send rate (recipients per second while sending) in `dir`.
fn apply_rate(dir: &Path, url: &str, extra: &[&str]) -> f64 {
    let mut args = vec!["apply", "campaign.yaml", "--yes", "--format", "json"];
    args.extend(["--endpoint", url]);
    args.extend_from_slice(extra);
    let output = wacast(dir, &args).output().unwrap();
    assert!(output.status.success(), "apply failed");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["this_run"]["sent"], ROWS, "every recipient is sent");
    summary["this_run"]["recipients_per_second"]
        .as_f64()
        .unwrap()
}

/// A delivery report about a message of another tool: a write like any other.
fn report(n: usize) -> String {
    serde_json::json!({"type": "whatsapp", "statuses": [{
        "status": "success", "state": "delivered", "message_id": format!("elsewhere-{n}"),
        "recipient": "+447400999999", "timestamp": "2026-11-21T10:00:00Z",
    }]})
    .to_string()
}

/// Callbacks answered 2xx and not, and the seconds they were posted for.
struct Posted {
    ok: usize,
    refused: usize,
    seconds: f64,
}

/// Posts reports to `url` from [`POSTERS`] connections until `stop`.
async fn post_until(url: String, stop: Arc<AtomicBool>) -> Posted {
    let started = std::time::Instant::now();
    let (ok, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut tasks = Vec::new();
    for poster in 0..POSTERS {
        let (url, stop) = (url.clone(), Arc::clone(&stop));
        let (ok, refused) = (Arc::clone(&ok), Arc::clone(&refused));
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut n = poster * 10_000_000;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let answer = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(report(n))
                    .send()
                    .await;
                match answer {
                    Ok(answer) if answer.status().is_success() => {
                        ok.fetch_add(1, Ordering::Relaxed)
                    }
                    _ => refused.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    Posted {
        ok: ok.load(Ordering::Relaxed),
        refused: refused.load(Ordering::Relaxed),
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// `wacast listen` on the journal in `dir/shared`, and its base URL.
fn start_listener(dir: &Path) -> (std::process::Child, String) {
    let mut child = wacast(dir, &["listen", "--listen", "127.0.0.1:0"])
        .args(["--campaign", "other.yaml", "--state", "shared"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let said = lines.next().and_then(Result::ok).unwrap_or_default();
    let base = said
        .strip_prefix("listening on ")
        .expect("the listener starts");
    let base = base.trim().to_owned();
    std::thread::spawn(move || lines.for_each(drop));
    (child, base)
}

/// apply's send rate in `dir` with the state `state` while the listener
/// serving the journal in `dir/shared` takes callbacks at full speed; adds
/// the listener's rate to `listened` and its refusals to `refused`.
fn apply_under_listener(
    runtime: &tokio::runtime::Runtime,
    dir: &Path,
    url: &str,
    state: &str,
    listened: &mut Vec<f64>,
    refused: &mut usize,
) -> f64 {
    let (mut listener, base) = start_listener(dir);
    let stop = Arc::new(AtomicBool::new(false));
    let posting = runtime.spawn(post_until(
        format!("{base}/callbacks/other"),
        Arc::clone(&stop),
    ));
    let rate = apply_rate(dir, url, &["--state", state]);
    stop.store(true, Ordering::Relaxed);
    let posted = runtime.block_on(posting).unwrap();
    *refused += posted.refused;
    listened.push(posted.ok as f64 / posted.seconds);
    unsafe { libc::kill(listener.id() as i32, libc::SIGINT) };
    let _ = listener.wait();
    rate
}

fn load(runtime: &tokio::runtime::Runtime, sandbox: &SandboxHandle) {
    let url = sandbox.base_url();
    let (mut alone, mut shared, mut listened) = (Vec::new(), Vec::new(), Vec::new());
    let (mut beside, mut listened_beside) = (Vec::new(), Vec::new());
    let mut refused = 0;
    for _ in 0..RUNS {
        let dir = tempfile::tempdir().unwrap();
        write_campaign(dir.path());
        alone.push(apply_rate(dir.path(), &url, &["--state", "alone"]));
        // The listener serves a campaign of its own already in the journal.
        let other = std::fs::read_to_string(dir.path().join("campaign.yaml")).unwrap();
        std::fs::write(
            dir.path().join("other.csv"),
            "phone,name\n07400999999,Ann\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("other.yaml"),
            other
                .replace("name: bench", "name: other")
                .replace("audience.csv", "other.csv"),
        )
        .unwrap();
        let made = wacast(
            dir.path(),
            &["apply", "other.yaml", "--yes", "--state", "shared"],
        )
        .args(["--endpoint", &url])
        .stdout(Stdio::null())
        .status()
        .unwrap();
        assert!(made.success(), "the other campaign is applied");
        // The same load on the machine, with apply's journal elsewhere:
        // what sharing the CPU alone costs.
        beside.push(apply_under_listener(
            runtime,
            dir.path(),
            &url,
            "beside",
            &mut listened_beside,
            &mut refused,
        ));
        shared.push(apply_under_listener(
            runtime,
            dir.path(),
            &url,
            "shared",
            &mut listened,
            &mut refused,
        ));
    }
    let spreads = (spread(&alone), spread(&beside), spread(&shared));
    let (alone, beside, shared, listened, listened_beside) = (
        median(&mut alone),
        median(&mut beside),
        median(&mut shared),
        median(&mut listened),
        median(&mut listened_beside),
    );
    println!(
        "apply alone, {ROWS} recipients: median {alone:.0} recipients/s ({})",
        spreads.0
    );
    println!(
        "apply with listen at full speed on another journal: median {beside:.0} recipients/s ({}; {:+.1}% against alone)",
        spreads.1,
        (beside / alone - 1.0) * 100.0
    );
    println!(
        "apply with listen at full speed on the same journal: median {shared:.0} recipients/s ({}; {:+.1}% against alone, {:+.1}% against another journal)",
        spreads.2,
        (shared / alone - 1.0) * 100.0,
        (shared / beside - 1.0) * 100.0
    );
    println!(
        "listen meanwhile, {POSTERS} connections: median {listened:.0} callbacks/s on the same journal ({listened_beside:.0} beside apply's), {refused} non-2xx answer(s) in {RUNS} runs"
    );
}

/// `low to high` of `rates`.
fn spread(rates: &[f64]) -> String {
    let low = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let high = rates.iter().copied().fold(0.0, f64::max);
    format!("{low:.0} to {high:.0}")
}

fn durability(sandbox: &SandboxHandle) {
    let url = sandbox.base_url();
    let database = std::env::var("DATABASE_URL").ok();
    let mut states = vec![("SQLite", None)];
    if let Some(database) = &database {
        states.push(("PostgreSQL", Some(database.clone())));
    }
    for (name, database) in states {
        let (mut full, mut normal) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            for (setting, rates) in [("full", &mut full), ("normal", &mut normal)] {
                let dir = tempfile::tempdir().unwrap();
                write_campaign(dir.path());
                let schema = database.as_ref().map(|url| fresh_schema(url));
                let mut extra = vec!["--durability", setting];
                if let Some(schema) = &schema {
                    extra.extend(["--state", schema.as_str()]);
                }
                rates.push(apply_rate(dir.path(), &url, &extra));
            }
        }
        let spreads = (spread(&full), spread(&normal));
        let (full, normal) = (median(&mut full), median(&mut normal));
        println!(
            "{name}, {ROWS} recipients, {RUNS} runs each: durability full median {full:.0} recipients/s ({}), normal median {normal:.0} recipients/s ({}); full is {:+.1}%",
            spreads.0,
            spreads.1,
            (full / normal - 1.0) * 100.0
        );
    }
}

/// `url` with a schema no run used before.
fn fresh_schema(url: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{url}{separator}schema=bench_durability_{nanos}")
}
