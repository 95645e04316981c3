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
//!
//! `--provider meta-cloud` runs each through Meta's Cloud API instead of
//! Sinch's v1 (one recipient per request; rates 80/s, Meta's default per
//! number, and 1,000/s, its ceiling).

mod common;

use common::wait_with_usage;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use wacast::message::{Media, TemplateMessage};
use wacast::sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use wacast::transport::meta_cloud::send_request::request_body;

const TOKEN: &str = "bench-token";

/// The provider the benchmarks send through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Provider {
    SinchV1,
    MetaCloud,
}

impl Provider {
    /// `--provider meta-cloud`, else Sinch's v1.
    fn of(args: &[String]) -> Provider {
        let named = args
            .iter()
            .position(|a| a == "--provider")
            .and_then(|i| args.get(i + 1));
        match named.map(String::as_str) {
            None | Some("sinch-whatsapp-v1") => Provider::SinchV1,
            Some("meta-cloud") => Provider::MetaCloud,
            Some(other) => panic!("unknown provider `{other}`"),
        }
    }

    /// The bot id, or the phone number id.
    fn account(self) -> &'static str {
        match self {
            Provider::SinchV1 => "bench-bot",
            Provider::MetaCloud => "106540352242922",
        }
    }

    fn sender(self) -> String {
        match self {
            Provider::SinchV1 => format!("{{bot_id: {}, region: eu}}", self.account()),
            Provider::MetaCloud => format!(
                "{{provider: meta-cloud, phone_number_id: \"{}\"}}",
                self.account()
            ),
        }
    }

    fn token_variable(self) -> &'static str {
        match self {
            Provider::SinchV1 => "SINCH_TOKEN",
            Provider::MetaCloud => "WHATSAPP_TOKEN",
        }
    }

    /// The send endpoint under the sandbox's `url`.
    fn target(self, url: &str) -> String {
        match self {
            Provider::SinchV1 => format!("{url}/whatsapp/v1/{}/messages", self.account()),
            Provider::MetaCloud => format!("{url}/v23.0/{}/messages", self.account()),
        }
    }

    /// The status of an accepted send.
    fn accepted(self) -> &'static str {
        match self {
            Provider::SinchV1 => "201",
            Provider::MetaCloud => "200",
        }
    }

    /// The rates measured: (recipients per second, recipients, identical messages).
    fn rates(self) -> &'static [(u32, usize, bool)] {
        match self {
            Provider::SinchV1 => &[
                (20, 300, false),
                (80, 800, false),
                (1000, 10_000, false),
                (1000, 10_000, true),
            ],
            Provider::MetaCloud => &[(80, 800, false), (1000, 10_000, false)],
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = common::chosen(&args, "rate");
    let provider = Provider::of(&args);
    match which {
        "rate" => rate(provider),
        "throughput" => throughput(provider),
        "memory" => memory(provider, &args),
        other => panic!("unknown benchmark `{other}`: use rate, throughput or memory"),
    }
}

