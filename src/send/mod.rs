//! Sending: N workers pull batches from one dispatcher and count their
//! outcomes in one collector (`collector.rs`: the tally and the error-rate
//! breaker under a lock), which the progress display reads every 100 ms
//! while the workers run. The rate limit (governor, in recipients per
//! second) is shared by all workers, and so is any pause a `Retry-After` asks
//! for. Every state change goes through the journal before anything follows.
//!
//! Sending is generic over the [`Transport`]: it knows no provider, no URL,
//! header or body shape, only how many recipients a request may carry and
//! the neutral results and errors a session answers with.

mod backoff;
mod batch;
mod breaker;
mod collector;
mod deferral;
mod pause;
pub mod staging;
pub mod stop;
pub mod tally;
mod worker;

use crate::journal::JournalWriter;
use crate::transport::Transport;
use batch::Batch;
use collector::{Collector, Event};
use deferral::Outstanding;
pub use deferral::{Deferral, ReadFigures};
use governor::{Quota, RateLimiter};
use staging::{Exhausted, StagingWatch};
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
    /// The campaign's schedule, when it declares one.
    pub deferral: Option<Deferral>,
    /// Staging still publishing the plan, when sending starts before it ends.
    pub staging: StagingWatch,
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
    let collector = Collector::new(total, stop.clone());
    let pause = pause::Pause::default();
    let opt_outs = worker::OptOuts {
        campaign: Arc::from(settings.campaign.as_str()),
        file: settings.opt_out_file.clone().map(Arc::from),
    };
    let outstanding = Outstanding::default();
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
            events: collector.clone(),
            opt_outs: opt_outs.clone(),
            outstanding: outstanding.clone(),
            unwritten: Arc::clone(&unwritten),
        };
        let queue = queue.clone();
        workers.spawn(async move { worker.run(&queue).await });
    }
    let dispatcher = tokio::spawn(dispatch(
        Dispatch {
            journal,
            run,
            largest,
            batches,
            stop: stop.clone(),
            outstanding,
            events: collector.clone(),
            staging: settings.staging.clone(),
        },
        transport,
        settings.deferral.clone(),
    ));
    let mut ticks = tokio::time::interval(PROGRESS_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut deadline = None;
    loop {
        tokio::select! {
            joined = workers.join_next() => {
                if joined.is_none() {
                    break;
                }
            }
            _ = ticks.tick() => {
                if let Some(tally) = collector.moved() {
                    progress(&tally);
                }
            }
            () = wait_for_stop(&stop), if deadline.is_none() => {
                deadline = Some(tokio::time::Instant::now() + settings.stop_deadline);
                collector.amend(|tally| tally.stopping = Some(settings.stop_deadline));
            }
            () = sleep_until(deadline), if deadline.is_some() => break,
            () = stop.forced(), if deadline.is_some() => break,
        }
    }
    dispatcher.abort();
    workers.abort_all();
    while workers.join_next().await.is_some() {}
    let tally = collector.end();
    progress(&tally);
    let unwritten = std::mem::take(&mut *unwritten.lock().unwrap_or_else(|e| e.into_inner()));
    Ended {
        tally,
        stopped: stop.reason(),
        unwritten,
    }
}

/// How often the progress display hears how sending stands.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Resolves at `deadline` (never, without one).
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
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

async fn wait_for_stop(stop: &Stop) {
    while !stop.is_set() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What the dispatcher works with.
struct Dispatch {
    journal: JournalWriter,
    run: i64,
    largest: usize,
    batches: mpsc::Sender<Batch>,
    stop: Stop,
    outstanding: Outstanding,
    events: Collector,
    staging: StagingWatch,
}

/// Hands out every pending recipient that may go, pass after pass while a
/// schedule with `wait` leaves some waiting. Ends (closing the queue) when
/// none are left to hand out now, or sending stops.
async fn dispatch(dispatch: Dispatch, transport: impl Transport, deferral: Option<Deferral>) {
    loop {
        if let Some(deferral) = &deferral {
            deferral.gate().begin_pass();
        }
        if !pass(&dispatch, &transport, deferral.as_ref()).await {
            return;
        }
        match wave_gate(&dispatch, deferral.as_ref()).await {
            WaveGate::Passed => continue,
            WaveGate::Stop => return,
            WaveGate::None => {}
        }
        let Some(deferral) = deferral.as_ref().filter(|d| d.wait) else {
            return;
        };
        let (deferred, next) = {
            let gate = deferral.gate();
            (gate.deferred(), gate.next_opening())
        };
        let Some((until, wait)) = next.filter(|_| deferred > 0) else {
            return;
        };
        dispatch.outstanding.settled().await;
        dispatch.events.report(Event::Waiting {
            until: until.to_string(),
            deferred,
        });
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = wait_for_stop(&dispatch.stop) => return,
        }
    }
}

