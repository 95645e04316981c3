//! Each injected fault as a client sees it: statuses and `Retry-After`, a
//! connection closed after the message was recorded, a request never
//! answered, a token revoked, a pause, and the same run replayed by a seed.

use super::{post_raw, read, send, snapshots, start, start_default, valid_body};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use wacast::sandbox::{Faults, Latency, SandboxConfig};

fn with_faults(faults: Faults) -> SandboxConfig {
    SandboxConfig {
        faults,
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn throttling_answers_429_with_retry_after() {
    let sandbox = start(with_faults(Faults {
        throttle_fraction: 1.0,
        retry_after_secs: 7,
        ..Faults::default()
    }))
    .await;
    let client = reqwest::Client::new();
    let bytes = serde_json::to_vec(&valid_body()).unwrap();
    let answer = post_raw(&sandbox, &client, bytes).await.unwrap();
    assert_eq!(answer.headers()["retry-after"], "7");
    let (status, body) = read(answer).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(sandbox.messages().is_empty());
    assert_eq!(sandbox.stats().throttled, 1);
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_fault_throttled", body);
}

#[tokio::test]
async fn unavailability_answers_503() {
    let sandbox = start(with_faults(Faults {
        unavailable_fraction: 1.0,
        ..Faults::default()
    }))
    .await;
    let (status, body) = send(&sandbox, &valid_body()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(sandbox.messages().is_empty());
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_fault_unavailable", body);
}

#[tokio::test]
async fn server_errors_answer_500() {
    let sandbox = start(with_faults(Faults {
        server_error_fraction: 1.0,
        ..Faults::default()
    }))
    .await;
    let (status, body) = send(&sandbox, &valid_body()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(sandbox.messages().is_empty());
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_fault_server_error", body);
}

#[tokio::test]
async fn a_lost_answer_closes_the_connection_after_recording() {
    let sandbox = start(with_faults(Faults {
        lost_answer_fraction: 1.0,
        ..Faults::default()
    }))
    .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = Instant::now();
    let bytes = serde_json::to_vec(&valid_body()).unwrap();
    let error = post_raw(&sandbox, &client, bytes).await.unwrap_err();
    assert!(
        !error.is_timeout(),
        "the connection closes at once: {error:?}"
    );
    assert!(error.status().is_none());
    assert!(started.elapsed() < Duration::from_secs(2));
    let recorded = reqwest::get(sandbox.recorded_url()).await.unwrap();
    let recorded: Vec<serde_json::Value> = recorded.json().await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["recipient"], "447700900123");
    let stats = sandbox.stats();
    assert_eq!(
        (stats.accepted, stats.lost_answers, stats.in_flight),
        (1, 1, 0)
    );
}

#[tokio::test]
async fn a_hang_never_answers() {
    let sandbox = start(with_faults(Faults {
        hang_fraction: 1.0,
        ..Faults::default()
    }))
    .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let bytes = serde_json::to_vec(&valid_body()).unwrap();
    let error = post_raw(&sandbox, &client, bytes).await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(sandbox.messages().is_empty());
    assert_eq!(sandbox.stats().hung, 1);
    let stopped = Instant::now();
    sandbox.shutdown().await;
    assert!(
        stopped.elapsed() < Duration::from_secs(2),
        "shutdown ends hangs"
    );
}

#[tokio::test]
async fn a_revoked_token_answers_401_from_request_n_plus_1() {
    let sandbox = start(with_faults(Faults {
        revoke_after: Some(3),
        ..Faults::default()
    }))
    .await;
    let mut statuses = Vec::new();
    let mut last = serde_json::Value::Null;
    for _ in 0..5 {
        let (status, body) = send(&sandbox, &valid_body()).await;
        statuses.push(status.as_u16());
        last = body;
    }
    assert_eq!(statuses, [201, 201, 201, 401, 401]);
    assert_eq!(sandbox.messages().len(), 3);
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_fault_token_revoked", last);
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let sandbox = start(with_faults(Faults {
        latency: Some(Latency::Range(
            Duration::from_millis(150),
            Duration::from_millis(200),
        )),
        ..Faults::default()
    }))
    .await;
    for _ in 0..2 {
        let started = Instant::now();
        let (status, _) = send(&sandbox, &valid_body()).await;
        assert_eq!(status, StatusCode::CREATED);
        assert!(started.elapsed() >= Duration::from_millis(150));
    }
}

async fn statuses(sandbox: &wacast::sandbox::SandboxHandle, count: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..count {
        statuses.push(send(sandbox, &valid_body()).await.0.as_u16());
    }
    statuses
}

#[tokio::test]
async fn a_seed_replays_the_same_answers() {
    let faults = Faults {
        throttle_fraction: 0.3,
        unavailable_fraction: 0.2,
        server_error_fraction: 0.1,
        seed: Some(42),
        ..Faults::default()
    };
    let sandbox = start(with_faults(faults.clone())).await;
    let first = statuses(&sandbox, 40).await;
    sandbox.set_faults(faults.clone()).unwrap();
    let second = statuses(&sandbox, 40).await;
    let other = start(with_faults(faults)).await;
    let third = statuses(&other, 40).await;
    assert_eq!(first, second);
    assert_eq!(first, third);
    for expected in [201, 429, 503, 500] {
        assert!(first.contains(&expected), "{expected} in {first:?}");
    }
    let ids = |sandbox: &wacast::sandbox::SandboxHandle| -> Vec<String> {
        sandbox
            .messages()
            .into_iter()
            .map(|m| m.message_id[10..].to_owned())
            .collect()
    };
    assert_eq!(
        ids(&sandbox)[..ids(&other).len()],
        ids(&other)[..],
        "id randomness replays too"
    );
}

#[tokio::test]
async fn faults_change_while_running() {
    let sandbox = start_default().await;
    assert_eq!(send(&sandbox, &valid_body()).await.0, StatusCode::CREATED);
    sandbox
        .set_faults(Faults {
            unavailable_fraction: 1.0,
            ..Faults::default()
        })
        .unwrap();
    assert_eq!(
        send(&sandbox, &valid_body()).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(
        sandbox
            .set_faults(Faults {
                throttle_fraction: 2.0,
                ..Faults::default()
            })
            .is_err()
    );
    assert_eq!(sandbox.faults().unavailable_fraction, 1.0);
}

#[tokio::test]
async fn the_high_water_mark_counts_concurrent_requests() {
    let sandbox = start(with_faults(Faults {
        latency: Some(Latency::Fixed(Duration::from_millis(300))),
        ..Faults::default()
    }))
    .await;
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let request = reqwest::Client::new()
            .post(sandbox.messages_url())
            .bearer_auth(sandbox.token())
            .json(&valid_body());
        sends.spawn(async move { request.send().await.unwrap().status() });
    }
    while let Some(status) = sends.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::CREATED);
    }
    let stats = reqwest::get(sandbox.stats_url()).await.unwrap();
    let stats: serde_json::Value = stats.json().await.unwrap();
    assert_eq!(stats["max_in_flight"], 8);
    assert_eq!(stats["in_flight"], 0);
    assert_eq!(stats["requests"], 8);
}
