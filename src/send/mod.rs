//! Sending: N workers pull batches from one dispatcher and report outcomes to
//! one collector, which alone keeps the tally, feeds the progress display and
//! watches the error rate. The rate limit (governor, in recipients per
//! second) is shared by all workers, and so is any pause a `Retry-After` asks
//! for. Every state change goes through the journal before anything follows.
//!
//! Sending is generic over the [`Transport`]: it knows no provider, no URL,
//! header or body shape, only how many recipients a request may carry and
//! the neutral results and errors a session answers with.

mod backoff;
mod batch;
mod breaker;
mod pause;
pub mod stop;
pub mod tally;
mod worker;

use crate::journal::JournalWriter;
use crate::journal::State;
use crate::transport::Transport;
use batch::Batch;
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use stop::{Stop, StopReason};
use tally::Tally;
use tokio::sync::{Mutex, mpsc};

/// Pending rows read from the journal at once.
const PAGE: usize = 1000;

#[derive(Clone, Debug)]
pub struct Settings {
    pub concurrency: usize,
    pub rate_per_second: u32,
    pub max_attempts: u32,
    /// How long in-flight requests may take to finish once sending stops.
    pub stop_deadline: Duration,
    /// The campaign sent, under which opt-outs the provider reports are recorded.
    pub campaign: String,
    /// The campaign's suppression list those opt-outs are appended to, if any.
    pub opt_out_file: Option<PathBuf>,
}

/// What a worker tells the collector.
#[derive(Debug)]
pub enum Event {
    /// A request ended; `failed` counts toward the breaker.
    Finished {
        /// Each recipient's state, as committed.
        states: Vec<State>,
        failed: bool,
    },
    /// A request will be tried again.
    Retry,
}

/// How a run ended.
pub struct Ended {
    pub tally: Tally,
    pub stopped: Option<StopReason>,
    /// Outcomes the journal refused while sending (a full disk), still to
    /// be recorded: each was final, some of them accepted sends.
    pub unwritten: Vec<crate::journal::Outcome>,
}

/// Sends every pending recipient of `run` (there are `total`) through
/// `transport`, calling `progress` as outcomes come in.
pub async fn run<T: Transport>(
    journal: JournalWriter,
    run: i64,
    total: u64,
    transport: T,
    settings: &Settings,
    stop: Stop,
    mut progress: impl FnMut(&Tally),
) -> Ended {
    let max_recipients = transport.max_recipients();
    let largest = batch::largest(settings.rate_per_second, max_recipients);
    let limiter = Arc::new(RateLimiter::direct(quota(
        settings.rate_per_second,
        max_recipients,
    )));
    let (batches, queue) = mpsc::channel::<Batch>(settings.concurrency);
    let queue = Arc::new(Mutex::new(queue));
    let (events, mut received) = mpsc::unbounded_channel();
    let pause = pause::Pause::default();
    let opt_outs = worker::OptOuts {
        campaign: Arc::from(settings.campaign.as_str()),
        file: settings.opt_out_file.clone().map(Arc::from),
    };
    let unwritten = worker::Unwritten::default();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..settings.concurrency {
        let mut worker = worker::Worker {
            session: transport.session(),
            journal: journal.clone(),
            limiter: limiter.clone(),
            pause: pause.clone(),
            stop: stop.clone(),
            max_attempts: settings.max_attempts,
            events: events.clone(),
            opt_outs: opt_outs.clone(),
            unwritten: Arc::clone(&unwritten),
        };
        let queue = queue.clone();
        workers.spawn(async move { worker.run(&queue).await });
    }
    drop(events);
    let dispatcher = tokio::spawn(dispatch(
        journal,
        run,
        largest,
        transport,
        batches,
        stop.clone(),
    ));
    let mut tally = Tally::new(total);
    let mut breaker = breaker::Breaker::default();
    progress(&tally);
    let mut deadline = None;
    loop {
        let event = match deadline {
            None => tokio::select! {
                event = received.recv() => event,
                () = wait_for_stop(&stop) => {
                    deadline = Some(tokio::time::Instant::now() + settings.stop_deadline);
                    continue;
                }
            },
            Some(until) => match tokio::time::timeout_at(until, received.recv()).await {
                Ok(event) => event,
                Err(_) => break,
            },
        };
        let Some(event) = event else { break };
        collect(&mut tally, &mut breaker, &stop, event);
        progress(&tally);
    }
    dispatcher.abort();
    workers.abort_all();
    while workers.join_next().await.is_some() {}
    tally.end();
    let unwritten = std::mem::take(&mut *unwritten.lock().unwrap_or_else(|e| e.into_inner()));
    Ended {
        tally,
        stopped: stop.reason(),
        unwritten,
    }
}

/// The limiter's quota: one recipient every 1/rate seconds, stretched by 0.2%
/// so that arrival jitter of a few milliseconds cannot push one recipient
/// more into a one-second window at the provider, with the burst of
/// [`batch::burst`].
fn quota(rate_per_second: u32, max_recipients: usize) -> Quota {
    let rate = rate_per_second.max(1);
    let period = Duration::from_nanos(1_002_000_000 / u64::from(rate));
    let burst =
        NonZeroU32::new(batch::burst(rate, max_recipients) as u32).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

fn collect(tally: &mut Tally, breaker: &mut breaker::Breaker, stop: &Stop, event: Event) {
    match event {
        Event::Retry => tally.retries += 1,
        Event::Finished { states, failed } => {
            tally.requests += 1;
            for state in states {
                match state {
                    State::Sent => tally.sent += 1,
                    State::Failed => tally.failed += 1,
                    State::Unknown => tally.unknown += 1,
                    _ => tally.requeued += 1,
                }
            }
            if let Some((failed, of)) = breaker.note(failed) {
                stop.set(StopReason::Breaker { failed, of });
            }
        }
    }
}

async fn wait_for_stop(stop: &Stop) {
    while !stop.is_set() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads pending recipients page by page, the next page while the current
/// one is handed out, and hands out batches, their bodies built by
/// `transport`, until none are left or sending stops.
async fn dispatch(
    journal: JournalWriter,
    run: i64,
    largest: usize,
    transport: impl Transport,
    batches: mpsc::Sender<Batch>,
    stop: Stop,
) {
    let mut upcoming = journal.pending(run, 0, PAGE);
    loop {
        let rows = match upcoming.await {
            Ok(rows) => rows,
            Err(error) => return stop.set(StopReason::Journal(format!("{error:#}"))),
        };
        let Some(last) = rows.last() else { return };
        upcoming = journal.pending(run, last.line, PAGE);
        for (message, phones) in batch::group(rows, largest) {
            if stop.is_set() {
                return;
            }
            if batches
                .send(Batch::new(&transport, phones, &message))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}
