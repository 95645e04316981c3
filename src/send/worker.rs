//! A worker sends one batch at a time: wait out any pause, take its share of
//! the rate, commit intent, send, and commit the outcome. Only errors that
//! prove nothing was accepted are retried; anything else is final.
//!
//! A request's outcome is committed together with the next request's intent
//! when the next batch is at hand and may go at once (one journal round trip
//! per request instead of two); otherwise it is committed on its own before
//! the worker waits for anything.

use super::backoff;
use super::batch::Batch;
use super::collector::{Collector, Event};
use super::pause::Pause;
use super::stop::{Stop, StopReason};
use crate::journal::{Change, DeliveryJob, DeliveryState, OptOutRecord, Outcome, Report, State};
use crate::phone::Phone;
use crate::transport::{RecipientResult, SendError, Session, Verdict};
use governor::DefaultDirectRateLimiter;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::sync::mpsc::Receiver;

/// The longest `Retry-After` wacast waits out; a longer one stops the run.
const LONGEST_PAUSE: Duration = Duration::from_secs(300);

pub struct Worker<S: Session> {
    pub session: S,
    pub journal: crate::journal::JournalWriter,
    pub limiter: Arc<DefaultDirectRateLimiter>,
    pub pause: Pause,
    pub stop: Stop,
    pub max_attempts: u32,
    pub events: Collector,
    pub opt_outs: OptOuts,
    /// Counts the batches this worker finishes.
    pub outstanding: super::deferral::Outstanding,
    /// Outcomes in hand that the journal refused to commit.
    pub unwritten: Unwritten,
}

/// Outcomes workers had in hand when the journal could not be written (a
/// full disk): kept so apply can try once more when sending has ended, and
/// name the ones it still cannot record.
pub type Unwritten = Arc<std::sync::Mutex<Vec<Outcome>>>;

/// Where the opt-outs a provider reports while sending are recorded.
#[derive(Clone)]
pub struct OptOuts {
    pub campaign: Arc<str>,
    /// The campaign's suppression list, appended to as the listener does.
    pub file: Option<Arc<Path>>,
}

/// A request's outcome that is not committed yet.
struct Unrecorded {
    outcomes: Vec<Outcome>,
    failed: bool,
}

impl Unrecorded {
    /// What the collector hears once this is committed.
    fn event(&self) -> Event {
        Event::Finished {
            states: self.outcomes.iter().map(|o| o.state).collect(),
            failed: self.failed,
        }
    }
}

impl<S: Session> Worker<S> {
    /// Takes batches from `queue` until it is closed or sending stops.
    pub async fn run(&mut self, queue: &Mutex<Receiver<Batch>>) {
        let mut unrecorded = None;
        loop {
            let next = match unrecorded {
                Some(_) => match queue.try_lock().ok().and_then(|mut q| q.try_recv().ok()) {
                    Some(batch) => Some(batch),
                    None => {
                        if !self.record(unrecorded.take()).await {
                            return;
                        }
                        continue;
                    }
                },
                None => queue.lock().await.recv().await,
            };
            let Some(batch) = next else {
                self.record(unrecorded.take()).await;
                return;
            };
            unrecorded = self.send(batch, unrecorded).await;
            self.outstanding.done();
        }
    }

    /// Sends `batch` until it is sent, finally failed, or put back to pending,
    /// committing `earlier` (the worker's previous outcome) first. Returns the
    /// outcome when it is final and still to be committed.
    async fn send(&mut self, batch: Batch, earlier: Option<Unrecorded>) -> Option<Unrecorded> {
        let mut earlier = match self.may_go_now(&batch) {
            true => earlier,
            false => {
                if !self.record(earlier).await || !self.clear_to_send(&batch).await {
                    return None;
                }
                None
            }
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            if attempt > 1 && !self.clear_to_send(&batch).await {
                return None;
            }
            let mut changes = Vec::with_capacity(2);
            let earlier = earlier.take();
            let recorded = earlier.as_ref().map(|earlier| {
                changes.push(Change::Outcomes(earlier.outcomes.clone()));
                earlier.event()
            });
            changes.push(Change::InFlight(batch.phones.clone()));
            if let Err(error) = self.journal.write(changes).await {
                self.keep(earlier.map(|earlier| earlier.outcomes));
                self.stop.set(StopReason::Journal(error));
                return None;
            }
            if let Some(event) = recorded {
                self.events.report(event);
            }
            match self.session.send(batch.body.clone(), &batch.phones).await {
                Err(error) if error.is_retryable() && attempt < self.max_attempts => {
                    if !self.requeue(&batch, &error, false).await {
                        return None;
                    }
                    self.wait_before_retry(&error, attempt).await;
                    self.events.report(Event::Retry);
                }
                result => return self.finish(&batch, result).await,
            }
        }
    }

