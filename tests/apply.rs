//! `wacast apply` through the real HTTP path: the binary sends to a sandbox
//! started in this process, with its faults, and the journal, the report and
//! the sandbox's record are checked against each other.

use crate::support::Test;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use wacast::sandbox::{Faults, Latency, Sandbox, SandboxConfig, SandboxHandle};

pub(crate) const TOKEN: &str = "test-token-5f1d0c9e";

/// A sandbox on its own runtime, for tests that run the binary against it.
pub(crate) struct Peer {
    runtime: tokio::runtime::Runtime,
    sandbox: Option<SandboxHandle>,
}

impl Peer {
    pub(crate) fn start(faults: Faults) -> Peer {
        Peer::start_with(SandboxConfig {
            faults,
            ..SandboxConfig::default()
        })
    }

    /// A sandbox with `config`, accepting the tests' bot and token.
    pub(crate) fn start_with(config: SandboxConfig) -> Peer {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let config = SandboxConfig {
            bot_id: "acme-bot".into(),
            token: TOKEN.into(),
            ..config
        };
        let sandbox = runtime.block_on(Sandbox::start(config)).unwrap();
        Peer {
            runtime,
            sandbox: Some(sandbox),
        }
    }

    pub(crate) fn handle(&self) -> &SandboxHandle {
        self.sandbox.as_ref().unwrap()
    }

    pub(crate) fn url(&self) -> String {
        self.handle().base_url()
    }

    /// How many messages each number received.
    pub(crate) fn received(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for message in self.handle().messages() {
            *counts.entry(message.recipient).or_default() += 1;
        }
        counts
    }

    pub(crate) fn set_faults(&self, faults: Faults) {
        self.handle().set_faults(faults).unwrap();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }
}

/// A campaign of `rows` recipients; `same` gives every recipient the same message.
pub(crate) fn campaign(rows: usize, same: bool, delivery: &str) -> Test {
    let body = if same { "Spring sale" } else { "{{ name }}" };
    let yaml = format!(
        "version: 1\nname: spring\nsender: {{bot_id: acme-bot, region: eu}}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  body_params: [\"{body}\"]\naudience: {{file: audience.csv, default_country: GB}}\ndelivery: {{{delivery}}}\n"
    );
    Test::new()
        .write("campaign.yaml", yaml)
        .write("audience.csv", audience(rows))
        .env("SINCH_TOKEN", TOKEN)
}

/// An audience of `rows` UK numbers with a name each.
pub(crate) fn audience(rows: usize) -> String {
    let mut csv = String::from("phone,name\n");
    for row in 0..rows {
        csv.push_str(&format!("07400 {:06},Name {row}\n", 100_000 + row));
    }
    csv
}

pub(crate) fn apply(test: &Test, peer: &Peer, extra: &[&str]) -> crate::support::Run {
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

/// The report as (phone, status) pairs, in line order.
pub(crate) fn report(test: &Test) -> Vec<(String, String)> {
    let text = test.read(".wacast/spring-report.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_owned(), r[2].to_owned())
        })
        .collect()
}

pub(crate) fn statuses(test: &Test) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for (_, status) in report(test) {
        *counts.entry(status).or_default() += 1;
    }
    counts
}

