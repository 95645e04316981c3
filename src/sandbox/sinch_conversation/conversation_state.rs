//! The tokens a running sandbox issued, each with its expiry and how many
//! sends used it, so it can refuse expired ones as Sinch does.

use super::bearer_check::{BearerCheck, check_bearer};
use super::conversation_config::ConversationConfig;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub struct ConversationState {
    pub config: ConversationConfig,
    tokens: Mutex<HashMap<String, Issued>>,
    issued: AtomicU64,
    token_requests: AtomicU64,
}

struct Issued {
    expires_at: Instant,
    uses: u64,
}

impl ConversationState {
    pub fn new(config: ConversationConfig) -> ConversationState {
        ConversationState {
            config,
            tokens: Mutex::default(),
            issued: AtomicU64::new(0),
            token_requests: AtomicU64::new(0),
        }
    }

    /// Issues a new token.
    pub fn issue(&self) -> String {
        let token = format!("sandbox-jwt-{}", ulid::Ulid::generate());
        let issued = Issued {
            expires_at: Instant::now() + self.config.token_lifetime,
            uses: 0,
        };
        self.tokens().insert(token.clone(), issued);
        self.issued.fetch_add(1, Ordering::Relaxed);
        token
    }

    /// Counts a token request: whether it is one of those to throttle.
    pub fn throttle_token_request(&self) -> bool {
        let seen = self.token_requests.fetch_add(1, Ordering::Relaxed);
        seen < self.config.throttle_token_requests
    }

    /// How many tokens were issued.
    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::Relaxed)
    }

    /// Checks a send's `Authorization` and counts the use of its token.
    pub fn check(&self, authorization: Option<&str>) -> BearerCheck {
        let now = Instant::now();
        let mut tokens = self.tokens();
        let expire_after = self.config.expire_token_after;
        let check = check_bearer(authorization, |t| tokens.get(t).map(|i| i.expires_at), now);
        if check == BearerCheck::Valid
            && let Some(token) = authorization
                .and_then(|a| a.split_once(' '))
                .map(|(_, t)| t.trim())
            && let Some(issued) = tokens.get_mut(token)
        {
            issued.uses += 1;
            if expire_after.is_some_and(|n| issued.uses >= n) {
                issued.expires_at = now;
            }
        }
        check
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, Issued>> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
