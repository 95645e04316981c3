//! The wait before asking the token endpoint again after a 429. The endpoint
//! is a token bucket of 30 refilled at 10/s and sends no `Retry-After`, so the
//! Node SDK retries at most 3 times with full-jitter exponential backoff, each
//! wait uniform in `[0, 1 s × 4ⁿ)` (N `plugins/oauth2/oauth2-token.request.ts`:
//! `MAX_RATE_LIMIT_RETRIES = 3`, base 1 000 ms, growth 4).

use std::time::Duration;

/// Retries after the first 429; then the error is returned.
pub const MAX_RETRIES: u32 = 3;
/// The first retry's ceiling.
pub const BASE: Duration = Duration::from_secs(1);
/// How much each ceiling grows.
pub const GROWTH: u32 = 4;

/// The ceiling of retry `attempt` (0-based): 1 s, 4 s, 16 s; `None` once
/// [`MAX_RETRIES`] retries were spent.
pub fn ceiling(attempt: u32) -> Option<Duration> {
    (attempt < MAX_RETRIES).then(|| BASE * GROWTH.pow(attempt))
}

/// The wait before retry `attempt` (0-based): `jitter` (uniform in `[0, 1)`,
/// supplied by the caller) times its [`ceiling`]. A server `Retry-After` wins
/// when present, as in N. `None` means stop retrying.
pub fn delay(attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Option<Duration> {
    let ceiling = ceiling(attempt)?;
    if let Some(wait) = retry_after {
        return Some(wait);
    }
    Some(ceiling.mul_f64(jitter.clamp(0.0, 1.0)).min(ceiling))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_node_sdk_schedule() {
        assert_eq!(ceiling(0), Some(Duration::from_secs(1)));
        assert_eq!(ceiling(1), Some(Duration::from_secs(4)));
        assert_eq!(ceiling(2), Some(Duration::from_secs(16)));
        assert_eq!(ceiling(3), None);
        assert_eq!(delay(1, 0.5, None), Some(Duration::from_secs(2)));
        assert_eq!(delay(2, 7.0, None), Some(Duration::from_secs(16)));
        assert_eq!(delay(0, -1.0, None), Some(Duration::ZERO));
        assert_eq!(
            delay(0, 0.5, Some(Duration::from_secs(9))),
            Some(Duration::from_secs(9))
        );
        assert_eq!(delay(3, 0.5, Some(Duration::from_secs(9))), None);
    }
}