/// What became of a sent wave's gate after a pass.
enum WaveGate {
    /// No wave waits on its gate, or nobody is left for the next wave.
    None,
    /// The gate passed: the next wave is open.
    Passed,
    /// The gate failed (sending stops), or is not due and this run does not
    /// wait for it, or sending stopped while waiting.
    Stop,
}

/// After a pass that left recipients for the next wave: once every answer
/// of the wave is in, waits the wave's `wait` (when this run waits) and
/// checks its gate against the campaign's figures.
async fn wave_gate(dispatch: &Dispatch, deferral: Option<&Deferral>) -> WaveGate {
    let Some(deferral) = deferral else {
        return WaveGate::None;
    };
    let deferred = deferral.gate().deferred_by_wave();
    if deferred == 0 || deferral.gate().wave_gate().is_none() {
        return WaveGate::None;
    }
    dispatch.outstanding.settled().await;
    deferral.gate().wave_answers_in();
    let Some((until, wait)) = deferral.gate().wave_gate() else {
        return WaveGate::None;
    };
    if !wait.is_zero() {
        if !deferral.wave_wait {
            return WaveGate::Stop;
        }
        dispatch.events.report(Event::Waiting {
            until: until.to_string(),
            deferred,
        });
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = wait_for_stop(&dispatch.stop) => return WaveGate::Stop,
        }
    }
    let Some(read) = deferral.figures.clone() else {
        return WaveGate::None;
    };
    let figures = match tokio::task::spawn_blocking(move || read()).await {
        Ok(Ok(figures)) => figures,
        Ok(Err(error)) => {
            let error = format!("the wave's gate could not be checked ({error:#})");
            dispatch.stop.set(StopReason::WaveGate(error));
            return WaveGate::Stop;
        }
        Err(_) => {
            let error = "the wave's gate could not be checked".to_owned();
            dispatch.stop.set(StopReason::WaveGate(error));
            return WaveGate::Stop;
        }
    };
    let checked = deferral.gate().check_wave_gate(&figures);
    match checked {
        Ok(()) => WaveGate::Passed,
        Err(failure) => {
            dispatch.stop.set(StopReason::WaveGate(failure.to_string()));
            WaveGate::Stop
        }
    }
}

/// One pass: reads pending recipients page by page, the next page while the
/// current one is handed out, and hands out batches of those the schedule
/// admits, their bodies built by `transport`. False when sending stopped.
async fn pass(
    dispatch: &Dispatch,
    transport: &impl Transport,
    deferral: Option<&Deferral>,
) -> bool {
    let Dispatch {
        journal,
        run,
        largest,
        batches,
        stop,
        outstanding,
        ..
    } = dispatch;
    let mut staging = dispatch.staging.clone();
    staging.mark();
    let mut upcoming = journal.pending(*run, 0, PAGE);
    let mut after = 0;
    loop {
        let mut rows = match upcoming.await {
            Ok(rows) => rows,
            Err(error) => {
                stop.set(StopReason::Journal(format!("{error:#}")));
                return false;
            }
        };
        let Some(last) = rows.last() else {
            match staging.exhausted().await {
                Exhausted::ReadAgain => {
                    staging.mark();
                    upcoming = journal.pending(*run, after, PAGE);
                    continue;
                }
                Exhausted::Done => return true,
                Exhausted::Failed(error) => {
                    stop.set(StopReason::Journal(error));
                    return false;
                }
            }
        };
        after = last.line;
        staging.mark();
        upcoming = journal.pending(*run, after, PAGE);
        if let Some(deferral) = deferral {
            let mut gate = deferral.gate();
            rows.retain(|row| gate.admit(row.phone));
        }
        for (message, phones) in batch::group(rows, *largest) {
            if stop.is_set() {
                return false;
            }
            outstanding.add();
            if batches
                .send(Batch::new(transport, phones, &message))
                .await
                .is_err()
            {
                outstanding.done();
                return false;
            }
        }
    }
}
