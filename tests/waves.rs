//! Staged waves (`delivery.waves`) through the real binary: a gate that
//! passes, one that fails on the API's refusals, one that fails on the
//! delivery reports the sandbox's simulation sends to a listener, and
//! `--no-wait` driving a rollout across runs.

use crate::apply::{Peer, TOKEN, apply, audience, nobody_twice};
use crate::support::Test;
use serde_json::Value;
use std::time::{Duration, Instant};
use wacast::listen::ListenerHandle;
use wacast::sandbox::{Delivery, Fates, Faults, SandboxConfig};

/// A campaign of `rows` recipients (each its own message) with `waves`, and
/// `delivery` settings besides.
fn campaign(rows: usize, waves: &str, delivery: &str) -> Test {
    let yaml = format!(
        "version: 1\nname: spring\nsender: {{bot_id: acme-bot, region: eu}}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  body_params: [\"{{{{ name }}}}\"]\naudience: {{file: audience.csv, default_country: GB}}\ndelivery:\n  rate_per_second: 1000\n  waves: {waves}\n{delivery}"
    );
    Test::new()
        .write("campaign.yaml", yaml)
        .write("audience.csv", audience(rows))
        .env("SINCH_TOKEN", TOKEN)
}

fn json(run: &crate::support::Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{}", run.transcript()))
}

