//! What the sandbox shows about itself: the recorded messages (in memory, over
//! HTTP and in the record file), the counters, and JSON errors for unknown
//! endpoints.

use super::{redact_ids, send, snapshots, start, start_default, valid_body};
use reqwest::StatusCode;
use wacast::sandbox::{RecordedMessage, SandboxConfig, SandboxStats};

#[tokio::test]
async fn accepted_messages_are_listed_per_recipient() {
    let sandbox = start_default().await;
    let mut body = valid_body();
    body["to"] = serde_json::json!(["447700900123", "15551234567"]);
    let (status, answer) = send(&sandbox, &body).await;
    assert_eq!(status, StatusCode::CREATED);
    let listed: Vec<RecordedMessage> = reqwest::get(sandbox.recorded_url())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, sandbox.messages());
    let ids: Vec<&str> = listed.iter().map(|m| m.message_id.as_str()).collect();
    let answered: Vec<&str> = answer["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, answered);
    assert!(listed.iter().all(|m| m.body == body));
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(
        listed
            .iter()
            .all(|m| m.received_at_ms <= now_ms && m.received_at_ms + 60_000 > now_ms)
    );
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!(
        "sandbox_recorded_messages",
        listed,
        { "[].message_id" => redact_ids(), "[].received_at_ms" => "[time]" }
    );
}

#[tokio::test]
async fn the_record_file_gets_one_json_line_per_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sent.jsonl");
    let sandbox = start(SandboxConfig {
        record: Some(path.clone()),
        ..SandboxConfig::default()
    })
    .await;
    let mut body = valid_body();
    body["to"] = serde_json::json!(["447700900123", "15551234567"]);
    send(&sandbox, &body).await;
    send(&sandbox, &valid_body()).await;
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<RecordedMessage> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines, sandbox.messages());
    assert_eq!(lines.len(), 3);
}

#[tokio::test]
async fn the_stats_count_answers_by_kind() {
    let sandbox = start_default().await;
    send(&sandbox, &valid_body()).await;
    send(&sandbox, &serde_json::json!({"to": []})).await;
    let stats: SandboxStats = reqwest::get(sandbox.stats_url())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats, sandbox.stats());
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_stats", stats);
}

#[tokio::test]
async fn unknown_endpoints_and_methods_get_json_errors() {
    let sandbox = start_default().await;
    let client = reqwest::Client::new();
    let missing = client.get(format!(
        "{}/whatsapp/v1/sandbox-bot/capability",
        sandbox.base_url()
    ));
    let answer = missing.send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let not_found: serde_json::Value = answer.json().await.unwrap();
    let answer = client.get(sandbox.messages_url()).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED);
    let not_allowed: serde_json::Value = answer.json().await.unwrap();
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_not_found", not_found);
    insta::assert_json_snapshot!("sandbox_method_not_allowed", not_allowed);
}

#[tokio::test]
async fn a_non_loopback_address_needs_permission() {
    let config = SandboxConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..SandboxConfig::default()
    };
    let error = wacast::sandbox::Sandbox::start(config).await.err().unwrap();
    let _settings = snapshots().bind_to_scope();
    insta::assert_snapshot!("sandbox_non_loopback", error.to_string());
}
