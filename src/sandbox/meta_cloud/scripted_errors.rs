//! Graph errors the sandbox answers to chosen recipients, so a test can meet
//! each of Meta's error codes on the real HTTP path: per number, a queue of
//! codes, one answered per request until it is empty.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

#[derive(Default)]
pub struct ScriptedErrors(Mutex<HashMap<String, VecDeque<i64>>>);

impl ScriptedErrors {
    /// Queues `codes` for the next requests to `to` (digits).
    pub fn push(&self, to: &str, codes: &[i64]) {
        let mut script = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        script
            .entry(to.to_owned())
            .or_default()
            .extend(codes.iter().copied());
    }

    /// The next code queued for `to`, if any.
    pub fn next(&self, to: &str) -> Option<i64> {
        let mut script = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        script.get_mut(to)?.pop_front()
    }
}
