//! The pause every worker honours: a `Retry-After` from the provider stops all
//! requests until it passes, not just the one that was throttled.

use std::sync::{Arc, Mutex};
use tokio::time::Instant;

#[derive(Clone, Default)]
pub struct Pause(Arc<Mutex<Option<Instant>>>);

impl Pause {
    /// Pauses everyone until `until` (a later pause extends an earlier one).
    pub fn until(&self, until: Instant) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none_or(|current| current < until) {
            *slot = Some(until);
        }
    }

    /// Whether a pause is in force now.
    pub fn active(&self) -> bool {
        let until = *self.0.lock().unwrap_or_else(|e| e.into_inner());
        until.is_some_and(|until| until > Instant::now())
    }

    /// Waits while a pause is in force.
    pub async fn wait(&self) {
        loop {
            let until = *self.0.lock().unwrap_or_else(|e| e.into_inner());
            match until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }
}
