//! Plans and diffs rendered for people and tools.

pub mod diff;
pub mod plan;
