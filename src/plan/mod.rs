//! The plan: what apply would send, classified against the journal; saved plan
//! files, their verification before apply, diffs between plans, and the checks
//! a plan may make of media.

pub mod counts;
pub mod git_revision;
pub mod journal_classes;
pub mod media_check;
pub mod output_path;
#[allow(clippy::module_inception)]
mod plan;
pub mod plan_diff;
pub mod plan_file;
pub mod plan_line;
pub mod recipient_block;
pub mod recipient_class;
pub mod recipient_log;
pub mod saved_plan;
pub mod wave_figures;

pub use counts::Counts;
pub use plan::*;
