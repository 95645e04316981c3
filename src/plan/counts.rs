//! How many audience rows ended each way: recipients, invalid, skipped,
//! duplicates, suppressed, and how many distinct messages and media URLs the
//! recipients get. Counted the same for a plan and for apply's staging.

use crate::pipeline::RowOutcome;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Data rows in the audience file.
    pub rows: u64,
    /// Distinct valid numbers that will be messaged.
    pub recipients: u64,
    /// Rows with problems.
    pub invalid: u64,
    /// Invalid rows planned as skipped (`audience.invalid: skip`).
    pub skipped: u64,
    /// Rows whose number an earlier row already has.
    pub duplicates: u64,
    /// Rows whose number is on a suppression list or opted out in the journal.
    pub suppressed: u64,
    /// Of `suppressed`, rows whose number only the journal's opt-outs
    /// suppress; absent when none, so plans without them keep their bytes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub opted_out: u64,
    /// Different messages among the recipients.
    pub distinct_messages: u64,
    /// Different media URLs among the recipients.
    pub distinct_media_urls: u64,
}

impl Counts {
    /// Counts one row's outcome (the row, and what became of it).
    pub fn count<M>(&mut self, outcome: &RowOutcome<M>) {
        self.rows += 1;
        let slot = match outcome {
            RowOutcome::Recipient { .. } => &mut self.recipients,
            RowOutcome::Invalid { .. } => &mut self.invalid,
            RowOutcome::Suppressed { opted_out, .. } => {
                self.opted_out += u64::from(*opted_out);
                &mut self.suppressed
            }
            RowOutcome::Duplicate { .. } => &mut self.duplicates,
        };
        *slot += 1;
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
