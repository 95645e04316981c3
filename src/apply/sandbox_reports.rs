//! What became of the delivery reports the embedded sandbox simulates for an
//! `apply --sandbox`: how many the journal recorded, and whether apply waited
//! until every message's reports were out, gave up waiting, or was
//! interrupted. The reports go to a listener the caller starts on the same
//! journal ([`super::ApplySettings::sandbox_reports_to`]); apply waits for
//! them before it writes the report and counts, so both show the funnel.

use serde::Serialize;
use std::time::Duration;

/// The delivery reports of an `apply --sandbox`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SandboxReports {
    /// Reports the listener answered 2xx, each committed to the journal first.
    pub recorded: u64,
    /// Messages whose reports were still to come when apply stopped waiting.
    pub unreported: usize,
    pub wait: ReportsWait,
}

/// How waiting for the sandbox's reports ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportsWait {
    /// Every message's reports are out.
    Settled,
    /// The bound on waiting was reached.
    TimedOut { seconds: u64 },
    /// Ctrl-C, while waiting or before (then apply did not wait).
    Interrupted,
}

impl ReportsWait {
    pub fn timed_out(bound: Duration) -> ReportsWait {
        ReportsWait::TimedOut {
            seconds: bound.as_secs(),
        }
    }
}
