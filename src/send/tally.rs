//! What a run has done so far, kept by the collector and shown by the
//! progress display and the final summary.

use std::time::Instant;

#[derive(Clone, Debug)]
pub struct Tally {
    /// Recipients this run set out to send.
    pub total: u64,
    pub sent: u64,
    pub failed: u64,
    pub unknown: u64,
    /// Recipients put back to pending (retries exhausted, or stopped).
    pub requeued: u64,
    pub requests: u64,
    pub retries: u64,
    pub started: Instant,
}

impl Tally {
    pub fn new(total: u64) -> Tally {
        Tally {
            total,
            sent: 0,
            failed: 0,
            unknown: 0,
            requeued: 0,
            requests: 0,
            retries: 0,
            started: Instant::now(),
        }
    }

    pub fn done(&self) -> u64 {
        self.sent + self.failed + self.unknown + self.requeued
    }

    /// Recipients finished per second since the start.
    pub fn rate(&self) -> f64 {
        let seconds = self.started.elapsed().as_secs_f64();
        if seconds > 0.0 {
            self.done() as f64 / seconds
        } else {
            0.0
        }
    }
}
