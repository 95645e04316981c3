//! `wacast status`: the funnel after the sandbox's simulated delivery reports
//! reach the listener, failures by reason, opt-outs, masking and JSON.

use crate::listen::{campaign, listen, phone, post, seed};
use crate::support::Test;
use serde_json::{Value, json};
use std::time::Duration;
use wacast::journal::{State, StateLocation};
use wacast::sandbox::{Delivery, Sandbox, SandboxConfig, SandboxHandle};

/// A sandbox reporting every message's delivery to `callback`, failing all
/// of them with `failing`.
async fn sandbox(callback: &str, failing: bool) -> SandboxHandle {
    Sandbox::start(SandboxConfig {
        delivery: Delivery {
            callback_url: Some(callback.to_owned()),
            // Long enough for the test to record the sends before the first report.
            step_delay: Duration::from_millis(150),
            failure_fraction: if failing { 1.0 } else { 0.0 },
            retry_delay: Duration::from_millis(20),
            ..Delivery::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

/// Sends one message to recipients `to` and returns their message ids.
async fn send(sandbox: &SandboxHandle, to: &[u64]) -> Vec<String> {
    let body = json!({
        "to": to.iter().map(|n| phone(*n).digits()).collect::<Vec<_>>(),
        "message": {"type": "template", "template_name": "spring_sale", "language": "en_GB",
                    "body_params": ["Ann"], "media": {"type": "text"}}
    });
    let answer: Value = reqwest::Client::new()
        .post(sandbox.messages_url())
        .bearer_auth(sandbox.token())
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["message_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits (up to 10 s) until the journal holds `events` processed reports:
/// each recipient's delivery states reported (a bit each of `reported`),
/// and the orphans.
async fn wait_for_reports(test: &Test, events: i64) {
    let db = rusqlite::Connection::open(test.path().join(".wacast/journal.sqlite")).unwrap();
    for _ in 0..1000 {
        let seen: i64 = db
            .query_row(
                "SELECT (SELECT COALESCE(SUM((reported >> 1 & 1) + (reported >> 2 & 1)
                     + (reported >> 3 & 1) + (reported >> 4 & 1) + (reported >> 5 & 1)
                     + (reported >> 6 & 1)), 0) FROM recipients)
                     + (SELECT COUNT(*) FROM delivery_events WHERE outcome = 'orphan')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if seen >= events {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("fewer than {events} reports arrived");
}

/// Run ids and times vary; the rest of the status does not.
fn stable(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("last run") {
            out.push_str("last run    [run]\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_funnel_after_the_sandbox_reports_a_campaign_s_delivery() {
    let test = campaign();
    let listener = listen(test.path(), None).await;
    let callback = format!("{}/promo", listener.callback_url());
    let (delivering, failing) = (
        sandbox(&callback, false).await,
        sandbox(&callback, true).await,
    );
    // Planned and marked in flight first, as apply does before sending.
    seed(test.path(), &[]);
    let delivered = send(&delivering, &[1, 2]).await;
    let failed = send(&failing, &[3]).await;
    let lost = send(&delivering, &[4]).await;
    wacast::journal::open(&StateLocation::Folder(test.path().join(".wacast")), "promo")
        .unwrap()
        .record(&[
            sent(1, &delivered[0]),
            sent(2, &delivered[1]),
            sent(3, &failed[0]),
            wacast::journal::Outcome {
                phone: phone(4),
                state: State::Unknown,
                message_id: None,
                http_status: None,
                error: Some("the answer was lost".into()),
            },
        ])
        .unwrap();
    drop(lost);
    // 3 recipients × 5 reports, 1 × 3.
    wait_for_reports(&test, 18).await;
    let reply = json!({"type": "whatsapp", "notifications": [{"from": phone(2).digits(),
        "message_id": "in1", "message": {"type": "button", "text": "Stop", "payload": "stop"}}]});
    post(&callback, &reply.to_string(), &[]).await;
    post(
        &listener.callback_url(),
        &crate::listen::report("01ORPHAN", 9, "read"),
        &[],
    )
    .await;

    let run = test.run(&["status", "campaign.yaml"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(!run.stdout.contains("7911123402"), "numbers are masked");
    insta::assert_snapshot!(stable(&run.stdout));
    let json = test.run(&[
        "status",
        "campaign.yaml",
        "--format",
        "json",
        "--show-numbers",
    ]);
    let json: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        json["funnel"],
        json!({"sent": 4, "delivered": 3, "read": 3, "failed": 1, "awaiting": 0})
    );
    assert_eq!(json["opted_out"]["numbers"], json!(["+447911123402"]));
    assert_eq!(json["reconciled"], 1);
}

fn sent(n: u64, id: &str) -> wacast::journal::Outcome {
    wacast::journal::Outcome {
        phone: phone(n),
        state: State::Sent,
        message_id: Some(id.to_owned()),
        http_status: Some(201),
        error: None,
    }
}

#[test]
fn status_shows_send_failures_and_unknown_numbers() {
    let test = campaign();
    seed(
        test.path(),
        &[
            (1, State::Sent, Some("m1")),
            (2, State::Failed, None),
            (3, State::Unknown, None),
        ],
    );
    let text = test.run(&["status", "campaign.yaml"]);
    let shown = test.run(&["status", "campaign.yaml", "--show-numbers"]);
    assert!(shown.stdout.contains("+447911123403"));
    insta::assert_snapshot!(stable(&text.stdout));
    let json = test.run(&["status", "campaign.yaml", "--format", "json"]);
    let mut json: Value = serde_json::from_str(&json.stdout).unwrap();
    json["last_run"] = "[run]".into();
    insta::assert_json_snapshot!("status_json_masked", json);
}

#[test]
fn status_without_a_journal_says_so() {
    let run = campaign().run(&["status", "campaign.yaml"]);
    insta::assert_snapshot!(run.transcript());
}
