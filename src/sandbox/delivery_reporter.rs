//! Simulated delivery: for each accepted message, the sandbox POSTs the status
//! reports Sinch would (`queued → dispatched → sent → delivered → read`, or
//! `failed` part-way for a configured fraction) to the message's callback URL or
//! the configured one, in the documented envelope, signed when a key is set,
//! retrying non-2xx answers with doubling pauses as Sinch does. Each
//! message's reports hold a ticket of [`OutstandingReports`] until they are
//! all out, so the sandbox can tell when nothing is left to report.
//!
//! At most [`POSTS_AT_ONCE`] reports are in flight at a time, as a
//! provider's sender is bounded: each message's reports wait on their own
//! timers, so an apply of 20,000 messages would otherwise open about 20,000
//! connections at once: in one such run 16,672 of 106,889 attempts failed
//! with "too many open files" before a retry got through.

use super::outstanding_reports::OutstandingReports;
use super::signature::{self, ALGORITHM, ALGORITHM_HEADER, NONCE_HEADER, SIGNATURE_HEADER};
use super::stats::{Counter, Stats};
use super::{Delivery, InboundReply, RecipientFate};
use crate::server::until_stopped;
use crate::timestamp::rfc3339;
use crate::transport::sinch_v1::wire::{CallbackEnvelope, RecipientStatus};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::{Semaphore, watch};

/// The states of a message whose delivery fails.
const FAILED: &[&str] = &["queued", "dispatched", "failed"];
/// How long one report POST may take.
const POST_TIMEOUT: Duration = Duration::from_secs(10);
/// Report POSTs in flight at once; the others wait for one to end.
pub const POSTS_AT_ONCE: usize = 64;

/// One message to report on.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub message_id: String,
    /// With a leading `+`, as Sinch writes recipients in reports.
    pub recipient: String,
    pub fails: bool,
    /// How a v1 message's delivery ends when it does not fail.
    pub fate: RecipientFate,
}

/// One report to POST: its body and the headers that go with it (a signature).
#[derive(Clone, Debug)]
pub struct Post {
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

/// A provider's report for a message at a simulated step (`queued`,
/// `dispatched`, `sent`, `delivered`, `read` or `failed`); `None` when the
/// provider reports nothing at that step.
pub type Render = Arc<dyn Fn(&Delivered, &str) -> Option<Post> + Send + Sync>;

/// Sends delivery reports in the background until shutdown.
#[derive(Clone)]
pub struct DeliveryReporter {
    client: reqwest::Client,
    delivery: Arc<Delivery>,
    stats: Arc<Stats>,
    shutdown: watch::Receiver<bool>,
    /// The bot users' replies are addressed to.
    bot_id: Arc<str>,
    /// Messages whose reports are not all out yet.
    outstanding: Arc<OutstandingReports>,
    /// A permit for each report POST in flight.
    posting: Arc<Semaphore>,
}

impl DeliveryReporter {
    pub fn new(
        delivery: Delivery,
        stats: Arc<Stats>,
        shutdown: watch::Receiver<bool>,
        bot_id: &str,
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
            bot_id: bot_id.into(),
            outstanding: Arc::default(),
            posting: Arc::new(Semaphore::new(POSTS_AT_ONCE)),
        }
    }

    /// Messages whose reports are not all out yet.
    pub fn outstanding(&self) -> &OutstandingReports {
        &self.outstanding
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

    /// Reports on each message in the background, each in state order, in
    /// v1's envelope.
    pub fn report(&self, url: String, messages: Vec<Delivered>) {
        let key = self.delivery.hmac_key.clone();
        self.report_with(
            url,
            messages,
            Arc::new(move |message, state| Some(v1_post(message, state, key.as_deref()))),
        );
    }

    /// Reports on each message in the background, each in state order, as
    /// `render` writes them.
    pub fn report_with(&self, url: String, messages: Vec<Delivered>, render: Render) {
        for message in messages {
            let reporter = self.clone();
            let url = url.clone();
            let render = render.clone();
            let mut shutdown = self.shutdown.clone();
            let ticket = self.outstanding.ticket();
            tokio::spawn(async move {
                let _ticket = ticket;
                tokio::select! {
                    () = reporter.report_one(&url, &message, &*render) => {}
                    () = until_stopped(&mut shutdown) => {}
                }
            });
        }
    }

    async fn report_one(
        &self,
        url: &str,
        message: &Delivered,
        render: &(dyn Fn(&Delivered, &str) -> Option<Post> + Send + Sync),
    ) {
        let states = if message.fails {
            FAILED
        } else {
            message.fate.states()
        };
        for state in states {
            tokio::time::sleep(self.delivery.step_delay).await;
            if let Some(post) = render(message, state) {
                self.post(url, post).await;
            }
        }
        if message.fate == RecipientFate::StopReply && !message.fails {
            tokio::time::sleep(self.delivery.step_delay).await;
            let from = message.recipient.trim_start_matches('+');
            self.reply(&InboundReply::Text("STOP".to_owned()), from, &self.bot_id)
                .await;
        }
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
        let ticket = self.outstanding.ticket();
        tokio::spawn(async move {
            let _ticket = ticket;
            let posting = async {
                for body in bodies {
                    tokio::time::sleep(reporter.delivery.step_delay).await;
                    let post = Post {
                        headers: headers(&body),
                        body: body.into_bytes(),
                    };
                    reporter.post(&url, post).await;
                }
            };
            tokio::select! {
                () = posting => {}
                () = until_stopped(&mut shutdown) => {}
            }
        });
    }

    /// POSTs a user's reply from `from` (digits) to the bot's callback URL,
    /// signed like reports; false when no callback URL is configured or the
    /// listener never answered 2xx.
    pub async fn reply(&self, reply: &InboundReply, from: &str, bot_id: &str) -> bool {
        let Some(url) = self.delivery.callback_url.clone() else {
            return false;
        };
        let body = reply.envelope(from, bot_id);
        let post = signed(body, self.delivery.hmac_key.as_deref());
        self.post(&url, post).await
    }

    /// POSTs one report, retrying until a 2xx answer or the attempts run out;
    /// whether it was answered 2xx.
    async fn post(&self, url: &str, post: Post) -> bool {
        let mut pause = self.delivery.retry_delay;
        for attempt in 1..=self.delivery.attempts {
            let mut request = self
                .client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(post.body.clone());
            for (name, value) in &post.headers {
                request = request.header(*name, value);
            }
            let answered = {
                // The semaphore is never closed; the permit is let go
                // before any pause for a retry.
                let Ok(_permit) = self.posting.acquire().await else {
                    return false;
                };
                request.send().await
            };
            match answered {
                Ok(answer) if answer.status().is_success() => {
                    self.stats.add(Counter::CallbacksDelivered, 1);
                    return true;
                }
                _ => self.stats.add(Counter::CallbacksFailed, 1),
            }
            if attempt < self.delivery.attempts {
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2);
            }
        }
        false
    }
}

