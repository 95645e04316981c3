//! How an apply ended, as a value: the campaign's counts after it, what this
//! run did, why it stopped if it did, and where the report is. `view::apply`
//! renders it for people and as JSON; the command maps its status to an exit
//! code.

use super::sandbox_reports::SandboxReports;
use crate::journal::StateCounts;
use crate::schedule::ScheduleSummary;
use crate::send::stop::StopReason;
use crate::send::tally::Tally;
use serde::Serialize;

/// Where the campaign stands after an apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplyStatus {
    /// Every recipient is sent.
    Sent,
    /// Nothing is left to send, but some recipients failed or are unknown.
    Failures,
    /// Sending stopped early, or recipients are still pending: apply again.
    Stopped,
    /// Everyone who may go now went; the schedule defers the rest: apply
    /// again later (or with `--wait`).
    Deferred,
}

/// What one run sent, for the summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThisRun {
    pub sent: u64,
    pub failed: u64,
    pub unknown: u64,
    /// Recipients put back to pending (retries exhausted, or stopped).
    pub left_pending: u64,
    /// The error recorded for the last of them whose tries ran out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_pending_because: Option<String>,
    pub requests: u64,
    pub retries: u64,
    /// How long sending took (the report is not counted).
    pub seconds: f64,
    pub recipients_per_second: f64,
}

impl ThisRun {
    pub fn of(tally: &Tally) -> ThisRun {
        ThisRun {
            sent: tally.sent,
            failed: tally.failed,
            unknown: tally.unknown,
            left_pending: tally.requeued,
            left_pending_because: tally.gave_up.clone(),
            requests: tally.requests,
            retries: tally.retries,
            seconds: tally.elapsed().as_secs_f64(),
            recipients_per_second: tally.rate(),
        }
    }
}

/// The end of an apply.
#[derive(Clone, Debug, Serialize)]
pub struct ApplySummary {
    pub campaign: String,
    pub status: ApplyStatus,
    /// Why sending stopped early, in words.
    pub stopped: Option<String>,
    /// The campaign's recipients per state, across every run.
    pub counts: StateCounts,
    /// What this run sent; none when it had nothing to send.
    pub this_run: Option<ThisRun>,
    /// The report file.
    pub report: String,
    /// Rows in the report.
    #[serde(skip)]
    pub report_rows: u64,
    /// Why the report could not be written, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_error: Option<String>,
    /// Accepted sends whose outcome could not be recorded, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unrecorded: Option<String>,
    /// Messages the embedded sandbox received, when apply started one.
    #[serde(skip)]
    pub sandbox_messages: Option<usize>,
    /// The delivery reports it simulated, when it did.
    #[serde(skip)]
    pub sandbox_reports: Option<SandboxReports>,
    /// Who went now and who waits, when the campaign declares a schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleSummary>,
}

impl ApplyStatus {
    /// The status the journal's counts, a stop and the recipients the
    /// schedule still defers give. A stop comes first, then deferral (the
    /// campaign is not finished: a scheduled job driving a rollout wave by
    /// wave must see "apply again later", and the summary counts the
    /// failures so far), then failures.
    pub fn of(counts: &StateCounts, stopped: Option<&StopReason>, deferred: u64) -> ApplyStatus {
        if stopped.is_none() && deferred > 0 {
            return ApplyStatus::Deferred;
        }
        if stopped.is_some() || counts.pending > 0 {
            ApplyStatus::Stopped
        } else if counts.failed > 0 || counts.unknown > 0 {
            ApplyStatus::Failures
        } else {
            ApplyStatus::Sent
        }
    }
}
