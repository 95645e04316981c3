//! The audience: a CSV read row by row (encodings, delimiters, line endings) and
//! the suppression lists of numbers never to message, and appending an
//! opted-out number to one.

#[allow(clippy::module_inception)]
mod audience;
pub mod line_endings;
pub mod opt_out_file;
pub mod record_bound;
pub mod suppression;

pub use audience::*;
