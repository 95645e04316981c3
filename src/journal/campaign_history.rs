//! What a journal remembers of a campaign having run, to tell a journal that
//! lost a campaign's rows from one that never had any: runs that went as far
//! as sending (`finished`, or `stopped: …`) always leave the recipients they
//! staged, so such runs without a single recipient or skipped row mean the
//! rows were lost (a restored backup of another day, a table emptied by
//! hand). Runs that ended before sending (`invalid`, `declined`, `nothing to
//! send`) or are still running prove nothing.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CampaignHistory {
    /// Runs of the campaign, however they ended.
    pub runs: u64,
    /// Runs of the campaign that ended having sent (or tried to).
    pub sending_runs: u64,
    /// Whether the journal holds any recipient or skipped row of the
    /// campaign (asked as `EXISTS`, so a million rows are not counted).
    pub has_rows: bool,
}

impl CampaignHistory {
    /// Whether the journal ran the campaign but holds none of its rows.
    pub fn lost_rows(&self) -> bool {
        self.sending_runs > 0 && !self.has_rows
    }

    /// Whether the journal knows nothing of the campaign at all.
    pub fn is_empty(&self) -> bool {
        self.runs == 0 && !self.has_rows
    }
}
