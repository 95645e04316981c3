//! apply benchmarks for `provider: sinch-conversation`, against the sandbox's
//! Conversation API on loopback (one recipient per request, a bearer token
//! bought once):
//!
//! - `cargo bench --bench apply_conversation -- rate`: rate accuracy at 20/s
//!   (an app's default drain to WhatsApp) and 800/s (a project's request
//!   limit), measured at the receiving end.
//! - `cargo bench --bench apply_conversation -- throughput`: recipients per
//!   second with no effective rate limit, next to oha and wrk POSTing the
//!   same body with the same token to the same sandbox in the same run
//!   (interleaved runs, medians).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use wacast::sandbox::conversation::ConversationConfig;
use wacast::sandbox::{Sandbox, SandboxConfig, SandboxHandle};

const PROJECT: &str = "bench-project";
const APP: &str = "bench-app";
const KEY_ID: &str = "bench-key";
const KEY_SECRET: &str = "bench-secret";
/// Interleaved runs of each throughput measurement.
const RUNS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args
        .iter()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map_or("rate", String::as_str)
    {
        "rate" => rate(),
        "throughput" => throughput(),
        other => panic!("unknown benchmark `{other}`: use rate or throughput"),
    }
}

fn write_campaign(dir: &Path, rows: usize, rate: u32, concurrency: u32) {
    std::fs::write(
        dir.join("campaign.yaml"),
        format!(
            "version: 1\nname: bench\nsender: {{provider: sinch-conversation, project_id: {PROJECT}, app_id: {APP}, region: eu}}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  body_params: [\"{{{{ name }}}}\", \"20%\"]\naudience: {{file: audience.csv, default_country: GB}}\ndelivery: {{concurrency: {concurrency}, rate_per_second: {rate}, max_attempts: 5}}\n"
        ),
    )
    .unwrap();
    common::write_audience(dir, rows);
}

fn apply(dir: &Path, url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wacast"));
    command
        .args(["apply", "campaign.yaml", "--yes", "--format", "json"])
        .args(["--endpoint", url, "--auth-endpoint", url])
        .current_dir(dir)
        .env("SINCH_KEY_ID", KEY_ID)
        .env("SINCH_KEY_SECRET", KEY_SECRET)
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn start_sandbox(runtime: &tokio::runtime::Runtime, keep: usize) -> SandboxHandle {
    let config = SandboxConfig {
        keep_messages: keep,
        conversation: ConversationConfig {
            project_id: PROJECT.into(),
            app_id: APP.into(),
            key_id: KEY_ID.into(),
            key_secret: KEY_SECRET.into(),
            ..ConversationConfig::default()
        },
        ..SandboxConfig::default()
    };
    runtime.block_on(Sandbox::start(config)).unwrap()
}

fn rate() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for (rate, rows) in [(20u32, 300usize), (800, 8_000)] {
        let sandbox = start_sandbox(&runtime, rows);
        let dir = tempfile::tempdir().unwrap();
        write_campaign(dir.path(), rows, rate, 16);
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
        println!(
            "{}, tokens bought {}",
            common::rate_line(rate, rows, times),
            sandbox.tokens_issued()
        );
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
    let target = format!("{url}/v1/projects/{PROJECT}/messages:send");
    let token = runtime.block_on(token(&url));
    let rows = 50_000;
    let (mut applied, mut wrk_rates, mut oha_rates) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=RUNS {
        let apply_rate = apply_throughput(&url, rows);
        let body = one_request_body();
        let wrk = common::wrk(&target, &body, &token);
        let oha = common::oha(&target, &body, &token, "200");
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
        "apply: {rows} recipients per run, median {apply_rate:.0} recipients/s (1 per request, 64 in flight)"
    );
    common::ratios(apply_rate, &mut oha_rates, &mut wrk_rates);
    runtime.block_on(sandbox.shutdown());
}

fn apply_throughput(url: &str, rows: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    write_campaign(dir.path(), rows, 100_000, 64);
    let output = apply(dir.path(), url).output().unwrap();
    assert!(output.status.success(), "apply failed");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["this_run"]["sent"], rows, "every recipient is sent");
    summary["this_run"]["recipients_per_second"]
        .as_f64()
        .unwrap()
}

/// A token from the sandbox, for the load tools.
async fn token(url: &str) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/oauth2/token"))
        .basic_auth(KEY_ID, Some(KEY_SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].as_str().unwrap().to_owned()
}

/// One recipient's body, as apply sends it.
fn one_request_body() -> String {
    format!(
        "{{\"app_id\":\"{APP}\",\"recipient\":{{\"identified_by\":{{\"channel_identities\":[{{\"channel\":\"WHATSAPP\",\"identity\":\"447400000000\"}}]}}}},\"message\":{{\"template_message\":{{\"channel_template\":{{\"WHATSAPP\":{{\"template_id\":\"spring_sale\",\"language_code\":\"en_GB\",\"parameters\":{{\"body[1]text\":\"Name 0\",\"body[2]text\":\"20%\"}}}}}}}}}},\"channel_priority_order\":[\"WHATSAPP\"],\"message_metadata\":\"{{\\\"campaign\\\":\\\"bench\\\"}}\"}}"
    )
}
