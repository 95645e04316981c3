//! One test per class of Graph error, each met on the real HTTP path: the
//! sandbox answers the second recipient with the codes, and the recipient's
//! final state, the retries and the exit code are checked.

use super::{Peer, apply_json, campaign, number, report, statuses, suppressed_when_retrying};
use wacast::sandbox::Faults;

const ONE_AT_A_TIME: &str = "concurrency: 1, rate_per_second: 1000, max_attempts: 6";

#[test]
fn throttling_codes_back_off_and_retry() {
    let peer = Peer::start(Faults::default());
    peer.handle()
        .script_meta_errors(&number(1), &[130429, 80007, 4, 17, 613]);
    let test = campaign(3, ONE_AT_A_TIME);
    let (code, summary, stderr) = apply_json(&test, &peer);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(statuses(&test), ["sent", "sent", "sent"]);
    assert_eq!(summary["this_run"]["retries"], 5);
    assert_eq!(peer.handle().stats().requests, 8, "3 sends and 5 retries");
    peer.nobody_twice();
}

#[test]
fn the_pair_limit_retries_that_recipient_after_a_pause() {
    let peer = Peer::start(Faults::default());
    peer.handle().script_meta_errors(&number(1), &[131056]);
    let test = campaign(2, ONE_AT_A_TIME);
    let started = std::time::Instant::now();
    let (code, summary, stderr) = apply_json(&test, &peer);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(statuses(&test), ["sent", "sent"]);
    assert_eq!(summary["this_run"]["retries"], 1);
    assert!(
        started.elapsed() >= wacast::transport::meta_cloud::answer::PAIR_PAUSE,
        "waited the pair-limit pause"
    );
    peer.nobody_twice();
}

#[test]
fn service_errors_with_an_answer_are_retried() {
    let peer = Peer::start(Faults::default());
    peer.handle()
        .script_meta_errors(&number(1), &[1, 2, 131000, 131016]);
    let test = campaign(3, ONE_AT_A_TIME);
    let (code, summary, stderr) = apply_json(&test, &peer);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(statuses(&test), ["sent", "sent", "sent"]);
    assert_eq!(summary["this_run"]["retries"], 4);
    peer.nobody_twice();
}

#[test]
fn recipient_failures_are_final_and_never_retried() {
    let codes = [
        131026, 131047, 131049, 131051, 100, 131008, 131009, 132005, 132012,
    ];
    // Every other recipient fails, so the error-rate breaker stays closed.
    let peer = Peer::start(Faults::default());
    for (n, code) in codes.iter().enumerate() {
        peer.handle()
            .script_meta_errors(&number(2 * n + 1), &[*code]);
    }
    let test = campaign(2 * codes.len() + 1, ONE_AT_A_TIME);
    let (code, summary, stderr) = apply_json(&test, &peer);
    assert_eq!(code, 4, "failures exit 4: {stderr}");
    assert_eq!(summary["this_run"]["retries"], 0);
    assert_eq!(summary["this_run"]["failed"], codes.len());
    assert_eq!(peer.handle().stats().requests as usize, 2 * codes.len() + 1);
    let rows = report(&test);
    for (n, code) in codes.iter().enumerate() {
        let row = &rows[2 * n + 1];
        assert_eq!(row.status, "failed", "{code}");
        assert!(row.error.starts_with(&format!("(#{code})")), "{row:?}");
        assert_eq!(rows[2 * n].status, "sent");
    }
    assert!(
        rows[5].error.contains("per-user marketing message limit"),
        "131049 says why: {}",
        rows[5].error
    );
    assert_eq!(
        peer.received().len(),
        codes.len() + 1,
        "the others were accepted"
    );
}

#[test]
fn a_user_who_stopped_marketing_is_failed_and_opted_out_for_every_later_plan() {
    let peer = Peer::start(Faults::default());
    peer.handle().script_meta_errors(&number(1), &[131050]);
    let test = campaign(3, ONE_AT_A_TIME);
    let (code, _, stderr) = apply_json(&test, &peer);
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(statuses(&test), ["sent", "failed", "sent"]);
    assert_eq!(
        test.read("optout.csv"),
        format!("phone\n+{}\n", number(1)),
        "appended to the campaign's suppression list"
    );
    let status = test.run(&[
        "status",
        "campaign.yaml",
        "--format",
        "json",
        "--show-numbers",
    ]);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["opted_out"]["count"], 1);
    assert_eq!(suppressed_when_retrying(&test), 1);
}

