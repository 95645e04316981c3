//! Why sending stopped early, shared by every task of a run: the first reason
//! set wins, and every worker sees it before it starts another request.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The provider refused the credentials: what it said, and the
    /// transport's hint on what to check.
    Unauthorized { message: String, hint: &'static str },
    /// Most recent requests failed.
    Breaker { failed: usize, of: usize },
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// The journal could not be written; nothing more may be sent.
    Journal(String),
    /// The provider asked for a pause longer than wacast waits.
    LongPause(u64),
    /// The provider will send nothing more for this account or number until
    /// a person acts: what it said, and the transport's hint.
    Suspended { message: String, hint: &'static str },
    /// The provider refused the template itself: every recipient would fail alike.
    TemplateRefused { reason: String },
    /// A staged rollout's gate did not pass: which, with its figures.
    WaveGate(String),
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Unauthorized { message, hint } => write!(
                f,
                "the provider refused the credentials ({message}): {hint}"
            ),
            StopReason::Breaker { failed, of } => write!(
                f,
                "{failed} of the last {of} requests failed; stopped before burning through the audience"
            ),
            StopReason::Interrupted => write!(f, "interrupted"),
            StopReason::Journal(error) => write!(f, "the journal cannot be written: {error}"),
            StopReason::LongPause(seconds) => write!(
                f,
                "the provider asked to wait {seconds} s before sending more"
            ),
            StopReason::Suspended { message, hint } => {
                write!(f, "the provider stopped sending ({message}): {hint}")
            }
            StopReason::TemplateRefused { reason } => write!(
                f,
                "the template is the problem ({reason}): every recipient would fail alike, so sending stopped; fix the template, then apply again to resume"
            ),
            StopReason::WaveGate(failure) => write!(f, "{failure}, so the next wave was not sent"),
        }
    }
}

/// The shared stop: a reason once sending must stop, and whether the wait
/// for requests in flight must be cut short too (a second Ctrl-C).
#[derive(Clone, Default)]
pub struct Stop {
    reason: Arc<Mutex<Option<StopReason>>>,
    now: Arc<Notify>,
    forced: Arc<AtomicBool>,
}

impl Stop {
    pub fn set(&self, reason: StopReason) {
        let mut slot = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert(reason);
    }

    pub fn reason(&self) -> Option<StopReason> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn is_set(&self) -> bool {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Stops at once: nothing more is waited for, and requests still in
    /// flight are left unanswered (their recipients become `unknown`, as
    /// after a crash).
    pub fn force(&self, reason: StopReason) {
        self.set(reason);
        self.forced.store(true, Ordering::SeqCst);
        self.now.notify_waiters();
    }

    /// Resolves once [`Stop::force`] is called.
    pub async fn forced(&self) {
        loop {
            let notified = self.now.notified();
            if self.forced.load(Ordering::SeqCst) {
                return;
            }
            notified.await;
        }
    }
}
