//! Applying a campaign: planning into the journal, sending, and the results report.

pub mod report;
pub mod stage;
