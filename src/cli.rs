//! The command line as typed: clap's types live here and nowhere else. One
//! conversion, [`Cli::into_command`], turns them into the settings the commands use.

use crate::commands::{Command, OutputFormat};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "wacast",
    version,
    about = "WhatsApp Business template campaigns as code: validate, plan, apply.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Load a campaign and its audience and report every problem.
    Validate {
        /// The campaign file (YAML).
        campaign: PathBuf,
    },
    /// Render every recipient's message and print what would be sent.
    Plan {
        /// The campaign file (YAML).
        campaign: PathBuf,
        /// How to print the plan.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also write a plan file that pins the inputs and every message's digest.
        #[arg(long, value_name = "PLAN_FILE")]
        out: Option<PathBuf>,
        /// Ask each distinct media URL for its content type and size.
        #[arg(long)]
        check_media: bool,
        /// Show phone numbers in full instead of masked.
        #[arg(long)]
        show_numbers: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

impl From<Format> for OutputFormat {
    fn from(format: Format) -> OutputFormat {
        match format {
            Format::Text => OutputFormat::Text,
            Format::Json => OutputFormat::Json,
        }
    }
}

impl Cli {
    /// The settings of the command the user asked for.
    pub fn into_command(self) -> Command {
        match self.command {
            CliCommand::Validate { campaign } => {
                Command::Validate(crate::commands::validate::Options { campaign })
            }
            CliCommand::Plan {
                campaign,
                format,
                out,
                check_media,
                show_numbers,
            } => Command::Plan(crate::commands::plan::Options {
                campaign,
                format: format.into(),
                out,
                check_media,
                show_numbers,
            }),
        }
    }
}
