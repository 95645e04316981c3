//! wacast: WhatsApp Business template campaigns as code.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod catalog;
pub mod click_link;
pub mod commands;
pub mod diagnostic;
pub mod diagnostics;
pub mod exit_status;
pub mod phone;
pub mod qr_code;
pub mod sinch;
pub mod source;
