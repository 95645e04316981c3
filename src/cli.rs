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
    /// Print a Click to WhatsApp link that opens a chat with a number, and
    /// optionally its QR code.
    Link {
        /// The number to chat with: `+44 7911 123456`, or national with
        /// `--default-country`.
        #[arg(long)]
        phone: String,
        /// Text typed into the chat for the customer to send.
        #[arg(long)]
        text: Option<String>,
        /// The country of a national number, as a two-letter code (`GB`).
        #[arg(long, value_name = "CC")]
        default_country: Option<String>,
        /// Also write the link as a QR code: FILE.svg, FILE.png, or `-` to draw it here.
        #[arg(long, value_name = "FILE")]
        qr: Option<PathBuf>,
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
            CliCommand::Link {
                phone,
                text,
                default_country,
                qr,
            } => Command::Link(crate::commands::link::Options {
                phone,
                text,
                default_country,
                qr: qr.map(|qr| {
                    if qr.as_os_str() == "-" {
                        crate::commands::link::QrTarget::Terminal
                    } else {
                        crate::commands::link::QrTarget::File(qr)
                    }
                }),
            }),
        }
    }
}
