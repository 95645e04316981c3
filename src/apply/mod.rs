//! Applying a campaign, as library code: check a saved plan still holds,
//! take the state lock, stage the plan into the journal, send, record how the
//! run ended and write the results report. Every step returns typed values
//! ([`ApplySummary`] at the end); nothing here prints, so the command decides
//! what to show and when to ask for confirmation.

mod apply_session;
mod apply_settings;
mod apply_summary;
pub mod credentials;
mod journal_lost;
pub mod plan_file_check;
pub mod report;
mod report_table;
mod sandbox_reports;
pub mod stage;

pub use apply_session::{ApplySession, Opened};
pub use apply_settings::ApplySettings;
pub use apply_summary::{ApplyStatus, ApplySummary, ThisRun};
pub use journal_lost::JournalLost;
pub use sandbox_reports::{ReportsWait, SandboxReports};
