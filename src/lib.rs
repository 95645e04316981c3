//! wacast runs WhatsApp Business template campaigns the way Terraform runs
//! infrastructure: a campaign is a YAML file with a CSV audience, `validate` and
//! `plan` load, render and check every recipient's message without sending
//! anything, and `apply` sends exactly that plan through the Sinch WhatsApp API.
//!
//! The crate is a library with a thin binary. [`run`] is the whole program: parse
//! the command line ([`cli`]), run one command ([`commands`]), print through the
//! one module that may print ([`output`]) and map the result to an exit code
//! ([`exit_status`]). Everything else is plain library code that returns values.
//!
//! validate, plan and apply share one pipeline ([`pipeline`]): load the campaign
//! ([`campaign`]), read the audience ([`audience`]), render each recipient
//! ([`render`]), check the result ([`rules`]) and collect it ([`plan`]).
#![warn(clippy::print_stdout, clippy::print_stderr)]
// Diagnostics travel in `Err` on cold paths only; boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod apply;
pub mod audience;
pub mod batched;
pub mod campaign;
pub mod cli;
pub mod commands;
pub mod diagnostic;
pub mod exit_status;
pub mod fs;
pub mod journal;
pub mod link;
pub mod listen;
pub mod message;
pub mod output;
pub mod phone;
pub mod pipeline;
pub mod plan;
pub mod sandbox;
pub mod schedule;
pub mod secret;
pub mod send;
pub mod server;
pub mod timestamp;
pub mod transport;
pub mod view;
pub mod whatsapp;

use clap::Parser;
use exit_status::ExitStatus;
use std::ffi::OsString;

/// Runs wacast with `args` (program name first) and returns how it ended.
pub fn run<I, T>(args: I) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut output = output::Output::from_env();
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => return output.usage_error(&error),
    };
    let command = match cli.into_command() {
        Ok(command) => command,
        Err(error) => return output.usage_error(&error),
    };
    match command.run(&mut output) {
        Ok(status) => status,
        Err(error) => output.fatal(&error),
    }
}