fn plan_schedule(test: &Test) -> Value {
    let run = test.run(&["plan", "campaign.yaml", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    json(&run)["schedule"].clone()
}

fn received(peer: &Peer) -> usize {
    nobody_twice(peer);
    peer.received().len()
}

#[test]
fn a_gate_that_passes_sends_the_next_wave_after_its_wait() {
    let peer = Peer::start(Faults::default());
    let test = campaign(
        10,
        "[{size: 2, wait: 1s, max_failed_percent: 5}, {size: 50%, max_failed_percent: 5}]",
        "",
    );
    let schedule = plan_schedule(&test);
    assert_eq!(schedule["send_now"], 2, "{schedule}");
    assert_eq!(schedule["deferred_by"]["wave"], 8, "{schedule}");
    assert_eq!(
        schedule["waves"],
        serde_json::json!({"waves": 2, "wave": 1, "state": "sending", "left_in_wave": 2})
    );

    let started = Instant::now();
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the second wave waited for the first one's `wait`"
    );
    assert_eq!(received(&peer), 10, "after the last gate the rest went");
    assert!(
        run.stderr.contains("for 8 deferred recipient(s)"),
        "apply said it was waiting for the gate: {}",
        run.stderr
    );
}

#[test]
fn a_gate_fails_on_the_apis_refusals_and_a_rerun_checks_it_again() {
    let peer = Peer::start(Faults {
        fates: Fates {
            refused: 1.0,
            ..Fates::default()
        },
        seed: Some(7),
        ..Faults::default()
    });
    let test = campaign(10, "[{size: 4, max_failed_percent: 10}]", "");
    let run = apply(&test, &peer, &["--format", "json"]);
    assert_eq!(run.code, 5, "{}", run.transcript());
    assert_eq!(received(&peer), 4, "only the first wave was sent");
    let summary = json(&run);
    assert_eq!(summary["status"], "stopped");
    let stopped = summary["stopped"].as_str().unwrap();
    assert_eq!(
        stopped,
        "wave 1's gate `max_failed_percent: 10` failed: 4 of 4 recipients tried so far failed (100.0%), so the next wave was not sent"
    );
    insta::assert_snapshot!(
        "a_failed_gate_in_apply_text",
        test.run(&["apply", "campaign.yaml", "--yes", "--endpoint", &peer.url()])
            .stderr
            .lines()
            .filter(|line| line.contains("gate"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        received(&peer),
        4,
        "the rerun checked the gate again and sent nothing"
    );
    let schedule = plan_schedule(&test);
    assert_eq!(schedule["send_now"], 0, "{schedule}");
    assert_eq!(schedule["waves"]["state"], "gate failed", "{schedule}");
}

/// A listener recording the test's campaign's callbacks, on its own runtime.
struct Receiver {
    runtime: tokio::runtime::Runtime,
    listener: Option<ListenerHandle>,
}

impl Receiver {
    fn start(test: &Test) -> Receiver {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listener = runtime.block_on(crate::listen::listen(test.path(), None));
        Receiver {
            runtime,
            listener: Some(listener),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(listener) = self.listener.take() {
            self.runtime.block_on(listener.shutdown());
        }
    }
}

/// A sandbox whose simulated delivery reports all fail, a campaign of
/// `rows` with `waves` asking for reports, and a listener recording them
/// into the campaign's journal.
fn failing_deliveries(rows: usize, waves: &str) -> (Peer, Test, Receiver) {
    let peer = Peer::start_with(SandboxConfig {
        delivery: Delivery {
            step_delay: Duration::from_millis(20),
            failure_fraction: 1.0,
            retry_delay: Duration::from_millis(50),
            ..Delivery::default()
        },
        ..SandboxConfig::default()
    });
    let placeholder = "http://127.0.0.1:1/callbacks";
    let test = campaign(rows, waves, &format!("  callback_url: {placeholder}\n"));
    let receiver = Receiver::start(&test);
    let base = format!(
        "{}/callbacks",
        receiver.listener.as_ref().unwrap().base_url()
    );
    let yaml = test.read("campaign.yaml").replace(placeholder, &base);
    (peer, test.write("campaign.yaml", yaml), receiver)
}

#[test]
fn a_gate_fails_on_the_delivery_reports_of_the_first_wave() {
    let (peer, test, _receiver) = failing_deliveries(
        8,
        "[{size: 3, wait: 2s, max_failed_percent: 50, min_delivered_percent: 60}]",
    );
    let run = apply(&test, &peer, &["--format", "json"]);
    assert_eq!(run.code, 5, "{}", run.transcript());
    assert_eq!(received(&peer), 3, "only the first wave was sent");
    let stopped = json(&run)["stopped"].as_str().unwrap().to_owned();
    assert!(
        stopped.starts_with(
            "wave 1's gate `max_failed_percent: 50` failed: 3 of 3 recipients tried so far failed (100.0%)"
        ),
        "the failed delivery reports count as failures: {stopped}"
    );
    let status = test.run(&["status", "campaign.yaml", "--format", "json"]);
    let status = json(&status);
    assert_eq!(status["funnel"]["failed"], 3, "{status}");
}

#[test]
fn a_delivery_gate_counts_delivered_or_read_of_those_sent() {
    let (peer, test, _receiver) =
        failing_deliveries(6, "[{size: 2, wait: 2s, min_delivered_percent: 60}]");
    let run = apply(&test, &peer, &["--format", "json"]);
    assert_eq!(run.code, 5, "{}", run.transcript());
    assert_eq!(
        json(&run)["stopped"].as_str().unwrap(),
        "wave 1's gate `min_delivered_percent: 60` failed: 0 of 2 messages sent so far were delivered or read (0.0%), so the next wave was not sent"
    );
}

fn minutes_from_now(minutes: i64) -> String {
    let now = jiff::Timestamp::now();
    now.checked_add(jiff::SignedDuration::from_mins(minutes))
        .unwrap()
        .to_string()
}

#[test]
fn no_wait_ends_after_a_wave_and_a_later_apply_goes_on_once_the_wait_has_passed() {
    let peer = Peer::start(Faults::default());
    let test = campaign(5, "[{size: 2, wait: 15m, max_failed_percent: 5}]", "");
    let first = apply(&test, &peer, &["--no-wait", "--format", "json"]);
    assert_eq!(first.code, 6, "{}", first.transcript());
    assert_eq!(received(&peer), 2);
    let schedule = json(&first)["schedule"].clone();
    assert_eq!(schedule["deferred_by"]["wave"], 3, "{schedule}");
    assert_eq!(schedule["waves"]["state"], "waiting", "{schedule}");
    let next: jiff::Timestamp = schedule["next_send_at"].as_str().unwrap().parse().unwrap();
    let wait = jiff::Timestamp::now().duration_until(next);
    assert!(
        wait > jiff::SignedDuration::from_mins(14) && wait <= jiff::SignedDuration::from_mins(15),
        "the next wave goes 15 minutes after the first: {next}"
    );

    // Before the wait has passed, a rerun sends nothing and says when.
    let early = apply(&test, &peer, &["--no-wait", "--format", "json"]);
    assert_eq!(early.code, 6, "{}", early.transcript());
    assert_eq!(received(&peer), 2);
    assert_eq!(json(&early)["schedule"]["deferred_by"]["wave"], 3);
    let plan = plan_schedule(&test);
    assert_eq!(
        (plan["send_now"].clone(), plan["deferred"].clone()),
        (0.into(), 3.into())
    );
    let waves_line = |args: &[&str]| {
        let run = test.run(args);
        assert_eq!(run.code, 0, "{}", run.transcript());
        run.stdout
            .lines()
            .filter(|line| line.starts_with("waves"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    insta::assert_snapshot!(
        "between_waves_in_plan_and_status",
        format!(
            "plan:   {}\nstatus: {}",
            waves_line(&["plan", "campaign.yaml"]),
            waves_line(&["status", "campaign.yaml"])
        )
    );

    // Once it has, the gate is checked and the rest go.
    let later = test.env("WACAST_NOW", &minutes_from_now(20));
    let done = apply(&later, &peer, &["--no-wait", "--format", "json"]);
    assert_eq!(done.code, 0, "{}", done.transcript());
    assert_eq!(received(&peer), 5);
    assert_eq!(json(&done)["schedule"]["waves"]["state"], "done");
}

#[test]
fn bad_waves_are_errors_at_their_line() {
    let test = campaign(
        2,
        "[{size: 0}, {size: \"ten%\", wait: soon}, {size: 5%, max_failed_percent: 120}]",
        "",
    );
    let run = test.run(&["validate", "campaign.yaml"]);
    assert_eq!(run.code, 3, "{}", run.transcript());
    insta::assert_snapshot!("bad_waves", run.stderr);
}

#[test]
fn the_embedded_sandboxs_delivery_reports_open_a_delivery_gate() {
    let test = campaign(
        4,
        "[{size: 2, wait: 2s, max_failed_percent: 0, min_delivered_percent: 100}]",
        "",
    );
    let run = test.run(&[
        "apply",
        "campaign.yaml",
        "--sandbox",
        "--yes",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let summary = json(&run);
    assert_eq!(summary["counts"]["sent"], 4, "{summary}");
    assert_eq!(summary["schedule"]["waves"]["state"], "done", "{summary}");
    let status = test.run(&["status", "campaign.yaml", "--format", "json"]);
    assert_eq!(json(&status)["funnel"]["delivered"], 4);

    let refused = campaign(4, "[{size: 2, wait: 2s, min_delivered_percent: 100}]", "");
    let run = refused.run(&[
        "apply",
        "campaign.yaml",
        "--sandbox",
        "--no-delivery-reports",
        "--yes",
        "--format",
        "json",
    ]);
    assert_eq!(
        run.code,
        5,
        "without reports nothing is delivered: {}",
        run.transcript()
    );
    assert_eq!(json(&run)["counts"]["sent"], 2);
}

/// `apply --no-wait` against `peer` with the clock set to `now`.
fn apply_at(test: &Test, peer: &Peer, now: &str, extra: &[&str]) -> crate::support::Run {
    let url = peer.url();
    let mut args = vec![
        "apply",
        "campaign.yaml",
        "--yes",
        "--no-wait",
        "--endpoint",
        &url,
    ];
    args.extend_from_slice(extra);
    test.run_with(&args, &[("WACAST_NOW", now)])
}

#[test]
fn a_rollout_rehearsed_on_a_set_clock_reads_its_own_times_back() {
    let peer = Peer::start(Faults::default());
    let test = campaign(5, "[{size: 2, wait: 15m, max_failed_percent: 5}]", "");
    let first = apply_at(&test, &peer, "2026-01-15T10:00:00Z", &[]);
    assert_eq!(first.code, 6, "{}", first.transcript());
    let early = apply_at(&test, &peer, "2026-01-15T10:05:00Z", &["--format", "json"]);
    assert_eq!(early.code, 6, "{}", early.transcript());
    let next = json(&early)["schedule"]["next_send_at"].clone();
    assert!(
        next.as_str().unwrap().starts_with("2026-01-15T10:15:0"),
        "15 minutes after the first wave on the rehearsal's clock, not the system's: {next}"
    );
    assert_eq!(received(&peer), 2);
    let done = apply_at(&test, &peer, "2026-01-15T10:20:00Z", &[]);
    assert_eq!(done.code, 0, "{}", done.transcript());
    assert_eq!(received(&peer), 5);
}
