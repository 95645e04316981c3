//! A worker sends one batch at a time: wait out any pause, take its share of
//! the rate, commit intent, send, and commit the outcome. Only errors that
//! prove nothing was accepted are retried; anything else is final.

use super::batch::Batch;
use super::pause::Pause;
use super::stop::{Stop, StopReason};
use super::{Event, backoff};
use crate::journal::{Change, Outcome, State};
use crate::phone::Phone;
use crate::sinch::client::SinchClient;
use crate::sinch::send_error::SendError;
use crate::sinch::wire::SendResponse;
use governor::DefaultDirectRateLimiter;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// The longest `Retry-After` wacast waits out; a longer one stops the run.
const LONGEST_PAUSE: Duration = Duration::from_secs(300);

pub struct Worker {
    pub client: SinchClient,
    pub journal: super::journal_writer::JournalWriter,
    pub limiter: Arc<DefaultDirectRateLimiter>,
    pub pause: Pause,
    pub stop: Stop,
    pub max_attempts: u32,
    pub events: UnboundedSender<Event>,
}

impl Worker {
    /// Sends `batch` until it is sent, finally failed, or put back to pending.
    pub async fn send(&self, batch: Batch) {
        let mut attempt = 0;
        loop {
            attempt += 1;
            if !self.clear_to_send(&batch).await {
                return;
            }
            if let Err(error) = self
                .journal
                .write(Change::InFlight(batch.phones.clone()))
                .await
            {
                self.stop.set(StopReason::Journal(error));
                return;
            }
            match self.client.send(batch.body.clone()).await {
                Err(error) if error.is_retryable() && attempt < self.max_attempts => {
                    if !self.requeue(&batch, &error, false).await {
                        return;
                    }
                    self.wait_before_retry(&error, attempt).await;
                    let _ = self.events.send(Event::Retry);
                }
                result => return self.finish(&batch, result).await,
            }
        }
    }

    /// Waits for any pause and the rate limiter; false if sending stopped meanwhile.
    async fn clear_to_send(&self, batch: &Batch) -> bool {
        let cells = NonZeroU32::new(batch.phones.len() as u32).unwrap_or(NonZeroU32::MIN);
        loop {
            self.pause.wait().await;
            if self.stop.is_set() {
                return false;
            }
            if self.limiter.until_n_ready(cells).await.is_err() {
                self.stop.set(StopReason::Journal(
                    "a batch is larger than the rate limiter allows".into(),
                ));
                return false;
            }
            // A pause may have begun while this worker waited for the limiter.
            if !self.pause.active() {
                return !self.stop.is_set();
            }
        }
    }

    async fn wait_before_retry(&self, error: &SendError, attempt: u32) {
        if let SendError::Throttled {
            retry_after: Some(wait),
            ..
        } = error
        {
            if *wait > LONGEST_PAUSE {
                self.stop.set(StopReason::LongPause(wait.as_secs()));
                return;
            }
            self.pause.until(tokio::time::Instant::now() + *wait);
            return;
        }
        tokio::time::sleep(backoff::delay(attempt)).await;
    }

    /// Puts the batch back to pending after an error that sent nothing.
    async fn requeue(&self, batch: &Batch, error: &SendError, gave_up: bool) -> bool {
        let text = if gave_up {
            format!("gave up after {} tries: {error}", self.max_attempts)
        } else {
            error.to_string()
        };
        let outcomes = outcomes_all(&batch.phones, State::Pending, error.status(), Some(text));
        self.commit(outcomes).await
    }

    async fn finish(&self, batch: &Batch, result: Result<(u16, SendResponse), SendError>) {
        let (outcomes, failed) = match result {
            Ok((status, response)) => {
                let outcomes = answered(&batch.phones, status, &response);
                let failed = outcomes.iter().all(|o| o.state != State::Sent);
                (outcomes, failed)
            }
            Err(error) if error.is_retryable() => {
                if self.requeue(batch, &error, true).await {
                    let _ = self.events.send(Event::Finished {
                        outcomes: outcomes_all(&batch.phones, State::Pending, None, None),
                        failed: true,
                    });
                }
                return;
            }
            Err(SendError::Unauthorized { status, message }) => {
                self.stop
                    .set(StopReason::Unauthorized(format!("{status}: {message}")));
                let text = format!("refused ({status}): {message}");
                (
                    outcomes_all(&batch.phones, State::Pending, Some(status), Some(text)),
                    false,
                )
            }
            Err(error @ SendError::Rejected { .. }) => (
                outcomes_all(
                    &batch.phones,
                    State::Failed,
                    error.status(),
                    Some(error.to_string()),
                ),
                true,
            ),
            Err(error) => (
                outcomes_all(
                    &batch.phones,
                    State::Unknown,
                    error.status(),
                    Some(error.to_string()),
                ),
                true,
            ),
        };
        if self.commit(outcomes.clone()).await {
            let _ = self.events.send(Event::Finished { outcomes, failed });
        }
    }

    async fn commit(&self, outcomes: Vec<Outcome>) -> bool {
        match self.journal.write(Change::Outcomes(outcomes)).await {
            Ok(()) => true,
            Err(error) => {
                self.stop.set(StopReason::Journal(error));
                false
            }
        }
    }
}

fn outcomes_all(
    phones: &[Phone],
    state: State,
    http_status: Option<u16>,
    error: Option<String>,
) -> Vec<Outcome> {
    phones
        .iter()
        .map(|phone| Outcome {
            phone: *phone,
            state,
            message_id: None,
            http_status,
            error: error.clone(),
        })
        .collect()
}

/// Each recipient's outcome from a 201 answer; a recipient the answer does not
/// mention may or may not have been sent.
fn answered(phones: &[Phone], status: u16, response: &SendResponse) -> Vec<Outcome> {
    phones
        .iter()
        .map(|phone| {
            let digits = phone.digits();
            let entry = response
                .statuses
                .iter()
                .find(|s| s.recipient.trim_start_matches('+') == digits);
            let (state, message_id, error) = match entry {
                None => (
                    State::Unknown,
                    None,
                    Some("the answer has no status for this recipient".to_owned()),
                ),
                Some(entry) if entry.is_failure() => {
                    let what = [entry.state.as_deref(), entry.details.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(": ");
                    (
                        State::Failed,
                        entry.message_id.clone(),
                        Some(format!("the provider did not send it: {what}")),
                    )
                }
                Some(entry) => (State::Sent, entry.message_id.clone(), None),
            };
            Outcome {
                phone: *phone,
                state,
                message_id,
                http_status: Some(status),
                error,
            }
        })
        .collect()
}
