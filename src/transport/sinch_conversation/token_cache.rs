//! When to refresh the bearer token, as a pure state machine over
//! [`Instant`]s, so that all workers share one token and one refresh.
//!
//! Policy: a token is refreshed `min(60 s, lifetime / 2)` before it expires.
//! The 60 s margin is the Node SDK's (`EXPIRY_SAFETY_MARGIN_SEC = 60` in N
//! `plugins/oauth2/oauth2-token.request.ts`, applied to the JWT `exp`); the
//! half-life bound keeps short-lived tokens (a sandbox's few seconds) from
//! being refreshed on every call. The lifetime is counted from when the token
//! request was *sent*, which errs early, so the JWT need not be decoded.
//! While one caller refreshes, the others keep using a token that has not yet
//! expired, or wait; a 401 "expired" drops the token only if it is still the
//! one that failed (N `clearCachedToken(failingJwt)`), so a late 401 cannot
//! discard a fresher token.

use std::time::{Duration, Instant};

use super::access_token::AccessToken;

/// The Node SDK's margin before expiry.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// How long before expiry a token of `lifetime` is refreshed.
pub fn refresh_margin(lifetime: Duration) -> Duration {
    EXPIRY_MARGIN.min(lifetime / 2)
}

/// When a token requested at `requested_at` with `lifetime` is due for refresh.
pub fn refresh_at(requested_at: Instant, lifetime: Duration) -> Instant {
    requested_at + lifetime - refresh_margin(lifetime)
}

/// What a caller needing a token should do now.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision<'a> {
    /// Send with this token; pass `generation` to [`TokenCache::invalidate`]
    /// if the call answers 401 "expired".
    Use {
        /// The token to send.
        token: &'a AccessToken,
        /// Which stored token this is.
        generation: u64,
    },
    /// This caller fetches a new token, then calls [`TokenCache::store`] or
    /// [`TokenCache::refresh_failed`]. Exactly one caller is told this at a time.
    Refresh,
    /// Another caller is refreshing and no valid token is held: wait for it.
    Wait,
}

/// The shared token, if any, and whether a refresh is in flight.
#[derive(Debug, Default)]
pub struct TokenCache {
    held: Option<Held>,
    refreshing: bool,
    generation: u64,
}

#[derive(Debug)]
struct Held {
    token: AccessToken,
    refresh_at: Instant,
    expires_at: Instant,
}

impl TokenCache {
    /// An empty cache: the first caller refreshes.
    pub fn new() -> Self {
        Self::default()
    }

    /// What the caller should do at `now`.
    pub fn decide(&mut self, now: Instant) -> Decision<'_> {
        let fresh = self.held.as_ref().is_some_and(|h| now < h.refresh_at);
        let valid = self.held.as_ref().is_some_and(|h| now < h.expires_at);
        if !fresh && !self.refreshing {
            self.refreshing = true;
            return Decision::Refresh;
        }
        match &self.held {
            Some(held) if valid => Decision::Use {
                token: &held.token,
                generation: self.generation,
            },
            _ => Decision::Wait,
        }
    }

    /// Stores the token fetched by the caller told [`Decision::Refresh`];
    /// `requested_at` is when its request was sent.
    pub fn store(&mut self, token: AccessToken, requested_at: Instant) {
        let lifetime = token.expires_in;
        self.held = Some(Held {
            refresh_at: refresh_at(requested_at, lifetime),
            expires_at: requested_at + lifetime,
            token,
        });
        self.generation += 1;
        self.refreshing = false;
    }

    /// The refresh failed: the next caller may try again.
    pub fn refresh_failed(&mut self) {
        self.refreshing = false;
    }

    /// A call with token `generation` was refused as expired: drop it unless a
    /// newer token replaced it meanwhile. Returns whether it was dropped.
    pub fn invalidate(&mut self, generation: u64) -> bool {
        let current = self.held.is_some() && generation == self.generation;
        if current {
            self.held = None;
        }
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(value: &str, secs: u64) -> AccessToken {
        AccessToken {
            value: value.into(),
            expires_in: Duration::from_secs(secs),
        }
    }

    #[test]
    fn margin_is_a_minute_or_half_a_short_life() {
        assert_eq!(
            refresh_margin(Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(120)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(10)),
            Duration::from_secs(5)
        );
        let t0 = Instant::now();
        assert_eq!(
            refresh_at(t0, Duration::from_secs(3600)),
            t0 + Duration::from_secs(3540)
        );
    }

    #[test]
    fn one_refresh_is_shared() {
        let t0 = Instant::now();
        let mut cache = TokenCache::new();
        assert_eq!(cache.decide(t0), Decision::Refresh);
        assert_eq!(cache.decide(t0), Decision::Wait);
        cache.store(token("a", 3600), t0);
        let Decision::Use {
            token: a,
            generation,
        } = cache.decide(t0 + Duration::from_secs(10))
        else {
            panic!()
        };
        assert_eq!((a.value.as_str(), generation), ("a", 1));
        // Inside the margin: one caller refreshes, the others keep the valid token.
        let late = t0 + Duration::from_secs(3550);
        assert_eq!(cache.decide(late), Decision::Refresh);
        assert!(matches!(
            cache.decide(late),
            Decision::Use { generation: 1, .. }
        ));
        // Past expiry while still refreshing: wait.
        assert_eq!(cache.decide(t0 + Duration::from_secs(3600)), Decision::Wait);
        cache.refresh_failed();
        assert_eq!(
            cache.decide(t0 + Duration::from_secs(3600)),
            Decision::Refresh
        );
    }

    #[test]
    fn a_late_expired_answer_keeps_a_fresher_token() {
        let t0 = Instant::now();
        let mut cache = TokenCache::new();
        assert_eq!(cache.decide(t0), Decision::Refresh);
        cache.store(token("a", 3600), t0);
        assert_eq!(
            cache.decide(t0 + Duration::from_secs(3541)),
            Decision::Refresh
        );
        cache.store(token("b", 3600), t0 + Duration::from_secs(3541));
        assert!(!cache.invalidate(1));
        assert!(matches!(
            cache.decide(t0 + Duration::from_secs(3542)),
            Decision::Use { generation: 2, .. }
        ));
        assert!(cache.invalidate(2));
        assert_eq!(
            cache.decide(t0 + Duration::from_secs(3542)),
            Decision::Refresh
        );
    }
}
