//! Problems found in the user's files, and the files they are found in: one
//! [`Diagnostic`] per problem with its place, a capped [`diagnostics::Diagnostics`]
//! collection, and the [`source_file::SourceFile`] a snippet is quoted from.

#[allow(clippy::module_inception)]
mod diagnostic;
pub mod diagnostics;
mod excerpt;
pub mod source_file;

pub use diagnostic::*;
pub use excerpt::{EXCERPT_CHARS, excerpt, shortened};
