//! Sending under a schedule: the dispatcher lets through only the pending
//! recipients the [`Gate`] admits now; the others stay pending. With `wait`,
//! once a pass is done and every batch of it has finished (so nothing in
//! the journal is still on its way), the dispatcher sleeps until the next
//! opening and passes over the pending recipients again.

use crate::schedule::Gate;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

#[derive(Clone)]
pub struct Deferral {
    pub gate: Arc<Mutex<Gate>>,
    /// Keep running until every deferred recipient is sent (`apply --wait`).
    pub wait: bool,
}

impl std::fmt::Debug for Deferral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deferral")
            .field("wait", &self.wait)
            .finish()
    }
}

impl Deferral {
    pub fn gate(&self) -> std::sync::MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Batches handed out and not yet finished by a worker.
#[derive(Clone, Default)]
pub struct Outstanding(Arc<AtomicUsize>);

impl Outstanding {
    pub fn add(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    pub fn done(&self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }

    /// Waits until every batch handed out has finished.
    pub async fn settled(&self) {
        while self.0.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
