//! The journal: durable per-recipient state, delivery reports and opt-outs,
//! behind the [`Backend`] seam. This folder owns the neutral data types, the
//! traits every backend implements, the one [`open`] that picks a backend from
//! a [`StateLocation`], and the group-commit [`JournalWriter`] apply and listen
//! share; each backend lives in its own folder (`sqlite/`).
//!
//! It knows no provider (delivery states are [`DeliveryState`]s, the
//! provider's word is only carried) and no plan (a view gives
//! [`KnownRecipients`] and their [`RecipientFacts`]; `plan/` turns them into
//! classes).

mod applied;
mod apply_lock;
mod backend;
mod campaign_history;
pub mod carried_over;
mod change;
#[cfg(test)]
pub mod conformance;
mod delivery;
mod delivery_batch;
mod delivery_state;
pub mod delivery_summary;
mod delivery_writer;
mod durability;
mod journal_view;
mod known_recipients;
mod lost_journal;
mod matched;
mod open;
mod opt_out_record;
mod outcome;
mod pending;
mod pending_row;
pub mod postgres;
mod reached;
mod recipient_facts;
mod report;
mod report_row;
mod sqlite;
mod stage;
mod state;
mod state_counts;
pub mod state_dir;
mod state_location;
pub mod state_push;
mod unreadable;
mod writer;

pub use applied::Applied;
pub use apply_lock::ApplyLock;
pub use backend::Backend;
pub use campaign_history::CampaignHistory;
pub use change::Change;
pub use delivery::Delivery;
pub use delivery_batch::DeliveryBatch;
pub use delivery_state::DeliveryState;
pub use delivery_summary::{DeliverySummary, Funnel, Reason, RunSummary, UnreadableSeen};
pub use delivery_writer::DeliveryWriter;
pub use durability::Durability;
pub use journal_view::JournalView;
pub use known_recipients::KnownRecipients;
pub use lost_journal::LostJournal;
pub use matched::{Matched, Recording};
pub use open::{check, open, open_existing, open_view, open_view_renamed, open_with, read_summary};
pub use opt_out_record::OptOutRecord;
pub use outcome::Outcome;
pub use pending::Pending;
pub use pending_row::PendingRow;
pub use reached::Reached;
pub use recipient_facts::RecipientFacts;
pub use report::Report;
pub use report_row::ReportRow;
pub use stage::{Requeue, SkippedRow, Stage};
pub use state::State;
pub use state_counts::StateCounts;
pub use state_location::StateLocation;
pub use unreadable::Unreadable;
pub use writer::{DeliveryJob, JournalWriter, WriterThread};
