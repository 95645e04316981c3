//! The messaging limit as apply and plan spend it: at most `limit` unique
//! recipients per rolling 24 hours for one sender. It starts from what the
//! journal says the sender reached in the last 24 hours (every campaign in
//! the same state) and counts each recipient let through at the time it was;
//! a slot frees 24 hours after the send that took it.
//!
//! A recipient this sender already reached through another campaign still
//! takes a slot here: the count errs on the side of the limit.

use jiff::{SignedDuration, Timestamp};
use std::collections::VecDeque;

/// Meta counts unique recipients in a moving 24-hour window.
pub const SPAN: SignedDuration = SignedDuration::from_hours(24);

#[derive(Clone, Debug)]
pub struct Capacity {
    limit: u64,
    /// When each counted recipient was reached, oldest first.
    taken: VecDeque<Timestamp>,
    /// How many the journal counted at the start.
    reached_before: u64,
}

impl Capacity {
    /// A limit of `limit`, with `reached` the times (oldest first) of the
    /// recipients reached in the 24 hours before now.
    pub fn new(limit: u32, reached: Vec<Timestamp>) -> Capacity {
        Capacity {
            limit: u64::from(limit),
            reached_before: reached.len() as u64,
            taken: reached.into(),
        }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Recipients reached in the 24 hours before the start.
    pub fn reached_before(&self) -> u64 {
        self.reached_before
    }

    /// Takes a slot at `now`, or says when the next one frees.
    pub fn take(&mut self, now: Timestamp) -> Result<(), Timestamp> {
        let cutoff = now.checked_sub(SPAN).unwrap_or(now);
        while self.taken.front().is_some_and(|at| *at <= cutoff) {
            self.taken.pop_front();
        }
        if (self.taken.len() as u64) < self.limit {
            self.taken.push_back(now);
            return Ok(());
        }
        let oldest = self.taken.front().copied().unwrap_or(now);
        Err(oldest.checked_add(SPAN).unwrap_or(oldest))
    }
}

/// The time the messaging limit's count starts from, for `now`, as the
/// journal writes times (RFC 3339 UTC to the second).
pub fn since(now: Timestamp) -> String {
    let since = now.checked_sub(SPAN).unwrap_or(now);
    Timestamp::from_second(since.as_second())
        .unwrap_or(since)
        .to_string()
}

/// Reads the journal's times (RFC 3339), leaving out any it cannot read.
pub fn times(reached: &[String]) -> Vec<Timestamp> {
    let mut times: Vec<Timestamp> = reached.iter().filter_map(|t| t.parse().ok()).collect();
    times.sort_unstable();
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn slots_free_a_day_after_they_were_taken() {
        let mut capacity = Capacity::new(2, vec![at("2026-01-15T08:00:00Z")]);
        assert_eq!(capacity.take(at("2026-01-15T10:00:00Z")), Ok(()));
        assert_eq!(
            capacity.take(at("2026-01-15T10:00:01Z")),
            Err(at("2026-01-16T08:00:00Z"))
        );
        assert_eq!(capacity.take(at("2026-01-16T08:00:00Z")), Ok(()));
        assert_eq!(
            capacity.take(at("2026-01-16T09:00:00Z")),
            Err(at("2026-01-16T10:00:00Z"))
        );
    }
}