/// v1's report for `message` reaching `state`, signed with `key` if set.
fn v1_post(message: &Delivered, state: &str, key: Option<&str>) -> Post {
    signed(envelope(message, state), key)
}

/// A v1 callback `body`, signed with `key` if set.
fn signed(body: String, key: Option<&str>) -> Post {
    let mut headers = Vec::new();
    if let Some(key) = key {
        let nonce = ulid::Ulid::generate().to_string();
        let signed = signature::sign(key.as_bytes(), body.as_bytes(), &nonce);
        headers.push((SIGNATURE_HEADER, signed));
        headers.push((ALGORITHM_HEADER, ALGORITHM.to_owned()));
        headers.push((NONCE_HEADER, nonce));
    }
    Post {
        body: body.into_bytes(),
        headers,
    }
}

/// The report envelope for `message` reaching `state`.
fn envelope(message: &Delivered, state: &str) -> String {
    let (status, details) = message.fate.status(state);
    let status = RecipientStatus {
        message_id: Some(message.message_id.clone()),
        recipient: message.recipient.clone(),
        status: status.to_owned(),
        state: Some(state.to_owned()),
        details: details.map(str::to_owned),
        timestamp: Some(rfc3339(SystemTime::now())),
    };
    let envelope = CallbackEnvelope {
        kind: "whatsapp".to_owned(),
        statuses: vec![status],
        ..CallbackEnvelope::default()
    };
    serde_json::to_string(&envelope).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Requests in flight now and at most, at a receiver that takes 20 ms
    /// to answer each.
    #[derive(Default)]
    struct InFlight {
        now: AtomicUsize,
        most: AtomicUsize,
        answered: AtomicUsize,
    }

    async fn slow_receiver(seen: Arc<InFlight>) -> String {
        let app = axum::Router::new().route(
            "/callbacks",
            axum::routing::post(move || {
                let seen = seen.clone();
                async move {
                    let now = seen.now.fetch_add(1, Ordering::SeqCst) + 1;
                    seen.most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    seen.now.fetch_sub(1, Ordering::SeqCst);
                    seen.answered.fetch_add(1, Ordering::SeqCst);
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}/callbacks")
    }

    #[tokio::test]
    async fn no_more_than_posts_at_once_reports_are_in_flight_and_none_is_lost() {
        let seen = Arc::new(InFlight::default());
        let url = slow_receiver(seen.clone()).await;
        let (_stop, shutdown) = watch::channel(false);
        let stats = Arc::new(Stats::default());
        let reporter = DeliveryReporter::new(
            Delivery {
                step_delay: Duration::ZERO,
                ..Delivery::default()
            },
            stats.clone(),
            shutdown,
            "bot",
        );
        let messages: Vec<Delivered> = (0..400)
            .map(|n| Delivered {
                message_id: format!("m{n}"),
                recipient: format!("+4477009{n:05}"),
                fails: false,
                fate: RecipientFate::Read,
            })
            .collect();
        reporter.report(url, messages);
        tokio::time::timeout(Duration::from_secs(60), reporter.outstanding().settled())
            .await
            .unwrap();
        assert_eq!(seen.answered.load(Ordering::SeqCst), 400 * 5);
        assert_eq!(stats.snapshot().callbacks_failed, 0);
        let most = seen.most.load(Ordering::SeqCst);
        assert!(
            (2..=POSTS_AT_ONCE).contains(&most),
            "{most} reports were in flight at once"
        );
    }
}
