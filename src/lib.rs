//! wacast: WhatsApp Business template campaigns as code.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod catalog;
pub mod diagnostic;
pub mod diagnostics;
pub mod exit_status;
pub mod phone;
pub mod sandbox;
pub mod sinch;
pub mod source;
