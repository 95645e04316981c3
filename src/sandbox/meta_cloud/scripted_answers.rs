//! Answers the sandbox gives chosen recipients, so a test can meet each of
//! Meta's error codes, and a paced template's held message, on the real HTTP
//! path: per number, a queue of answers, one used per request until it is
//! empty.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

/// One scripted answer to a send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scripted {
    /// The Graph error with this code.
    Error(i64),
    /// Accepted with `message_status: held_for_quality_assessment`.
    Held,
}

#[derive(Default)]
pub struct ScriptedAnswers(Mutex<HashMap<String, VecDeque<Scripted>>>);

impl ScriptedAnswers {
    /// Queues `answers` for the next requests to `to` (digits).
    pub fn push(&self, to: &str, answers: impl IntoIterator<Item = Scripted>) {
        let mut script = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        script.entry(to.to_owned()).or_default().extend(answers);
    }

    /// The next answer queued for `to`, if any.
    pub fn next(&self, to: &str) -> Option<Scripted> {
        let mut script = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        script.get_mut(to)?.pop_front()
    }
}
