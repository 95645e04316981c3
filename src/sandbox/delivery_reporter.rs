//! Simulated delivery: for each accepted message, the sandbox POSTs the status
//! reports Sinch would (`queued → dispatched → sent → delivered → read`, or
//! `failed` part-way for a configured fraction) to the message's callback URL or
//! the configured one, in the documented envelope, signed when a key is set,
//! retrying non-2xx answers with doubling pauses as Sinch does.

use super::Delivery;
use super::signature::{self, ALGORITHM, ALGORITHM_HEADER, NONCE_HEADER, SIGNATURE_HEADER};
use super::stats::{Counter, Stats};
use crate::server::until_stopped;
use crate::timestamp::rfc3339;
use crate::transport::sinch_v1::wire::{CallbackEnvelope, RecipientStatus};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::watch;

/// The states of a message delivered and read.
const DELIVERED: &[&str] = &["queued", "dispatched", "sent", "delivered", "read"];
/// The states of a message whose delivery fails.
const FAILED: &[&str] = &["queued", "dispatched", "failed"];
/// How long one report POST may take.
const POST_TIMEOUT: Duration = Duration::from_secs(10);

/// One message to report on.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub message_id: String,
    /// With a leading `+`, as Sinch writes recipients in reports.
    pub recipient: String,
    pub fails: bool,
}

/// Sends delivery reports in the background until shutdown.
#[derive(Clone)]
pub struct DeliveryReporter {
    client: reqwest::Client,
    delivery: Arc<Delivery>,
    stats: Arc<Stats>,
    shutdown: watch::Receiver<bool>,
}

impl DeliveryReporter {
    pub fn new(
        delivery: Delivery,
        stats: Arc<Stats>,
        shutdown: watch::Receiver<bool>,
    ) -> DeliveryReporter {
        let client = reqwest::Client::builder()
            .timeout(POST_TIMEOUT)
            .build()
            .unwrap_or_default();
        DeliveryReporter {
            client,
            delivery: Arc::new(delivery),
            stats,
            shutdown,
        }
    }

    pub fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    /// Where reports for a message with this `callback` go, if anywhere.
    pub fn target(&self, callback: Option<&str>) -> Option<String> {
        callback
            .map(str::to_owned)
            .or_else(|| self.delivery.callback_url.clone())
    }

    /// Reports on each message in the background, each in state order.
    pub fn report(&self, url: String, messages: Vec<Delivered>) {
        for message in messages {
            let reporter = self.clone();
            let url = url.clone();
            let mut shutdown = self.shutdown.clone();
            tokio::spawn(async move {
                tokio::select! {
                    () = reporter.report_one(&url, &message) => {}
                    () = until_stopped(&mut shutdown) => {}
                }
            });
        }
    }

    async fn report_one(&self, url: &str, message: &Delivered) {
        let states = if message.fails { FAILED } else { DELIVERED };
        for state in states {
            tokio::time::sleep(self.delivery.step_delay).await;
            let body = envelope(message, state);
            self.post(url, body, &|body| self.sinch_signature(body))
                .await;
        }
    }

    /// Sinch's signature headers for `body`, with a fresh nonce, when a key is set.
    fn sinch_signature(&self, body: &str) -> Vec<(&'static str, String)> {
        let Some(key) = &self.delivery.hmac_key else {
            return Vec::new();
        };
        let nonce = ulid::Ulid::generate().to_string();
        let signed = signature::sign(key.as_bytes(), body.as_bytes(), &nonce);
        vec![
            (SIGNATURE_HEADER, signed),
            (ALGORITHM_HEADER, ALGORITHM.to_owned()),
            (NONCE_HEADER, nonce),
        ]
    }

    /// POSTs `bodies` to `url` in the background, in order, each after the
    /// step delay, with the headers `headers` gives each attempt.
    pub fn post_in_order(
        &self,
        url: String,
        bodies: Vec<String>,
        headers: impl Fn(&str) -> Vec<(&'static str, String)> + Send + Sync + 'static,
    ) {
        let reporter = self.clone();
        let mut shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            let posting = async {
                for body in bodies {
                    tokio::time::sleep(reporter.delivery.step_delay).await;
                    reporter.post(&url, body, &headers).await;
                }
            };
            tokio::select! {
                () = posting => {}
                () = until_stopped(&mut shutdown) => {}
            }
        });
    }

    /// POSTs one report, retrying until a 2xx answer or the attempts run out.
    async fn post(
        &self,
        url: &str,
        body: String,
        headers: &(dyn Fn(&str) -> Vec<(&'static str, String)> + Send + Sync),
    ) {
        let mut pause = self.delivery.retry_delay;
        for attempt in 1..=self.delivery.attempts {
            let mut request = self
                .client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            for (name, value) in headers(&body) {
                request = request.header(name, value);
            }
            match request.send().await {
                Ok(answer) if answer.status().is_success() => {
                    self.stats.add(Counter::CallbacksDelivered, 1);
                    return;
                }
                _ => self.stats.add(Counter::CallbacksFailed, 1),
            }
            if attempt < self.delivery.attempts {
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2);
            }
        }
    }
}

/// The report envelope for `message` reaching `state`.
fn envelope(message: &Delivered, state: &str) -> String {
    let failed = state == "failed";
    let status = RecipientStatus {
        message_id: Some(message.message_id.clone()),
        recipient: message.recipient.clone(),
        status: if failed { "failure" } else { "success" }.to_owned(),
        state: Some(state.to_owned()),
        details: failed.then(|| "simulated delivery failure".to_owned()),
        timestamp: Some(rfc3339(SystemTime::now())),
    };
    let envelope = CallbackEnvelope {
        kind: "whatsapp".to_owned(),
        statuses: vec![status],
        ..CallbackEnvelope::default()
    };
    serde_json::to_string(&envelope).unwrap_or_default()
}
