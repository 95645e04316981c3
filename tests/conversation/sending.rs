//! Tokens, answers and faults of `messages:send`, end to end.

use super::{SIMPLE, apply, campaign, peer};
use crate::apply::{nobody_twice, statuses};
use std::time::{Duration, Instant};
use wacast::sandbox::{Faults, Latency};

#[test]
fn one_token_serves_a_whole_run_and_every_recipient_is_sent_once() {
    let peer = peer(|_| {});
    let test = campaign(12, "concurrency: 4, rate_per_second: 1000", SIMPLE);
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(peer.received().len(), 12);
    nobody_twice(&peer);
    assert_eq!(peer.handle().tokens_issued(), 1, "one token for 12 sends");
    assert_eq!(statuses(&test).get("sent"), Some(&12));
    let secrets = [super::KEY_SECRET, "sandbox-jwt"];
    for text in [
        &run.stdout,
        &run.stderr,
        &test.read(".wacast/spring-report.csv"),
    ] {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
    let again = apply(&test, &peer, &[]);
    assert_eq!(again.code, 0, "{}", again.transcript());
    assert_eq!(peer.handle().stats().requests, 12, "a rerun sends nothing");
}

#[test]
fn a_token_expiring_mid_run_is_bought_again_and_nobody_is_sent_twice() {
    let peer = peer(|c| c.conversation.expire_token_after = Some(4));
    let test = campaign(10, "concurrency: 1, rate_per_second: 1000", SIMPLE);
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(peer.received().len(), 10);
    nobody_twice(&peer);
    let stats = peer.handle().stats();
    assert_eq!(
        stats.unauthorized, 2,
        "the 5th and 9th sends met an expired token"
    );
    assert_eq!(peer.handle().tokens_issued(), 3);
    assert_eq!(statuses(&test).get("sent"), Some(&10));
}

#[test]
fn the_token_endpoints_429_is_backed_off() {
    let peer = peer(|c| c.conversation.throttle_token_requests = 2);
    let test = campaign(3, "concurrency: 2, rate_per_second: 1000", SIMPLE);
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(peer.handle().stats().throttled, 2);
    assert_eq!(peer.handle().tokens_issued(), 1, "one token after two 429s");
    assert_eq!(peer.received().len(), 3);
}

#[test]
fn workers_share_one_refresh() {
    let peer = peer(|c| {
        c.conversation.token_lifetime = Duration::from_secs(2);
        c.faults.latency = Some(Latency::Fixed(Duration::from_millis(20)));
    });
    let test = campaign(120, "concurrency: 8, rate_per_second: 40", SIMPLE);
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    nobody_twice(&peer);
    let issued = peer.handle().tokens_issued();
    // 3 s of sending with tokens refreshed every second: 3 or 4 tokens, not one per worker.
    assert!((2..=5).contains(&issued), "{issued} tokens");
    assert_eq!(
        peer.handle().stats().unauthorized,
        0,
        "refreshed before expiry"
    );
}

#[test]
fn a_wrong_access_key_stops_before_sending_anything() {
    let peer = peer(|_| {});
    let test = campaign(3, "concurrency: 1, rate_per_second: 1000", SIMPLE)
        .env("SINCH_KEY_SECRET", "not-the-secret");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 5, "{}", run.transcript());
    assert!(run.stderr.contains("SINCH_KEY_ID"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-secret"));
    assert_eq!(peer.handle().stats().requests, 0);
    assert_eq!(statuses(&test).get("pending"), Some(&3));
}

#[test]
fn without_an_access_key_nothing_is_sent() {
    let test = campaign(1, "rate_per_second: 10", SIMPLE).env("SINCH_KEY_ID", "");
    let run = test.run(&["apply", "campaign.yaml", "--yes"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    insta::assert_snapshot!(run.stderr.lines().last().unwrap(), @"error: no access key id: set `SINCH_KEY_ID` (or `--sandbox` to send to a local sandbox)");
}

#[test]
fn the_secret_can_come_from_a_file() {
    let peer = peer(|_| {});
    let test = campaign(2, "rate_per_second: 1000", SIMPLE)
        .env("SINCH_KEY_SECRET", "wrong")
        .write("key-secret", format!("{}\n", super::KEY_SECRET));
    let run = apply(&test, &peer, &["--key-secret-file", "key-secret"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(peer.received().len(), 2);
}

#[test]
fn throttling_with_retry_after_pauses_and_without_it_backs_off() {
    for retry_after_secs in [1, 0] {
        let peer = peer(|c| {
            c.faults = Faults {
                throttle_fraction: 0.4,
                retry_after_secs,
                seed: Some(7),
                ..Faults::default()
            }
        });
        let test = campaign(
            6,
            "concurrency: 1, rate_per_second: 1000, max_attempts: 10",
            SIMPLE,
        );
        let started = Instant::now();
        let run = apply(&test, &peer, &[]);
        let elapsed = started.elapsed();
        assert_eq!(run.code, 0, "{}", run.transcript());
        let throttled = peer.handle().stats().throttled;
        assert!(throttled >= 1, "the seed throttles some requests");
        if retry_after_secs > 0 {
            assert!(elapsed >= Duration::from_secs(throttled), "{elapsed:?}");
        }
        assert_eq!(peer.received().len(), 6);
        nobody_twice(&peer);
    }
}

#[test]
fn unavailable_is_retried() {
    let peer = peer(|c| {
        c.faults = Faults {
            unavailable_fraction: 0.5,
            seed: Some(3),
            ..Faults::default()
        }
    });
    let test = campaign(
        8,
        "concurrency: 2, rate_per_second: 1000, max_attempts: 8",
        SIMPLE,
    );
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(peer.handle().stats().unavailable > 0);
    assert_eq!(peer.received().len(), 8);
    nobody_twice(&peer);
}

#[test]
fn access_denied_stops_at_once_naming_the_cause() {
    let peer = peer(|c| c.conversation.deny_access = true);
    let test = campaign(5, "concurrency: 1, rate_per_second: 1000", SIMPLE);
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 5, "{}", run.transcript());
    assert_eq!(
        peer.handle().stats().requests,
        1,
        "stopped at the first 403"
    );
    assert_eq!(statuses(&test).get("pending"), Some(&5));
    let stopped = run
        .stderr
        .lines()
        .find(|l| l.starts_with("stopped:"))
        .unwrap();
    insta::assert_snapshot!(stopped);
}

#[test]
fn a_project_or_app_not_found_stops_at_once_naming_the_cause() {
    let peer = peer(|c| c.conversation.project_id = "another-project".into());
    let test = campaign(5, "concurrency: 1, rate_per_second: 1000", SIMPLE);
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 5, "{}", run.transcript());
    assert_eq!(
        peer.handle().stats().requests,
        1,
        "stopped at the first 404"
    );
    let url = peer.url();
    let stopped = run.stderr.lines().find(|l| l.contains("404")).unwrap();
    insta::assert_snapshot!(stopped.replace(&url, "[sandbox]"));
}

#[test]
fn server_errors_and_lost_answers_are_unknown_and_never_resent() {
    let peer = peer(|c| {
        c.faults = Faults {
            lost_answer_fraction: 0.3,
            server_error_fraction: 0.2,
            seed: Some(11),
            ..Faults::default()
        }
    });
    let test = campaign(20, "concurrency: 2, rate_per_second: 1000", SIMPLE);
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 4, "{}", run.transcript());
    let stats = peer.handle().stats();
    assert!(stats.lost_answers > 0 && stats.server_errors > 0);
    let unknown = (stats.lost_answers + stats.server_errors) as usize;
    assert_eq!(statuses(&test).get("unknown"), Some(&unknown));
    peer.set_faults(Faults::default());
    let again = apply(&test, &peer, &[]);
    assert_eq!(again.code, 4, "{}", again.transcript());
    nobody_twice(&peer);
}

#[test]
fn concurrency_and_rate_hold() {
    let peer = peer(|c| c.faults.latency = Some(Latency::Fixed(Duration::from_millis(40))));
    let test = campaign(60, "concurrency: 3, rate_per_second: 30", SIMPLE);
    let started = Instant::now();
    let run = apply(&test, &peer, &[]);
    let elapsed = started.elapsed();
    assert_eq!(run.code, 0, "{}", run.transcript());
    let stats = peer.handle().stats();
    assert!(
        stats.max_in_flight <= 3,
        "{} in flight",
        stats.max_in_flight
    );
    let received: Vec<u64> = peer
        .handle()
        .messages()
        .iter()
        .map(|m| m.received_at_ms)
        .collect();
    let first = *received.iter().min().unwrap();
    let last = *received.iter().max().unwrap();
    // 60 at 30/s: at least (60 - burst) / 30 s between the first and the last.
    assert!(last - first >= 1_900, "{} ms for 60 at 30/s", last - first);
    assert!(elapsed < Duration::from_secs(15), "{elapsed:?}");
}

#[test]
fn kill_9_then_resume_sends_nobody_twice_and_loses_nobody() {
    let peer = peer(|c| c.faults.latency = Some(Latency::Fixed(Duration::from_millis(150))));
    let test = campaign(30, "concurrency: 2, rate_per_second: 1000", SIMPLE);
    let url = peer.url();
    let mut child = test
        .command(&[
            "apply",
            "campaign.yaml",
            "--yes",
            "--endpoint",
            &url,
            "--auth-endpoint",
            &url,
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while peer.handle().stats().requests < 6 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(peer.received().len() < 30, "killed mid-run");
    peer.set_faults(Faults::default());
    let resumed = apply(&test, &peer, &[]);
    assert!(matches!(resumed.code, 0 | 4), "{}", resumed.transcript());
    crate::apply::every_one_sent_once_or_unknown(&test, &peer, 30);
}

#[test]
fn the_embedded_sandbox_sends_a_conversation_campaign() {
    let test = campaign(4, "rate_per_second: 1000", SIMPLE)
        .env("SINCH_KEY_ID", "")
        .env("SINCH_KEY_SECRET", "");
    let run = test.run(&["apply", "campaign.yaml", "--yes", "--sandbox"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("the embedded sandbox received 4 message(s)"),
        "{}",
        run.stderr
    );
    assert_eq!(statuses(&test).get("sent"), Some(&4));
}