/// `wacast apply` against `peer`, started in the background.
pub(crate) fn start_apply(test: &Test, peer: &Peer) -> std::process::Child {
    let url = peer.url();
    test.command(&["apply", "campaign.yaml", "--yes", "--endpoint", &url])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits (up to 20 s) until the sandbox has answered `requests` requests.
pub(crate) fn wait_for_requests(peer: &Peer, requests: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while peer.handle().stats().requests < requests && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every report row is `sent` (and received exactly once) or `unknown`.
pub(crate) fn sent_once_or_unknown(peer: &Peer, rows: &[(String, String)]) {
    let received = peer.received();
    for (phone, status) in rows {
        match status.as_str() {
            "sent" => assert_eq!(received.get(phone), Some(&1), "{phone} is sent once"),
            "unknown" => {}
            other => panic!("{phone} ended `{other}`"),
        }
    }
}

/// Nobody was sent twice, and each of the `rows` recipients is in the
/// report, sent (received once) or unknown.
pub(crate) fn every_one_sent_once_or_unknown(test: &Test, peer: &Peer, rows: usize) {
    nobody_twice(peer);
    let report = report(test);
    assert_eq!(report.len(), rows, "nobody is lost");
    sent_once_or_unknown(peer, &report);
}

pub(crate) fn nobody_twice(peer: &Peer) {
    let twice: Vec<_> = peer
        .received()
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
}

#[test]
fn sends_every_recipient_once_and_reports_them() {
    let peer = Peer::start(Faults::default());
    let test = campaign(12, false, "concurrency: 4, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(peer.received().len(), 12);
    nobody_twice(&peer);
    let rows = report(&test);
    assert_eq!(rows.len(), 12);
    assert!(
        rows.iter()
            .all(|(phone, status)| status == "sent" && phone.bytes().all(|b| b.is_ascii_digit()))
    );
    let bodies: Vec<String> = peer
        .handle()
        .messages()
        .iter()
        .map(|m| {
            m.body["message"]["body_params"][0]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(bodies.contains(&"Name 0".to_owned()) && bodies.contains(&"Name 11".to_owned()));

    let again = apply(&test, &peer, &[]);
    assert_eq!(again.code, 0, "{}", again.transcript());
    assert!(again.stderr.contains("0 to send"), "{}", again.stderr);
    assert_eq!(peer.handle().stats().requests, 12, "a rerun sends nothing");
}

#[test]
fn identical_messages_are_batched_up_to_twenty() {
    let peer = Peer::start(Faults::default());
    let test = campaign(45, true, "concurrency: 2, rate_per_second: 5000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(peer.received().len(), 45);
    let stats = peer.handle().stats();
    assert_eq!(stats.requests, 3, "45 identical messages take 20 + 20 + 5");
    let sizes: Vec<usize> = peer
        .handle()
        .messages()
        .iter()
        .map(|m| m.body["to"].as_array().unwrap().len())
        .collect();
    assert!(sizes.iter().all(|n| *n <= 20));
}

#[test]
fn concurrency_never_exceeds_the_setting() {
    let faults = Faults {
        latency: Some(Latency::Fixed(Duration::from_millis(60))),
        ..Faults::default()
    };
    let peer = Peer::start(faults);
    let test = campaign(24, false, "concurrency: 3, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let stats = peer.handle().stats();
    assert!(
        stats.max_in_flight <= 3,
        "{} in flight",
        stats.max_in_flight
    );
    assert_eq!(stats.max_in_flight, 3, "the workers do overlap");
}

#[test]
fn throttling_pauses_every_worker_for_retry_after() {
    let faults = Faults {
        throttle_fraction: 0.4,
        retry_after_secs: 1,
        seed: Some(7),
        ..Faults::default()
    };
    let peer = Peer::start(faults);
    let test = campaign(
        6,
        false,
        "concurrency: 1, rate_per_second: 1000, max_attempts: 10",
    );
    let started = Instant::now();
    let run = apply(&test, &peer, &[]);
    let elapsed = started.elapsed();
    assert_eq!(run.code, 0, "{}", run.transcript());
    let stats = peer.handle().stats();
    assert!(stats.throttled >= 1, "the seed throttles some requests");
    assert!(
        elapsed >= Duration::from_secs(stats.throttled),
        "{} throttled answers asked for {} s of pauses, the run took {elapsed:?}",
        stats.throttled,
        stats.throttled
    );
    assert_eq!(peer.received().len(), 6);
    nobody_twice(&peer);
}

#[test]
fn service_unavailable_bursts_are_retried() {
    let faults = Faults {
        unavailable_fraction: 0.5,
        seed: Some(3),
        ..Faults::default()
    };
    let peer = Peer::start(faults);
    let test = campaign(
        10,
        false,
        "concurrency: 2, rate_per_second: 1000, max_attempts: 8",
    );
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(peer.handle().stats().unavailable > 0);
    assert_eq!(peer.received().len(), 10);
    nobody_twice(&peer);
}

#[test]
fn lost_answers_become_unknown_and_are_never_sent_twice() {
    let faults = Faults {
        lost_answer_fraction: 0.3,
        seed: Some(11),
        ..Faults::default()
    };
    let peer = Peer::start(faults);
    let test = campaign(20, false, "concurrency: 2, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 4, "{}", run.transcript());
    let lost = peer.handle().stats().lost_answers as usize;
    assert!(lost > 0);
    assert_eq!(statuses(&test).get("unknown"), Some(&lost));
    assert_eq!(
        peer.received().len(),
        20,
        "lost answers were still recorded as sent"
    );

    peer.set_faults(Faults::default());
    let again = apply(&test, &peer, &[]);
    assert_eq!(
        again.code,
        4,
        "unknown recipients stay unknown: {}",
        again.transcript()
    );
    nobody_twice(&peer);

    let resent = apply(&test, &peer, &["--resend-unknown"]);
    assert_eq!(resent.code, 0, "{}", resent.transcript());
    assert_eq!(statuses(&test).get("sent"), Some(&20));
    let twice = peer.received().values().filter(|n| **n == 2).count();
    assert_eq!(
        twice, lost,
        "only the unknown ones were sent again, on request"
    );
}

#[test]
fn server_errors_are_unknown_not_retried() {
    let faults = Faults {
        server_error_fraction: 1.0,
        ..Faults::default()
    };
    let peer = Peer::start(faults);
    let test = campaign(3, false, "concurrency: 1, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 4, "{}", run.transcript());
    assert_eq!(
        peer.handle().stats().server_errors,
        3,
        "one request each, no retries"
    );
    assert_eq!(statuses(&test).get("unknown"), Some(&3));
}

#[test]
fn a_revoked_token_stops_the_run_and_a_rerun_finishes_it() {
    let faults = Faults {
        revoke_after: Some(5),
        ..Faults::default()
    };
    let peer = Peer::start(faults);
    let test = campaign(15, false, "concurrency: 1, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 5, "{}", run.transcript());
    assert!(run.stderr.contains("check SINCH_TOKEN"), "{}", run.stderr);
    assert_eq!(
        peer.handle().stats().unauthorized,
        1,
        "dispatching stopped at the first 401"
    );
    let counts = statuses(&test);
    assert_eq!(counts.get("sent"), Some(&5));
    assert_eq!(counts.get("pending"), Some(&10));

    peer.set_faults(Faults::default());
    let again = apply(&test, &peer, &[]);
    assert_eq!(again.code, 0, "{}", again.transcript());
    assert_eq!(peer.received().len(), 15);
    nobody_twice(&peer);
}

#[test]
fn most_requests_failing_trips_the_breaker() {
    let faults = Faults {
        server_error_fraction: 1.0,
        ..Faults::default()
    };
    let peer = Peer::start(faults);
    let test = campaign(60, false, "concurrency: 1, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 5, "{}", run.transcript());
    assert!(run.stderr.contains("of the last"), "{}", run.stderr);
    let requests = peer.handle().stats().requests;
    assert!(
        requests < 20,
        "stopped after {requests} requests instead of burning through 60"
    );
}

#[test]
fn kill_9_mid_apply_then_resume_sends_nobody_twice_and_loses_nobody() {
    let faults = Faults {
        latency: Some(Latency::Fixed(Duration::from_millis(150))),
        ..Faults::default()
    };
    let peer = Peer::start(faults);
    let test = campaign(30, false, "concurrency: 2, rate_per_second: 1000");
    let mut child = start_apply(&test, &peer);
    wait_for_requests(&peer, 6);
    child.kill().unwrap();
    child.wait().unwrap();
    let before = peer.received().len();
    assert!(before < 30, "killed mid-run");

    peer.set_faults(Faults::default());
    let resumed = apply(&test, &peer, &[]);
    assert!(matches!(resumed.code, 0 | 4), "{}", resumed.transcript());
    nobody_twice(&peer);
    let rows = report(&test);
    assert_eq!(rows.len(), 30, "nobody is lost");
    sent_once_or_unknown(&peer, &rows);
}

#[test]
fn a_second_apply_is_refused_while_one_runs() {
    let faults = Faults {
        latency: Some(Latency::Fixed(Duration::from_millis(200))),
        ..Faults::default()
    };
    let peer = Peer::start(faults);
    let test = campaign(50, false, "concurrency: 1, rate_per_second: 1000");
    let mut first = start_apply(&test, &peer);
    wait_for_requests(&peer, 1);
    let second = apply(&test, &peer, &[]);
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(second.code, 1, "{}", second.transcript());
    assert!(
        second
            .stderr
            .contains("another apply of `spring` is running (pid "),
        "{}",
        second.stderr
    );
}

#[test]
fn the_token_never_appears_anywhere() {
    let peer = Peer::start(Faults {
        server_error_fraction: 0.5,
        seed: Some(1),
        ..Faults::default()
    });
    let test = campaign(6, false, "concurrency: 2, rate_per_second: 1000");
    let run = apply(&test, &peer, &["--format", "json"]);
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
    for entry in std::fs::read_dir(test.path().join(".wacast")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(TOKEN));
    }
}

#[test]
fn without_a_token_nothing_is_sent() {
    let peer = Peer::start(Faults::default());
    let seeded = campaign(2, false, "concurrency: 1");
    let test = Test::new()
        .write("campaign.yaml", seeded.read("campaign.yaml"))
        .write("audience.csv", seeded.read("audience.csv"));
    let url = peer.url();
    let run = test.run(&["apply", "campaign.yaml", "--yes", "--endpoint", &url]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_eq!(peer.handle().stats().requests, 0);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn without_yes_and_without_a_terminal_nothing_is_sent() {
    let peer = Peer::start(Faults::default());
    let test = campaign(2, false, "concurrency: 1");
    let url = peer.url();
    let run = test.run(&["apply", "campaign.yaml", "--endpoint", &url]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stderr.contains("pass `--yes`"), "{}", run.stderr);
    assert_eq!(peer.handle().stats().requests, 0);
}

#[test]
fn json_summary_on_stdout() {
    let peer = Peer::start(Faults::default());
    let test = campaign(3, false, "concurrency: 1, rate_per_second: 1000");
    let run = apply(&test, &peer, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        summary["this_run"]["recipients_per_second"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    insta::assert_json_snapshot!(summary, {
        ".this_run.seconds" => "[seconds]",
        ".this_run.recipients_per_second" => "[rate]",
    });
}

#[test]
fn the_embedded_sandbox_runs_a_campaign_end_to_end() {
    let test = campaign(5, false, "concurrency: 2, rate_per_second: 1000");
    let run = test.run(&["apply", "campaign.yaml", "--sandbox", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("the embedded sandbox received 5 message(s)"),
        "{}",
        run.stderr
    );
    assert_eq!(statuses(&test).get("sent"), Some(&5));
}

#[test]
fn a_password_in_the_endpoint_is_never_shown() {
    let peer = Peer::start(Faults::default());
    let url = peer.url().replace("http://", "http://ops:pa55word@");
    let test = campaign(2, false, "concurrency: 1, rate_per_second: 1000");
    let run = test.run(&["apply", "campaign.yaml", "--yes", "--endpoint", &url]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stderr.contains("via http://ops:***@"), "{}", run.stderr);
    assert!(
        !run.transcript().contains("pa55word"),
        "{}",
        run.transcript()
    );
    let bad = test.run(&[
        "apply",
        "campaign.yaml",
        "--yes",
        "--endpoint",
        "ftp://ops:pa55word@x",
    ]);
    assert!(
        !bad.transcript().contains("pa55word"),
        "{}",
        bad.transcript()
    );
}

#[test]
fn a_second_ctrl_c_stops_at_once_and_leaves_the_requests_in_flight_unknown() {
    let peer = Peer::start(Faults {
        hang_fraction: 1.0,
        ..Faults::default()
    });
    let test = campaign(6, false, "concurrency: 2, rate_per_second: 1000");
    let url = peer.url();
    let mut child = test
        .command(&["apply", "campaign.yaml", "--yes", "--endpoint", &url])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, read) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
            let _ = lines.send(line.unwrap_or_default());
        }
    });
    wait_for_requests(&peer, 2);
    let interrupt = || unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    interrupt();
    let told = std::iter::from_fn(|| read.recv_timeout(Duration::from_secs(10)).ok())
        .find(|line| line.starts_with("stopping:"))
        .expect("the first Ctrl-C says what apply waits for");
    assert!(told.contains("Press Ctrl-C again to stop now"), "{told}");
    let second = Instant::now();
    interrupt();
    let status = child.wait().unwrap();
    assert!(
        second.elapsed() < Duration::from_secs(5),
        "the second Ctrl-C does not wait out the 20 s: {:?}",
        second.elapsed()
    );
    assert_eq!(status.code(), Some(5), "stopped, resumable");
    // Every line to the end: the reader may not have passed the last ones on yet.
    let rest: Vec<String> = read.iter().collect();
    assert!(
        rest.iter().any(|line| line.contains("interrupted")),
        "{rest:#?}"
    );
    let states: Vec<String> = report(&test).into_iter().map(|(_, s)| s).collect();
    assert_eq!(
        states.iter().filter(|s| *s == "unknown").count(),
        2,
        "the two requests in flight: {states:?}"
    );
    assert_eq!(states.iter().filter(|s| *s == "pending").count(), 4);
}

#[test]
fn media_behind_authentication_names_its_provider_in_the_v1_body() {
    let peer = Peer::start(Faults::default());
    let yaml = "version: 1\nname: spring\nsender: {bot_id: acme-bot, region: eu}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  media: {type: document, url: \"https://intranet.example.com/invoices/latest.pdf\", filename: invoice.pdf, provider: intranet-basic-auth}\n  body_params: [\"{{ name }}\"]\naudience: {file: audience.csv, default_country: GB}\n";
    let test = Test::new()
        .write("campaign.yaml", yaml)
        .write("audience.csv", audience(2))
        .env("SINCH_TOKEN", TOKEN);
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let media: Vec<serde_json::Value> = peer
        .handle()
        .messages()
        .into_iter()
        .map(|m| m.body["message"]["media"].clone())
        .collect();
    assert_eq!(
        media[0],
        serde_json::json!({"type": "document", "url": "https://intranet.example.com/invoices/latest.pdf",
            "filename": "invoice.pdf", "provider": "intranet-basic-auth"})
    );
    assert_eq!(media.len(), 2);
}

#[test]
fn resend_unknown_leaves_a_suppressed_number_unknown_and_says_so_up_front() {
    let peer = Peer::start(Faults {
        lost_answer_fraction: 1.0,
        ..Faults::default()
    });
    let test = campaign(3, false, "concurrency: 1, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 4, "{}", run.transcript());
    assert_eq!(statuses(&test).get("unknown"), Some(&3));
    peer.set_faults(Faults::default());
    // The second number asks not to be messaged again before anyone knows
    // whether its message went out.
    let yaml = test.read("campaign.yaml").replace(
        "default_country: GB}",
        "default_country: GB, suppress: [stop.csv]}",
    );
    let test = test
        .write("campaign.yaml", yaml)
        .write("stop.csv", "phone\n07400 100001\n");
    let resent = apply(&test, &peer, &["--resend-unknown"]);
    assert!(
        resent.stderr.contains("2 to send"),
        "the first line counts only who will be sent: {}",
        resent.transcript()
    );
    assert_eq!(peer.received().get("447400100001"), Some(&1), "never again");
    assert_eq!(peer.received().values().filter(|n| **n == 2).count(), 2);
    let counts = statuses(&test);
    assert_eq!(
        (
            counts.get("sent"),
            counts.get("unknown"),
            counts.get("pending")
        ),
        (Some(&2), Some(&1), None),
        "{}",
        resent.transcript()
    );
    assert_eq!(
        resent.code,
        4,
        "one is still unknown: {}",
        resent.transcript()
    );
}
