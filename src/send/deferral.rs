//! Sending under a schedule: the dispatcher lets through only the pending
//! recipients the [`Gate`] admits now; the others stay pending. With `wait`,
//! once a pass is done and every batch of it has finished (so nothing in
//! the journal is still on its way), the dispatcher sleeps until the next
//! opening and passes over the pending recipients again. Under a staged
//! rollout, once a wave is handed out and every answer is in, the dispatcher
//! waits the wave's `wait` (unless told not to), reads the campaign's figures
//! and checks the wave's gate: passing opens the next wave, failing stops.

use crate::schedule::{Gate, WaveFigures};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Reads the campaign's figures so far, for a wave's gate.
pub type ReadFigures = Arc<dyn Fn() -> anyhow::Result<WaveFigures> + Send + Sync>;

#[derive(Clone)]
pub struct Deferral {
    pub gate: Arc<Mutex<Gate>>,
    /// Keep running until every deferred recipient is sent (`apply --wait`).
    pub wait: bool,
    /// Wait out a sent wave's `wait` and check its gate in this run (not
    /// with `apply --no-wait`).
    pub wave_wait: bool,
    /// The campaign's figures, for the gates of a staged rollout.
    pub figures: Option<ReadFigures>,
}

impl std::fmt::Debug for Deferral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deferral")
            .field("wait", &self.wait)
            .field("wave_wait", &self.wave_wait)
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