    /// Whether `batch` may be sent without waiting: no pause, no stop, and
    /// its share of the rate free now (taken if so).
    fn may_go_now(&self, batch: &Batch) -> bool {
        !self.pause.active()
            && !self.stop.is_set()
            && matches!(self.limiter.check_n(cells(batch)), Ok(Ok(())))
    }

    /// Waits for any pause and the rate limiter; false if sending stopped meanwhile.
    async fn clear_to_send(&self, batch: &Batch) -> bool {
        loop {
            self.pause.wait().await;
            if self.stop.is_set() {
                return false;
            }
            if self.limiter.until_n_ready(cells(batch)).await.is_err() {
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
        if let SendError::RetryLater { after, .. } = error {
            if *after > LONGEST_PAUSE {
                self.stop.set(StopReason::LongPause(after.as_secs()));
                return;
            }
            tokio::time::sleep(*after).await;
            return;
        }
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
            let tries = match self.max_attempts {
                1 => "1 try".to_owned(),
                n => format!("{n} tries"),
            };
            format!("gave up after {tries}: {error}")
        } else {
            error.to_string()
        };
        let outcomes = outcomes_all(
            &batch.phones,
            State::Pending,
            error.status(),
            Some(text.clone()),
        );
        let committed = self.commit(outcomes).await;
        if committed && gave_up {
            self.events.report(Event::GaveUp(text));
        }
        committed
    }

    /// The outcome of the last attempt, still to be committed; `None` when
    /// there is nothing more to commit (the batch went back to pending).
    async fn finish(
        &self,
        batch: &Batch,
        result: Result<Vec<RecipientResult>, SendError>,
    ) -> Option<Unrecorded> {
        let (outcomes, failed) = match result {
            Ok(results) => {
                self.heed(&batch.phones, &results).await;
                let held = held(&self.opt_outs.campaign, &batch.phones, &results);
                let outcomes = answered(&batch.phones, results);
                let failed = outcomes.iter().all(|o| o.state != State::Sent);
                let unrecorded = Unrecorded { outcomes, failed };
                if held.is_empty() {
                    return Some(unrecorded);
                }
                if self.record(Some(unrecorded)).await {
                    self.keep_held(held).await;
                }
                return None;
            }
            Err(error) if error.is_retryable() => {
                if self.requeue(batch, &error, true).await {
                    self.events.report(Event::Finished {
                        states: vec![State::Pending; batch.phones.len()],
                        failed: true,
                    });
                }
                return None;
            }
            Err(error @ (SendError::Unauthorized { .. } | SendError::Suspended { .. })) => {
                let (status, text) = (error.status(), error.to_string());
                self.stop.set(halted(error));
                (
                    outcomes_all(&batch.phones, State::Pending, status, Some(text)),
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
        Some(Unrecorded { outcomes, failed })
    }

    /// Acts on what the results say beyond each recipient's state: a refused
    /// template stops the run (every recipient would fail alike), and an
    /// opt-out is committed (and appended to the campaign's suppression list)
    /// before the outcome, so later plans leave the number out.
    async fn heed(&self, phones: &[Phone], results: &[RecipientResult]) {
        let mut opted_out = Vec::new();
        for (phone, result) in phones.iter().zip(results) {
            match &result.verdict {
                Verdict::TemplateRefused { reason } => {
                    self.stop.set(StopReason::TemplateRefused {
                        reason: reason.clone(),
                    });
                }
                Verdict::OptedOut { reason } => opted_out.push(OptOutRecord {
                    campaign: self.opt_outs.campaign.to_string(),
                    phone: *phone,
                    keyword: reason.clone(),
                    message_id: None,
                    file: self.opt_outs.file.as_ref().map(|f| f.display().to_string()),
                }),
                _ => {}
            }
        }
        if opted_out.is_empty() {
            return;
        }
        let file = self.opt_outs.file.clone();
        self.deliveries(Box::new(move |writer| {
            for record in &opted_out {
                if writer.opt_out(record)?
                    && let Some(file) = &file
                {
                    crate::audience::opt_out_file::append(file, record.phone)?;
                }
            }
            Ok(())
        }))
        .await;
    }

    /// Records, after their outcomes, the provider's word for messages it
    /// holds before sending, as their first delivery state.
    async fn keep_held(&self, held: Vec<Report>) {
        self.deliveries(Box::new(move |writer| {
            for report in &held {
                writer.report(report)?;
            }
            Ok(())
        }))
        .await;
    }

    /// Runs `job` in the journal's delivery batch; a journal that cannot be
    /// written stops sending.
    async fn deliveries(&self, job: DeliveryJob<()>) {
        if let Err(error) = self.journal.deliveries(job).await {
            self.stop.set(StopReason::Journal(error));
        }
    }

    /// Commits `unrecorded`, if any, and tells the collector; false if the
    /// journal could not be written.
    async fn record(&self, unrecorded: Option<Unrecorded>) -> bool {
        let Some(unrecorded) = unrecorded else {
            return true;
        };
        let event = unrecorded.event();
        if !self.commit(unrecorded.outcomes).await {
            return false;
        }
        self.events.report(event);
        true
    }

    async fn commit(&self, outcomes: Vec<Outcome>) -> bool {
        match self
            .journal
            .write(vec![Change::Outcomes(outcomes.clone())])
            .await
        {
            Ok(()) => true,
            Err(error) => {
                self.keep(Some(outcomes));
                self.stop.set(StopReason::Journal(error));
                false
            }
        }
    }

    /// Keeps `outcomes` the journal refused, for apply to record later.
    fn keep(&self, outcomes: Option<Vec<Outcome>>) {
        if let Some(outcomes) = outcomes {
            let mut kept = self.unwritten.lock().unwrap_or_else(|e| e.into_inner());
            kept.extend(outcomes);
        }
    }
}

/// Why sending stops after `error`, a refusal of the credentials or of the
/// account: every worker stops, and the run can resume once it is fixed.
fn halted(error: SendError) -> StopReason {
    match error {
        SendError::Suspended {
            status,
            message,
            hint,
        } => StopReason::Suspended {
            message: format!("{status}: {message}"),
            hint,
        },
        SendError::Unauthorized {
            status,
            message,
            hint,
        } => StopReason::Unauthorized {
            message: format!("{status}: {message}"),
            hint,
        },
        other => StopReason::Journal(format!("unexpected stop: {other}")),
    }
}

/// A batch's share of the rate: one cell per recipient.
fn cells(batch: &Batch) -> NonZeroU32 {
    NonZeroU32::new(batch.phones.len() as u32).unwrap_or(NonZeroU32::MIN)
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

/// A delivery report for each message the provider took but holds.
fn held(campaign: &str, phones: &[Phone], results: &[RecipientResult]) -> Vec<Report> {
    phones
        .iter()
        .zip(results)
        .filter_map(|(phone, result)| match &result.verdict {
            Verdict::Held { message_id, state } => Some(Report {
                campaign: Some(campaign.to_owned()),
                message_id: message_id.clone(),
                recipient: Some(*phone),
                state: state.clone(),
                progress: DeliveryState::Accepted,
                details: Some("accepted, and held by the provider before sending".to_owned()),
                timestamp: None,
            }),
            _ => None,
        })
        .collect()
}

/// Each recipient's outcome from the session's results, which come one per
/// recipient in order; a recipient without one may or may not have been sent.
fn answered(phones: &[Phone], results: Vec<RecipientResult>) -> Vec<Outcome> {
    let mut results = results.into_iter();
    phones
        .iter()
        .map(|phone| match results.next() {
            Some(result) => outcome(*phone, result),
            None => Outcome {
                phone: *phone,
                state: State::Unknown,
                message_id: None,
                http_status: None,
                error: Some("the transport gave no result for this recipient".to_owned()),
            },
        })
        .collect()
}

fn outcome(phone: Phone, result: RecipientResult) -> Outcome {
    let (state, message_id, error) = match result.verdict {
        Verdict::Sent { message_id } => (State::Sent, message_id, None),
        Verdict::Held { message_id, .. } => (State::Sent, Some(message_id), None),
        Verdict::Failed { message_id, reason } => (State::Failed, message_id, Some(reason)),
        Verdict::OptedOut { reason } | Verdict::TemplateRefused { reason } => {
            (State::Failed, None, Some(reason))
        }
        Verdict::Unknown { reason } => (State::Unknown, None, Some(reason)),
    };
    Outcome {
        phone,
        state,
        message_id,
        http_status: Some(result.http_status),
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_become_outcomes_in_recipient_order() {
        let phones: Vec<Phone> = ["447400000001", "447400000002", "447400000003"]
            .iter()
            .map(|d| Phone::from_digits(d).unwrap())
            .collect();
        let result = |verdict| RecipientResult {
            http_status: 201,
            verdict,
        };
        let outcomes = answered(
            &phones,
            vec![
                result(Verdict::Sent {
                    message_id: Some("m1".into()),
                }),
                result(Verdict::Failed {
                    message_id: None,
                    reason: "no".into(),
                }),
            ],
        );
        let seen: Vec<_> = outcomes
            .iter()
            .map(|o| {
                (
                    o.state,
                    o.message_id.as_deref(),
                    o.http_status,
                    o.error.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (State::Sent, Some("m1"), Some(201), None),
                (State::Failed, None, Some(201), Some("no")),
                (
                    State::Unknown,
                    None,
                    None,
                    Some("the transport gave no result for this recipient")
                ),
            ]
        );
        assert_eq!(outcomes[2].phone, phones[2]);
    }
}
