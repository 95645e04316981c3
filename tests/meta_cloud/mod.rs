//! The `meta-cloud` provider through the real HTTP path: the binary sends to
//! a sandbox speaking Meta's Cloud API, started in this process, and Meta's
//! webhooks come back to a listener, signed as Meta signs them.

mod bodies;
mod errors;
mod resume;
mod webhooks;

use crate::support::Test;
use std::collections::HashMap;
use std::time::Duration;
use wacast::sandbox::{Delivery, Faults, Sandbox, SandboxConfig, SandboxHandle};

pub const TOKEN: &str = "meta-token-0c1d2e3f";
pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const APP_SECRET: &str = "app_secret_123";

/// A sandbox on its own runtime, for tests that run the binary against it.
pub struct Peer {
    runtime: tokio::runtime::Runtime,
    sandbox: Option<SandboxHandle>,
}

impl Peer {
    pub fn start(faults: Faults) -> Peer {
        Peer::with_webhooks(faults, None, Duration::from_millis(10))
    }

    /// A sandbox posting signed status webhooks to `callback_url`, if given,
    /// `step` apart.
    pub fn with_webhooks(faults: Faults, callback_url: Option<String>, step: Duration) -> Peer {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let config = SandboxConfig {
            bot_id: PHONE_NUMBER_ID.into(),
            token: TOKEN.into(),
            faults,
            delivery: Delivery {
                callback_url,
                hmac_key: Some(APP_SECRET.into()),
                step_delay: step,
                retry_delay: Duration::from_millis(50),
                ..Delivery::default()
            },
            ..SandboxConfig::default()
        };
        let sandbox = runtime.block_on(Sandbox::start(config)).unwrap();
        Peer {
            runtime,
            sandbox: Some(sandbox),
        }
    }

    pub fn handle(&self) -> &SandboxHandle {
        self.sandbox.as_ref().unwrap()
    }

    pub fn url(&self) -> String {
        self.handle().base_url()
    }

    /// How many messages each number received.
    pub fn received(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for message in self.handle().messages() {
            *counts.entry(message.recipient).or_default() += 1;
        }
        counts
    }

    pub fn nobody_twice(&self) {
        let twice: Vec<_> = self
            .received()
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .collect();
        assert!(twice.is_empty(), "sent more than once: {twice:?}");
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }
}

/// The `n`th recipient's digits (0-based), as the audience writes them in
/// national form.
pub fn number(n: usize) -> String {
    format!("4474001{:05}", n)
}

/// A `meta-cloud` campaign of `rows` recipients with `template` (YAML
/// lines under `template:` after name and language) and `delivery`.
pub fn campaign_with(rows: usize, template: &str, delivery: &str) -> Test {
    let yaml = format!(
        "version: 1\nname: spring\nsender: {{provider: meta-cloud, phone_number_id: \"{PHONE_NUMBER_ID}\"}}\ntemplate:\n  name: spring_sale\n  language: en_GB\n{template}audience: {{file: audience.csv, default_country: GB}}\ndelivery: {{{delivery}}}\nopt_out: {{keywords: [stop, unsubscribe], file: optout.csv}}\n"
    );
    let mut csv = String::from("phone,name\n");
    for row in 0..rows {
        csv.push_str(&format!("07400 1{:05},Name {row}\n", row));
    }
    Test::new()
        .write("campaign.yaml", yaml)
        .write("audience.csv", csv)
        .env("WHATSAPP_TOKEN", TOKEN)
}

/// A campaign of `rows` recipients, one request at a time, each with its own body.
pub fn campaign(rows: usize, delivery: &str) -> Test {
    campaign_with(rows, "  body_params: [\"{{ name }}\"]\n", delivery)
}

pub fn apply(test: &Test, peer: &Peer, extra: &[&str]) -> crate::support::Run {
    let url = peer.url();
    let mut args = vec![
        "apply",
        "campaign.yaml",
        "--yes",
        "--endpoint",
        url.as_str(),
    ];
    args.extend_from_slice(extra);
    test.run(&args)
}

/// `apply --format json`: the exit code and the summary.
pub fn apply_json(test: &Test, peer: &Peer) -> (i32, serde_json::Value, String) {
    let run = apply(test, peer, &["--format", "json"]);
    let summary = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|_| panic!("a JSON summary:\n{}", run.transcript()));
    (run.code, summary, run.stderr)
}

/// One row of the results report.
#[derive(Debug)]
pub struct Row {
    pub phone: String,
    pub status: String,
    pub message_id: String,
    pub error: String,
}

/// The report, in line order.
pub fn report(test: &Test) -> Vec<Row> {
    let text = test.read(".wacast/spring-report.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            Row {
                phone: r[1].to_owned(),
                status: r[2].to_owned(),
                message_id: r[3].to_owned(),
                error: r[6].to_owned(),
            }
        })
        .collect()
}

/// Each recipient's status, in line order.
pub fn statuses(test: &Test) -> Vec<String> {
    report(test).into_iter().map(|row| row.status).collect()
}

/// How many recipients `plan --retry-failed` leaves out as suppressed.
pub fn suppressed_when_retrying(test: &Test) -> u64 {
    let run = test.run(&[
        "plan",
        "campaign.yaml",
        "--format",
        "json",
        "--retry-failed",
    ]);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    plan["counts"]["suppressed"]
        .as_u64()
        .unwrap_or_else(|| panic!("a plan:\n{}", run.transcript()))
}
