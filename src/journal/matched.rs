//! A recipient a delivery report matched, as a backend read it, and what
//! recording the report does to it: the one rule both backends follow.
//!
//! A matched report is a duplicate when the recipient's record shows its
//! state already reported for its message id (`reported`, a bit each:
//! [`crate::journal::DeliveryState::reported_bit`]). A report is kept as an
//! event only where that record cannot answer for it: a reconciliation
//! (`status` counts them), a state no reader knows (told apart by the
//! provider's word), or a message id the recipient does not keep.

use super::{Applied, Report};

pub struct Matched {
    pub campaign: String,
    pub phone: i64,
    pub state: String,
    pub message_id: Option<String>,
    /// The delivery states reported for `message_id`, a bit each.
    pub reported: i64,
}

/// What recording a matched report does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recording {
    pub applied: Applied,
    /// The recipient's uncertain send becomes `sent`.
    pub reconcile: bool,
    /// The report is kept as an event, which tells its duplicates.
    pub keep_event: bool,
}

impl Matched {
    /// Recording `report`; none when the recipient's record shows it seen.
    pub fn recording(&self, report: &Report) -> Option<Recording> {
        let bit = report.progress.reported_bit();
        let same_id = self.message_id.as_deref() == Some(report.message_id.as_str());
        if same_id && self.reported & bit != 0 {
            return None;
        }
        let (applied, reconcile) =
            Applied::of_match(Some((self.state.as_str(), self.message_id.is_some())));
        let another_id = self.message_id.is_some() && !same_id;
        Some(Recording {
            applied,
            reconcile,
            keep_event: applied == Applied::Reconciled || bit == 0 || another_id,
        })
    }
}
