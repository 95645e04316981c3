//! One module per verb. Each takes plain settings (never clap types), does its
//! work through the library, and hands what to show to the output module.

pub mod apply;
pub mod diff;
pub mod link;
pub mod listen;
pub mod plan;
pub mod sandbox;
pub mod show;
pub mod state;
pub mod status;
pub mod validate;

use crate::exit_status::ExitStatus;
use crate::output::Output;

/// A command with its settings, as the CLI edge decoded it.
#[derive(Debug)]
pub enum Command {
    Validate(validate::Options),
    Apply(Box<apply::Options>),
    Plan(plan::Options),
    Link(link::Options),
    Diff(diff::Options),
    Sandbox(Box<sandbox::Options>),
    Show(show::Options),
    Listen(listen::Options),
    Status(status::Options),
    State(state::Options),
}

impl Command {
    pub fn run(self, output: &mut Output) -> anyhow::Result<ExitStatus> {
        match self {
            Command::Validate(options) => validate::run(options, output),
            Command::Apply(options) => apply::run(*options, output),
            Command::Plan(options) => plan::run(options, output),
            Command::Link(options) => link::run(options, output),
            Command::Diff(options) => diff::run(options, output),
            Command::Sandbox(options) => sandbox::run(*options, output),
            Command::Show(options) => show::run(options, output),
            Command::Listen(options) => listen::run(options, output),
            Command::Status(options) => status::run(options, output),
            Command::State(options) => state::run(options, output),
        }
    }
}
