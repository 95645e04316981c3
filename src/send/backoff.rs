//! Exponential backoff with full jitter: the wait before try `n + 1` is a
//! random time between zero and `base * 2^(n-1)`, capped, so workers that
//! failed together do not retry together.

use std::time::Duration;

const BASE: Duration = Duration::from_millis(250);
const CAP: Duration = Duration::from_secs(20);

/// The wait after failed try number `attempt` (from 1).
pub fn delay(attempt: u32) -> Duration {
    let ceiling = BASE
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(CAP);
    let millis = rand::random_range(0..=ceiling.as_millis() as u64);
    Duration::from_millis(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_and_stay_capped() {
        for attempt in 1..30 {
            let ceiling = BASE.saturating_mul(1 << (attempt - 1).min(16)).min(CAP);
            assert!(delay(attempt) <= ceiling);
        }
        assert!(delay(40) <= CAP);
    }
}
