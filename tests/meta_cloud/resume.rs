//! Stopping and resuming: an expired token (190) stops the run resumably,
//! and a run killed with `kill -9` resumes without sending anyone twice.

use super::{Peer, apply, apply_json, campaign, report, statuses};
use std::time::{Duration, Instant};
use wacast::sandbox::{Faults, Latency};

#[test]
fn an_expired_token_stops_resumably_then_the_run_resumes() {
    let peer = Peer::start(Faults {
        revoke_after: Some(2),
        ..Faults::default()
    });
    let test = campaign(5, "concurrency: 1, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 5, "{}", run.transcript());
    assert_eq!(
        statuses(&test),
        ["sent", "sent", "pending", "pending", "pending"]
    );
    let rows = report(&test);
    assert!(
        rows[2].error.starts_with("refused (401): (#190)"),
        "{rows:?}"
    );
    let message = run
        .stderr
        .lines()
        .find(|line| line.contains("(#190)"))
        .unwrap_or_else(|| panic!("the cause is named:\n{}", run.stderr));
    insta::assert_snapshot!("meta_cloud_token_expired", message);
    assert!(
        !run.stderr.contains(super::TOKEN),
        "the token is never shown"
    );

    peer.handle().set_faults(Faults::default()).unwrap();
    let (code, summary, stderr) = apply_json(&test, &peer);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["this_run"]["sent"], 3);
    assert!(statuses(&test).iter().all(|s| s == "sent"));
    peer.nobody_twice();
}

#[test]
fn kill_9_then_resume_sends_nobody_twice_and_loses_nobody() {
    let peer = Peer::start(Faults {
        latency: Some(Latency::Fixed(Duration::from_millis(100))),
        ..Faults::default()
    });
    let test = campaign(30, "concurrency: 2, rate_per_second: 1000");
    let url = peer.url();
    let mut child = test
        .command(&["apply", "campaign.yaml", "--yes", "--endpoint", &url])
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

    peer.handle().set_faults(Faults::default()).unwrap();
    let resumed = apply(&test, &peer, &[]);
    assert!(matches!(resumed.code, 0 | 4), "{}", resumed.transcript());
    peer.nobody_twice();
    let received = peer.received();
    let rows = report(&test);
    assert_eq!(rows.len(), 30, "nobody is lost");
    for row in &rows {
        match row.status.as_str() {
            "sent" => {
                assert_eq!(received.get(&row.phone), Some(&1), "{row:?}");
                assert!(row.message_id.starts_with("wamid."), "{row:?}");
            }
            "unknown" => {}
            other => panic!("{row:?} ended `{other}`"),
        }
    }
}
