//! What wacast shows, rendered for people and tools: plans, diffs and
//! diagnostics as text, Markdown or JSON. Rendering returns strings; only
//! the output module writes them.

pub mod apply;
pub mod diagnostics;
pub mod diff;
mod format;
mod neutralise;
pub mod plan;
pub mod schedule;
pub mod status;

pub use format::Format;
pub use neutralise::neutralise;
