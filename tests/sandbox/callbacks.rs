//! Simulated delivery reports, received by a small callback server in the test:
//! the state sequence, the envelope, the HMAC signature, failures, per-message
//! callback URLs and retries of refused reports.

use super::{send, snapshots, start, valid_body};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wacast::sandbox::{Delivery, SandboxConfig};

/// One callback as received.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn state(&self) -> String {
        self.json()["statuses"][0]["state"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// A callback receiver on a free loopback port that refuses the first
/// `refuse` callbacks with 500.
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(refuse: usize) -> Receiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(0));
        let log = received.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (log, refused) = (log.clone(), refused.clone());
                async move {
                    let mut refused = refused.lock().unwrap();
                    if *refused < refuse {
                        *refused += 1;
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    log.lock().unwrap().push(Received { headers, body });
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, received }
    }

    /// Waits (up to 5 s) until `count` callbacks have arrived.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..500 {
            let received = self.received.lock().unwrap().clone();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "expected {count} callbacks, got {:?}",
            self.received.lock().unwrap()
        );
    }
}

fn reporting_to(url: Option<&str>, hmac_key: Option<&str>, failure_fraction: f64) -> SandboxConfig {
    SandboxConfig {
        delivery: Delivery {
            callback_url: url.map(str::to_owned),
            hmac_key: hmac_key.map(str::to_owned),
            step_delay: Duration::from_millis(5),
            failure_fraction,
            retry_delay: Duration::from_millis(20),
            ..Delivery::default()
        },
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn each_message_is_reported_through_to_read_with_a_valid_signature() {
    let receiver = Receiver::start(0).await;
    let sandbox = start(reporting_to(Some(&receiver.url), Some("s3cret"), 0.0)).await;
    let (_, answer) = send(&sandbox, &valid_body()).await;
    let received = receiver.wait_for(5).await;
    let states: Vec<String> = received.iter().map(Received::state).collect();
    assert_eq!(
        states,
        ["queued", "dispatched", "sent", "delivered", "read"]
    );
    for callback in &received {
        let status = &callback.json()["statuses"][0];
        assert_eq!(status["message_id"], answer["statuses"][0]["message_id"]);
        assert_eq!(status["recipient"], "+447700900123");
        let headers = &callback.headers;
        assert_eq!(
            headers["sinch-whatsapp-callback-signature-algorithm"],
            "HMAC_SHA_256"
        );
        let nonce = headers["sinch-whatsapp-callback-signature-nonce"]
            .to_str()
            .unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(&callback.body);
        mac.update(format!(".{nonce}").as_bytes());
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(
            headers["sinch-whatsapp-callback-signature"],
            expected.as_str()
        );
    }
    // The sandbox counts a delivery once it has read the receiver's answer,
    // which may be just after the receiver has seen the report.
    assert!(sandbox.reports_settled(Duration::from_secs(5)).await);
    assert_eq!(sandbox.stats().callbacks_delivered, 5);
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_callback_delivered", received[3].json(), {
        ".statuses[].message_id" => "[ulid]",
        ".statuses[].timestamp" => insta::dynamic_redaction(|value, _| {
            let text = value.as_str().unwrap();
            assert_eq!(text.len(), 20, "`{text}` is YYYY-MM-DDTHH:MM:SSZ");
            assert!(text.ends_with('Z'));
            "[timestamp]"
        }),
    });
}

#[tokio::test]
async fn failing_deliveries_end_in_a_failed_report_and_reports_are_unsigned_without_a_key() {
    let receiver = Receiver::start(0).await;
    let sandbox = start(reporting_to(Some(&receiver.url), None, 1.0)).await;
    send(&sandbox, &valid_body()).await;
    let received = receiver.wait_for(3).await;
    let states: Vec<String> = received.iter().map(Received::state).collect();
    assert_eq!(states, ["queued", "dispatched", "failed"]);
    assert!(
        received[0]
            .headers
            .get("sinch-whatsapp-callback-signature")
            .is_none()
    );
    let _settings = snapshots().bind_to_scope();
    insta::assert_json_snapshot!("sandbox_callback_failed", received[2].json(), {
        ".statuses[].message_id" => "[ulid]",
        ".statuses[].timestamp" => "[timestamp]",
    });
}

#[tokio::test]
async fn a_message_callback_overrides_the_configured_url() {
    let configured = Receiver::start(0).await;
    let own = Receiver::start(0).await;
    let sandbox = start(reporting_to(Some(&configured.url), None, 0.0)).await;
    let mut body = valid_body();
    body["callback"] = own.url.clone().into();
    send(&sandbox, &body).await;
    own.wait_for(5).await;
    assert!(configured.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn refused_reports_are_retried() {
    let receiver = Receiver::start(2).await;
    let sandbox = start(reporting_to(Some(&receiver.url), None, 0.0)).await;
    send(&sandbox, &valid_body()).await;
    let received = receiver.wait_for(5).await;
    assert_eq!(received[0].state(), "queued");
    // The sandbox counts a delivery once it has read the receiver's answer,
    // which may be just after the receiver has seen the report.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut stats = sandbox.stats();
    while stats.callbacks_delivered < 5 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        stats = sandbox.stats();
    }
    assert_eq!((stats.callbacks_failed, stats.callbacks_delivered), (2, 5));
}

#[tokio::test]
async fn reports_settle_once_every_report_is_out_and_not_before() {
    let receiver = Receiver::start(2).await;
    let sandbox = start(reporting_to(Some(&receiver.url), None, 0.0)).await;
    send(&sandbox, &valid_body()).await;
    send(&sandbox, &valid_body()).await;
    assert_eq!(sandbox.reports_outstanding(), 2);
    assert!(
        !sandbox.reports_settled(Duration::from_millis(1)).await,
        "ten reports, two of them retried, are not out in a millisecond"
    );
    assert!(sandbox.reports_settled(Duration::from_secs(5)).await);
    assert_eq!(sandbox.reports_outstanding(), 0);
    assert_eq!(receiver.received.lock().unwrap().len(), 10);
    assert_eq!(sandbox.stats().callbacks_delivered, 10);
}
