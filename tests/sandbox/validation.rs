//! Every validation rule of the send body: one fixture per rule under
//! `tests/fixtures/sandbox/invalid/` answered 400 with a snapshot of the error,
//! and every fixture under `valid/` answered 201.

use super::{fixture, post_raw, read, redact_ids, send, snapshots, start};
use reqwest::StatusCode;
use tokio::runtime::Handle;
use wacast::message::{Button, Media, TemplateMessage};
use wacast::sandbox::{Delivery, SandboxConfig};
use wacast::transport::sinch_v1::wire::SendRequest;

/// Reports are never due during a test, so fixture callbacks are not called.
fn quiet() -> SandboxConfig {
    SandboxConfig {
        delivery: Delivery {
            step_delay: std::time::Duration::from_secs(3600),
            ..Delivery::default()
        },
        ..SandboxConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_invalid_body_gets_a_400_naming_the_problem() {
    let sandbox = start(quiet()).await;
    let client = reqwest::Client::new();
    let _settings = snapshots().bind_to_scope();
    insta::glob!("..", "fixtures/sandbox/invalid/*.json", |path| {
        let body = std::fs::read(path).unwrap();
        let answer = tokio::task::block_in_place(|| {
            Handle::current()
                .block_on(async { read(post_raw(&sandbox, &client, body).await.unwrap()).await })
        });
        assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", path.display());
        insta::assert_json_snapshot!("sandbox_rejects", answer.1);
    });
    let fixtures = std::fs::read_dir("tests/fixtures/sandbox/invalid")
        .unwrap()
        .count();
    assert!(fixtures >= 50, "one fixture per rule");
    assert!(sandbox.messages().is_empty());
    assert_eq!(sandbox.stats().rejected, fixtures as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_valid_body_gets_a_201_with_an_id_per_recipient() {
    let sandbox = start(quiet()).await;
    let _settings = snapshots().bind_to_scope();
    insta::glob!("..", "fixtures/sandbox/valid/*.json", |path| {
        let body = fixture(path);
        let (status, answer) =
            tokio::task::block_in_place(|| Handle::current().block_on(send(&sandbox, &body)));
        assert_eq!(status, StatusCode::CREATED, "{}: {answer}", path.display());
        let recipients = body["to"].as_array().unwrap().len();
        assert_eq!(answer["statuses"].as_array().unwrap().len(), recipients);
        insta::assert_json_snapshot!("sandbox_accepts", answer, { ".statuses[].message_id" => redact_ids() });
    });
}

#[tokio::test]
async fn message_ids_are_fresh_ulids() {
    let sandbox = start(quiet()).await;
    let body = fixture(std::path::Path::new(
        "tests/fixtures/sandbox/valid/twenty_recipients.json",
    ));
    let (_, first) = send(&sandbox, &body).await;
    let (_, second) = send(&sandbox, &body).await;
    let mut ids: Vec<String> = [first, second]
        .iter()
        .flat_map(|answer| answer["statuses"].as_array().unwrap().clone())
        .map(|status| status["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.iter().all(|id| ulid::Ulid::from_string(id).is_ok()));
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
}

/// Whatever wacast's wire types can express, the sandbox accepts.
#[tokio::test]
async fn bodies_built_from_the_wire_types_are_accepted() {
    let sandbox = start(quiet()).await;
    let media = [
        Media::Text,
        Media::Image {
            url: "https://cdn.example.com/a.png".into(),
            provider: None,
        },
        Media::Image {
            url: "https://intranet.example.com/a.png".into(),
            provider: Some("intranet-basic-auth".into()),
        },
        Media::Video {
            url: "https://cdn.example.com/a.mp4".into(),
            provider: None,
        },
        Media::Document {
            url: "https://cdn.example.com/a.pdf".into(),
            filename: Some("a.pdf".into()),
            provider: Some("intranet-basic-auth".into()),
        },
        Media::Document {
            url: "https://cdn.example.com/a.pdf".into(),
            filename: None,
            provider: None,
        },
    ];
    for media in media {
        let header_params = if media == Media::Text {
            vec!["Ann".into()]
        } else {
            vec![]
        };
        let request = SendRequest {
            to: vec!["447700900123".into(), "15551234567".into()],
            message: TemplateMessage {
                kind: "template".into(),
                template_name: "spring_sale".into(),
                language: "es_MX".into(),
                header_params,
                body_params: vec!["Ann".into(), "20%".into()],
                media,
                buttons: vec![
                    Button::Call,
                    Button::Url {
                        parameter: Some("SPRING20".into()),
                    },
                    Button::QuickReply { payload: None },
                ],
            },
            callback: None,
        };
        let (status, answer) = send(&sandbox, &serde_json::to_value(&request).unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_typed_gets_a_415() {
    let sandbox = start(quiet()).await;
    let body = serde_json::to_vec(&super::valid_body()).unwrap();
    let answer = reqwest::Client::new()
        .post(sandbox.messages_url())
        .bearer_auth(sandbox.token())
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, body) = read(answer).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_wrong_content_type", body);
}

#[tokio::test]
async fn a_body_over_the_size_limit_gets_a_json_413() {
    let sandbox = start(quiet()).await;
    let mut body = super::valid_body();
    body["message"]["body_params"] = serde_json::json!(["x".repeat(3 * 1024 * 1024)]);
    let (status, answer) = send(&sandbox, &body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_body_too_large", answer);
}
