//! What a run has done so far, kept by the collector and shown by the
//! progress display and the final summary.

use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Tally {
    /// Recipients this run set out to send.
    pub total: u64,
    pub sent: u64,
    pub failed: u64,
    pub unknown: u64,
    /// Recipients put back to pending (retries exhausted, or stopped).
    pub requeued: u64,
    /// The error the last batch put back to pending after its tries ran
    /// out was recorded with, so a run that left recipients pending says
    /// why without opening the report.
    pub gave_up: Option<String>,
    pub requests: u64,
    pub retries: u64,
    pub started: Instant,
    /// Set once sending stops: the longest it waits for requests in flight.
    pub stopping: Option<Duration>,
    /// While a scheduled run waits: until when (RFC 3339), and for how many.
    pub waiting: Option<(String, u64)>,
    /// When sending ended ([`Tally::end`]); the clock runs until then.
    ended: Option<Instant>,
}

impl Tally {
    pub fn new(total: u64) -> Tally {
        Tally {
            total,
            sent: 0,
            failed: 0,
            unknown: 0,
            requeued: 0,
            gave_up: None,
            requests: 0,
            retries: 0,
            started: Instant::now(),
            stopping: None,
            waiting: None,
            ended: None,
        }
    }

    /// Stops the clock: what follows sending (the report) is not sending.
    pub fn end(&mut self) {
        self.ended.get_or_insert_with(Instant::now);
    }

    /// How long sending took (so far, while it runs).
    pub fn elapsed(&self) -> Duration {
        self.ended.unwrap_or_else(Instant::now) - self.started
    }

    pub fn done(&self) -> u64 {
        self.sent + self.failed + self.unknown + self.requeued
    }

    /// Recipients finished per second of sending.
    pub fn rate(&self) -> f64 {
        let seconds = self.elapsed().as_secs_f64();
        if seconds > 0.0 {
            self.done() as f64 / seconds
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_counts_sending_only() {
        let mut tally = Tally::new(10);
        tally.sent = 10;
        std::thread::sleep(Duration::from_millis(20));
        tally.end();
        let (elapsed, rate) = (tally.elapsed(), tally.rate());
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(
            tally.elapsed(),
            elapsed,
            "the clock stopped when sending ended"
        );
        assert_eq!(tally.rate(), rate);
        assert!(elapsed >= Duration::from_millis(20));
    }
}
