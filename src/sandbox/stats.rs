//! Counters of what the sandbox answered, with the number of send requests in
//! flight and its high-water mark, so tests and benchmarks can check load,
//! concurrency limits and fault handling from the server's side.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

/// A point-in-time copy of the counters, as `GET /_sandbox/stats` shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxStats {
    /// Send requests received.
    pub requests: u64,
    /// Send requests whose messages were recorded (including lost answers).
    pub accepted: u64,
    /// Messages recorded: one per recipient of an accepted request.
    pub messages: u64,
    /// 400 and 415 answers.
    pub rejected: u64,
    /// 401 answers.
    pub unauthorized: u64,
    /// 429 answers.
    pub throttled: u64,
    /// 503 answers.
    pub unavailable: u64,
    /// 500 answers.
    pub server_errors: u64,
    /// Accepted requests whose connection was closed instead of answered.
    pub lost_answers: u64,
    /// Requests held without an answer.
    pub hung: u64,
    /// Send requests being handled right now.
    pub in_flight: u64,
    /// The most send requests ever handled at once.
    pub max_in_flight: u64,
    /// Delivery reports the callback receiver answered with 2xx.
    pub callbacks_delivered: u64,
    /// Delivery report attempts that failed (non-2xx or no answer).
    pub callbacks_failed: u64,
}

/// One counter of [`Stats`], named after its field.
#[derive(Clone, Copy, Debug)]
pub enum Counter {
    Requests,
    Accepted,
    Messages,
    Rejected,
    Unauthorized,
    Throttled,
    Unavailable,
    ServerErrors,
    LostAnswers,
    Hung,
    CallbacksDelivered,
    CallbacksFailed,
}

const COUNTERS: usize = 12;

/// The live counters, shared by every request.
#[derive(Debug, Default)]
pub struct Stats {
    counters: [AtomicU64; COUNTERS],
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
}

impl Stats {
    pub fn add(&self, counter: Counter, amount: u64) {
        self.counters[counter as usize].fetch_add(amount, Ordering::Relaxed);
    }

    /// Marks a send request in flight until the guard is dropped, however the
    /// request ends (answered, dropped connection, shutdown).
    pub fn enter(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        self.max_in_flight.fetch_max(now, Ordering::AcqRel);
        InFlight { stats: self }
    }

    pub fn snapshot(&self) -> SandboxStats {
        let get = |counter: Counter| self.counters[counter as usize].load(Ordering::Relaxed);
        SandboxStats {
            requests: get(Counter::Requests),
            accepted: get(Counter::Accepted),
            messages: get(Counter::Messages),
            rejected: get(Counter::Rejected),
            unauthorized: get(Counter::Unauthorized),
            throttled: get(Counter::Throttled),
            unavailable: get(Counter::Unavailable),
            server_errors: get(Counter::ServerErrors),
            lost_answers: get(Counter::LostAnswers),
            hung: get(Counter::Hung),
            in_flight: self.in_flight.load(Ordering::Acquire),
            max_in_flight: self.max_in_flight.load(Ordering::Acquire),
            callbacks_delivered: get(Counter::CallbacksDelivered),
            callbacks_failed: get(Counter::CallbacksFailed),
        }
    }
}

/// A send request in flight; see [`Stats::enter`].
pub struct InFlight<'a> {
    stats: &'a Stats,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.stats.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_keeps_its_high_water_mark() {
        let stats = Stats::default();
        let first = stats.enter();
        let second = stats.enter();
        drop(first);
        drop(second);
        let _third = stats.enter();
        let snapshot = stats.snapshot();
        assert_eq!((snapshot.in_flight, snapshot.max_in_flight), (1, 2));
    }
}
