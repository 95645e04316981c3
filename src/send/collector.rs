//! What workers and the dispatcher report while sending: counted in one
//! place, under a lock each reporter holds for a moment, and read by the
//! progress display a few times a second.
//!
//! A worker used to send each finished request to a task on the thread
//! that shows progress; with every request waking that thread, 100,000
//! requests made about 40,000 extra wake-ups and context switches, and
//! about 0.35 s of CPU, on two cores shared with the provider.

use super::breaker::Breaker;
use super::stop::{Stop, StopReason};
use super::tally::Tally;
use crate::journal::State;
use std::sync::{Arc, Mutex, MutexGuard};

/// What a worker or the dispatcher reports.
#[derive(Debug)]
pub enum Event {
    /// A request ended with each recipient's state as committed; `failed`
    /// counts toward the breaker.
    Finished { states: Vec<State>, failed: bool },
    /// A request will be tried again.
    Retry,
    /// A batch went back to pending after its last try, with this error.
    GaveUp(String),
    /// Every recipient that may go now is done; `deferred` wait until `until`.
    Waiting { until: String, deferred: u64 },
}

/// The run's tally and breaker, shared by everyone who reports.
#[derive(Clone)]
pub struct Collector {
    shared: Arc<Mutex<Collected>>,
    stop: Stop,
}

struct Collected {
    tally: Tally,
    breaker: Breaker,
    /// Whether the tally moved since the progress display last read it.
    changed: bool,
}

impl Collector {
    /// A collector for a run of `total` recipients, which trips `stop` when
    /// the breaker does.
    pub fn new(total: u64, stop: Stop) -> Collector {
        Collector {
            shared: Arc::new(Mutex::new(Collected {
                tally: Tally::new(total),
                breaker: Breaker::default(),
                changed: true,
            })),
            stop,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Collected> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts `event`.
    pub fn report(&self, event: Event) {
        let mut collected = self.lock();
        collected.changed = true;
        let Collected { tally, breaker, .. } = &mut *collected;
        match event {
            Event::Retry => tally.retries += 1,
            Event::GaveUp(error) => tally.gave_up = Some(error),
            Event::Waiting { until, deferred } => tally.waiting = Some((until, deferred)),
            Event::Finished { states, failed } => {
                tally.waiting = None;
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
                    self.stop.set(StopReason::Breaker { failed, of });
                }
            }
        }
    }

    /// Changes the tally outside of any report (sending stops).
    pub fn amend(&self, change: impl FnOnce(&mut Tally)) {
        let mut collected = self.lock();
        collected.changed = true;
        change(&mut collected.tally);
    }

    /// A copy of the tally if it moved since the last one taken.
    pub fn moved(&self) -> Option<Tally> {
        let mut collected = self.lock();
        std::mem::take(&mut collected.changed).then(|| collected.tally.clone())
    }

    /// The tally as it stands, its clock stopped: sending has ended.
    pub fn end(&self) -> Tally {
        let mut collected = self.lock();
        collected.tally.end();
        collected.tally.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_requests_count_each_recipient_by_state_and_a_copy_is_taken_once_per_move() {
        let collector = Collector::new(5, Stop::default());
        assert!(
            collector.moved().is_some(),
            "the first reading shows the start"
        );
        assert!(collector.moved().is_none());
        collector.report(Event::Finished {
            states: vec![State::Sent, State::Failed, State::Unknown, State::Pending],
            failed: false,
        });
        collector.report(Event::Retry);
        let tally = collector.moved().expect("moved");
        assert_eq!(
            (tally.sent, tally.failed, tally.unknown, tally.requeued),
            (1, 1, 1, 1)
        );
        assert_eq!((tally.requests, tally.retries), (1, 1));
        assert!(collector.moved().is_none());
        collector.report(Event::Waiting {
            until: "2026-05-02T09:00:00Z".into(),
            deferred: 1,
        });
        assert_eq!(
            collector.moved().and_then(|t| t.waiting),
            Some(("2026-05-02T09:00:00Z".to_owned(), 1))
        );
    }

    #[test]
    fn mostly_failed_requests_trip_the_breaker_and_stop_sending() {
        let stop = Stop::default();
        let collector = Collector::new(100, stop.clone());
        for _ in 0..9 {
            collector.report(Event::Finished {
                states: vec![State::Failed],
                failed: true,
            });
        }
        assert!(!stop.is_set(), "too few requests to judge");
        collector.report(Event::Finished {
            states: vec![State::Failed],
            failed: true,
        });
        assert!(matches!(
            stop.reason(),
            Some(StopReason::Breaker { failed: 10, of: 10 })
        ));
    }
}
