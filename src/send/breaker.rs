//! The error-rate breaker: when most of the recent requests fail, sending
//! stops (resumably) instead of burning through the audience.

use std::collections::VecDeque;

/// Requests remembered.
const WINDOW: usize = 20;
/// Requests needed before the breaker may trip.
const MINIMUM: usize = 10;

#[derive(Default)]
pub struct Breaker {
    recent: VecDeque<bool>,
}

impl Breaker {
    /// Notes a finished request; returns `(failed, of)` when the breaker trips.
    pub fn note(&mut self, failed: bool) -> Option<(usize, usize)> {
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(failed);
        let failures = self.recent.iter().filter(|f| **f).count();
        (self.recent.len() >= MINIMUM && failures * 2 > self.recent.len())
            .then_some((failures, self.recent.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trips_when_most_recent_requests_fail() {
        let mut breaker = Breaker::default();
        for _ in 0..5 {
            assert_eq!(breaker.note(true), None);
        }
        for _ in 0..15 {
            assert_eq!(breaker.note(false), None);
        }
        let mut tripped = None;
        for _ in 0..11 {
            tripped = tripped.or(breaker.note(true));
        }
        assert_eq!(tripped, Some((11, 20)));
    }
}
