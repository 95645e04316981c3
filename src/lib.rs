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

pub mod apply_stage;
pub mod audience;
pub mod callback_signature;
pub mod campaign;
pub mod catalog;
pub mod cli;
pub mod click_link;
pub mod commands;
pub mod delivery_journal;
pub mod delivery_summary;
pub mod diagnostic;
pub mod diagnostics;
pub mod diff_output;
pub mod digest;
pub mod exit_status;
pub mod git_revision;
pub mod journal;
pub mod journal_view;
pub mod line_endings;
pub mod listen;
pub mod media_check;
pub mod message_params;
pub mod numbering_plan;
pub mod output;
pub mod parallel;
pub mod phone;
pub mod pipeline;
pub mod plan;
pub mod plan_diff;
pub mod plan_file;
pub mod plan_output;
pub mod qr_code;
pub mod recipient_class;
pub mod render;
pub mod report;
pub mod row_check;
pub mod rules;
pub mod sandbox;
pub mod saved_plan;
pub mod schema;
pub mod secret;
pub mod send;
pub mod sinch;
pub mod source;
pub mod state_dir;
pub mod state_lock;
pub mod substitution;
pub mod suppression;
pub mod template_catalog;
pub mod timestamp;
pub mod written_number;
pub mod yaml;

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
