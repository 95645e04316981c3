//! The journal: durable per-recipient state, delivery reports and opt-outs.

pub mod delivery_journal;
pub mod delivery_summary;
#[allow(clippy::module_inception)]
mod journal;
pub mod journal_view;
pub mod state_dir;
pub mod state_lock;

pub use journal::*;