/// A campaign of `rows` recipients with personal (or identical) messages.
fn write_campaign(
    provider: Provider,
    dir: &Path,
    rows: usize,
    identical: bool,
    rate: u32,
    concurrency: u32,
) {
    let body = if identical {
        "Spring sale"
    } else {
        "{{ name }}"
    };
    std::fs::write(
        dir.join("campaign.yaml"),
        format!(
            "version: 1\nname: bench\nsender: {}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  body_params: [\"{body}\", \"20%\"]\naudience: {{file: audience.csv, default_country: GB}}\ndelivery: {{concurrency: {concurrency}, rate_per_second: {rate}, max_attempts: 5}}\n",
            provider.sender()
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

fn apply(provider: Provider, dir: &Path, url: &str) -> Command {
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
        .env(provider.token_variable(), TOKEN)
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn start_sandbox(
    provider: Provider,
    runtime: &tokio::runtime::Runtime,
    keep: usize,
) -> SandboxHandle {
    let config = SandboxConfig {
        bot_id: provider.account().into(),
        token: TOKEN.into(),
        keep_messages: keep,
        ..SandboxConfig::default()
    };
    runtime.block_on(Sandbox::start(config)).unwrap()
}

fn rate(provider: Provider) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for &(rate, rows, identical) in provider.rates() {
        let sandbox = start_sandbox(provider, &runtime, rows);
        let dir = tempfile::tempdir().unwrap();
        write_campaign(provider, dir.path(), rows, identical, rate, 16);
        let status = apply(provider, dir.path(), &sandbox.base_url())
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
        println!("{}, {kind}", common::rate_line(rate, rows, times));
        runtime.block_on(sandbox.shutdown());
    }
}

fn throughput(provider: Provider) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = start_sandbox(provider, &runtime, 0);
    let url = sandbox.base_url();
    let target = provider.target(&url);
    let body = one_request_body(provider);
    let rows = 100_000;
    let (mut applied, mut wrk_rates, mut oha_rates) = (Vec::new(), Vec::new(), Vec::new());
    let mut whole = Vec::new();
    for run in 1..=RUNS {
        let (apply_rate, whole_rate) = apply_throughput(provider, &url, rows);
        whole.push(whole_rate);
        let wrk = common::wrk(&target, &body, TOKEN);
        let oha = common::oha(&target, &body, TOKEN, provider.accepted());
        println!(
            "run {run}: apply {apply_rate:.0} recipients/s, wrk {}, oha {}",
            common::shown(wrk),
            common::shown(oha)
        );
        applied.push(apply_rate);
        wrk_rates.extend(wrk);
        oha_rates.extend(oha);
    }
    let apply_rate = common::median(&mut applied);
    println!(
        "apply: {rows} recipients per run, median {apply_rate:.0} recipients/s (1 recipient per request, 64 in flight)"
    );
    common::ratios(apply_rate, &mut oha_rates, &mut wrk_rates);
    let whole_rate = common::median(&mut whole);
    match oha_rates.is_empty() {
        true => println!("apply, the whole command: median {whole_rate:.0} recipients/s"),
        false => println!(
            "apply, the whole command (staging, sending, report): median {whole_rate:.0} recipients/s; whole / oha = {:.2}",
            whole_rate / common::median(&mut oha_rates)
        ),
    }
    runtime.block_on(sandbox.shutdown());
}

/// Runs of each measurement in the throughput benchmark, interleaved so that
/// whatever else the machine does falls on all of them alike.
const RUNS: usize = 5;

/// The send-phase rate of one apply of `rows` personal messages (from the
/// first request to the last outcome committed), and the whole command's
/// (checking and staging the plan, sending, writing the report).
fn apply_throughput(provider: Provider, url: &str, rows: usize) -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    write_campaign(provider, dir.path(), rows, false, 100_000, 64);
    let started = std::time::Instant::now();
    let output = apply(provider, dir.path(), url).output().unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert!(output.status.success(), "apply failed");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let this_run = &summary["this_run"];
    assert_eq!(this_run["sent"], rows, "every recipient is sent");
    let seconds = this_run["seconds"].as_f64().unwrap();
    println!("  apply: sending {seconds:.2} s of {wall:.2} s in all (staging, sending, report)");
    (
        this_run["recipients_per_second"].as_f64().unwrap(),
        rows as f64 / wall,
    )
}

/// One recipient's message, exactly as apply sends it.
fn one_request_body(provider: Provider) -> String {
    let message = TemplateMessage {
        kind: "template".into(),
        template_name: "spring_sale".into(),
        language: "en_GB".into(),
        header_params: vec![],
        body_params: vec!["Name 0".into(), "20%".into()],
        media: Media::Text,
        buttons: vec![],
    };
    match provider {
        Provider::SinchV1 => {
            serde_json::json!({"to": ["447400000000"], "message": message}).to_string()
        }
        Provider::MetaCloud => {
            String::from_utf8(request_body("447400000000", &message, "wacast:bench")).unwrap()
        }
    }
}

fn memory(provider: Provider, args: &[String]) {
    let sizes: Vec<usize> = args
        .iter()
        .position(|a| a == "--rows")
        .and_then(|i| args.get(i + 1))
        .map_or(vec![100_000, 1_000_000], |list| {
            list.split(',')
                .map(|n| n.replace('_', "").parse().unwrap())
                .collect()
        });
    let (mut sandbox, url) = external_sandbox(provider);
    for rows in sizes {
        let dir = tempfile::tempdir().unwrap();
        write_campaign(provider, dir.path(), rows, false, 100_000, 64);
        // Waited for by `wait_with_usage` (wait4), which also reads its peak memory.
        #[allow(clippy::zombie_processes)]
        let child = apply(provider, dir.path(), &url)
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
fn external_sandbox(provider: Provider) -> (std::process::Child, String) {
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
            provider.account(),
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
