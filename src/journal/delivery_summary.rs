//! Where a campaign stands, for `wacast status`: its recipients per journal
//! state, the delivery funnel (sent → delivered → read), failures grouped by
//! reason, the numbers still uncertain or opted out, orphan reports,
//! unreadable callback entries and the last run. Each backend reads it from
//! its journal; nothing here changes it.

use super::StateCounts;
use crate::phone::Phone;

/// How many numbers a list in the summary shows.
pub const NUMBERS_SHOWN: usize = 20;

/// How many of the latest unreadable callback entries the summary shows.
pub const UNREADABLE_SHOWN: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliverySummary {
    pub states: StateCounts,
    pub funnel: Funnel,
    /// Requests the API refused, by error.
    pub send_failures: Vec<Reason>,
    /// Messages accepted but not delivered, by the report's details.
    pub delivery_failures: Vec<Reason>,
    /// Recipients whose send is `unknown`, the first [`NUMBERS_SHOWN`].
    pub unknown_numbers: Vec<Phone>,
    pub opted_out: u64,
    /// The first [`NUMBERS_SHOWN`] numbers that opted out.
    pub opted_out_numbers: Vec<Phone>,
    /// Uncertain sends a report turned into `sent`.
    pub reconciled: u64,
    /// Reports whose message id matched no recipient (this campaign's or unnamed).
    pub orphans: u64,
    /// Callback entries that could not be read (this campaign's or unnamed).
    pub unreadable: u64,
    /// The latest [`UNREADABLE_SHOWN`] of them, newest first.
    pub unreadable_latest: Vec<UnreadableSeen>,
    pub last_run: Option<RunSummary>,
    /// When the latest of the campaign's sends was tried (RFC 3339 UTC): the
    /// end of a staged rollout's latest wave.
    pub last_tried_at: Option<String>,
}

/// The query of [`DeliverySummary::last_tried_at`], `?1` the campaign.
pub const LAST_TRIED_SQL: &str = "SELECT MAX(updated_at) FROM recipients
     WHERE campaign = ?1 AND state IN ('sent', 'failed', 'unknown')";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Funnel {
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub failed: u64,
    /// Sent, with no report yet past `sent`.
    pub awaiting: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Reason {
    pub reason: String,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: Option<String>,
}

/// A callback entry kept because it could not be read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UnreadableSeen {
    pub received_at: String,
    pub reason: String,
    /// Its JSON, bounded and neutralised.
    pub json: String,
}
