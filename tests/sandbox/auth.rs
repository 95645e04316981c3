//! The send endpoint refuses requests without the right bearer token and bot
//! id with Sinch's 401 body, and records nothing.

use super::{read, snapshots, start_default, valid_body};
use reqwest::StatusCode;
use wacast::transport::sinch_v1::wire::messages_path;

async fn attempt(path: String, authorization: Option<&str>) -> serde_json::Value {
    let sandbox = start_default().await;
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", sandbox.base_url()))
        .json(&valid_body());
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let (status, body) = read(request.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(sandbox.messages().is_empty());
    assert_eq!(sandbox.stats().unauthorized, 1);
    body
}

#[tokio::test]
async fn a_missing_authorization_header_is_401() {
    let body = attempt(messages_path("sandbox-bot"), None).await;
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_auth_missing_header", body);
}

#[tokio::test]
async fn a_non_bearer_scheme_is_401() {
    let body = attempt(
        messages_path("sandbox-bot"),
        Some("Basic c2FuZGJveDp0b2tlbg=="),
    )
    .await;
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_auth_not_bearer", body);
}

#[tokio::test]
async fn a_wrong_token_is_401() {
    let body = attempt(messages_path("sandbox-bot"), Some("Bearer not-the-token")).await;
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_auth_wrong_token", body);
}

#[tokio::test]
async fn a_wrong_bot_id_is_401() {
    let body = attempt(messages_path("other-bot"), Some("Bearer sandbox-token")).await;
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_auth_wrong_bot", body);
}

#[tokio::test]
async fn the_configured_credentials_are_accepted() {
    let sandbox = start_default().await;
    let (status, _) = super::send(&sandbox, &valid_body()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        (sandbox.bot_id(), sandbox.token()),
        ("sandbox-bot", "sandbox-token")
    );
}
