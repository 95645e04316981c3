//! The sandbox driven over real HTTP on `127.0.0.1:0`: the contract checks, the
//! record, the faults and the delivery reports, all seen from the client side.

mod auth;
mod callbacks;
mod command;
mod faults;
mod inspection;
mod validation;

use reqwest::StatusCode;
use serde_json::Value;
use std::path::Path;
use wacast::sandbox::{Sandbox, SandboxConfig, SandboxHandle};

/// Snapshots of this module live in `tests/snapshots/`, named without the
/// module path.
pub fn snapshots() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// A sandbox on a free loopback port.
pub async fn start(config: SandboxConfig) -> SandboxHandle {
    Sandbox::start(config).await.expect("sandbox starts")
}

/// A sandbox with the default settings.
pub async fn start_default() -> SandboxHandle {
    start(SandboxConfig::default()).await
}

/// A valid send body, the same one every fault test sends.
pub fn valid_body() -> Value {
    fixture(Path::new("tests/fixtures/sandbox/valid/image_header.json"))
}

pub fn fixture(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// POSTs raw bytes to the send endpoint with the sandbox's credentials.
pub async fn post_raw(
    sandbox: &SandboxHandle,
    client: &reqwest::Client,
    body: Vec<u8>,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(sandbox.messages_url())
        .bearer_auth(sandbox.token())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
}

/// POSTs `body` and reads the answer's status and JSON body.
pub async fn send(sandbox: &SandboxHandle, body: &Value) -> (StatusCode, Value) {
    let client = reqwest::Client::new();
    let bytes = serde_json::to_vec(body).unwrap();
    let answer = post_raw(sandbox, &client, bytes).await.expect("an answer");
    read(answer).await
}

/// An answer's status and JSON body.
pub async fn read(answer: reqwest::Response) -> (StatusCode, Value) {
    let status = answer.status();
    let body = answer.json().await.expect("a JSON answer");
    (status, body)
}

/// Redactions for the fresh ids in a 201 answer.
pub fn redact_ids() -> insta::internals::Redaction {
    insta::dynamic_redaction(|value, _| {
        let id = value.as_str().expect("message ids are strings");
        assert!(ulid::Ulid::from_string(id).is_ok(), "`{id}` is a ULID");
        "[ulid]"
    })
}