#[test]
fn a_template_level_failure_stops_the_run_early_and_names_the_template() {
    for code in [132000, 132001, 132015, 132016] {
        let peer = Peer::start(Faults::default());
        for n in 0..6 {
            peer.handle().script_meta_errors(&number(n), &[code]);
        }
        let test = campaign(6, ONE_AT_A_TIME);
        let (exit, summary, stderr) = apply_json(&test, &peer);
        assert_eq!(exit, 5, "stopped, resumable: {stderr}");
        assert_eq!(peer.handle().stats().requests, 1, "stopped after the first");
        assert_eq!(
            statuses(&test),
            [
                "failed", "pending", "pending", "pending", "pending", "pending"
            ]
        );
        let stopped = summary["stopped"].as_str().unwrap();
        assert!(
            stopped.starts_with(&format!("the template is the problem ((#{code})")),
            "{stopped}"
        );
        if code == 132001 {
            insta::assert_snapshot!("meta_cloud_template_refused", stopped);
        }
    }
}

#[test]
fn account_problems_stop_at_once_with_their_cause_and_resume() {
    let cases = [
        (0, "authentication failed"),
        (10, "permission"),
        (200, "permission"),
        (368, "blocked for policy violations"),
        (131031, "restricted or locked"),
        (131048, "quality rating"),
    ];
    for (code, cause) in cases {
        let peer = Peer::start(Faults::default());
        peer.handle().script_meta_errors(&number(1), &[code]);
        let test = campaign(3, ONE_AT_A_TIME);
        let (exit, summary, stderr) = apply_json(&test, &peer);
        assert_eq!(exit, 5, "{code}: {stderr}");
        assert_eq!(statuses(&test), ["sent", "pending", "pending"], "{code}");
        let stopped = summary["stopped"].as_str().unwrap();
        assert!(stopped.contains(&format!("(#{code})")), "{stopped}");
        assert!(stopped.contains(cause), "{code}: {stopped}");
        if code == 131048 {
            insta::assert_snapshot!("meta_cloud_spam_rate_limit", stopped);
        }
        let (exit, _, stderr) = apply_json(&test, &peer);
        assert_eq!(exit, 0, "{code} resumes: {stderr}");
        assert_eq!(statuses(&test), ["sent", "sent", "sent"]);
        peer.nobody_twice();
    }
}

#[test]
fn no_readable_answer_after_the_request_is_unknown() {
    let peer = Peer::start(Faults {
        server_error_fraction: 1.0,
        ..Faults::default()
    });
    let test = campaign(2, ONE_AT_A_TIME);
    let (exit, summary, stderr) = apply_json(&test, &peer);
    assert_eq!(exit, 4, "{stderr}");
    assert_eq!(summary["this_run"]["retries"], 0, "never retried");
    let rows = report(&test);
    assert!(rows.iter().all(|row| row.status == "unknown"), "{rows:?}");
    assert!(
        rows[0].error.contains("HTTP 502 without a Graph error"),
        "{rows:?}"
    );
}

#[test]
fn a_held_message_is_sent_and_keeps_metas_message_status() {
    let peer = Peer::start(Faults::default());
    peer.handle().script_meta_held(&number(1));
    let test = campaign(2, ONE_AT_A_TIME);
    let (code, summary, stderr) = apply_json(&test, &peer);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["counts"]["sent"], 2, "{summary:#}");
    let report = test.read(".wacast/spring-report.csv");
    let mut rows = csv::Reader::from_reader(report.as_bytes());
    let delivery: Vec<String> = rows
        .records()
        .map(|row| row.unwrap()[7].to_owned())
        .collect();
    assert_eq!(delivery, ["", "held_for_quality_assessment"], "{report}");
    peer.nobody_twice();
}
