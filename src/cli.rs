//! The command line as typed: clap's types live here and nowhere else. One
//! conversion, [`Cli::into_command`], turns them into the settings the commands use.

use crate::commands::Command;
use crate::sandbox::{Delivery, Faults, Latency, SandboxConfig};
use crate::view::Format as ViewFormat;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Render every recipient's message and print what apply would send.
    ///
    /// Each recipient is classified against the journal (read-only; never
    /// created): `+` to send, `=` already sent, `~` already sent but the
    /// message would now differ (not resent), `?` unknown from an earlier run,
    /// `!` failed earlier, `-` in the journal but no longer in the audience.
    #[command(after_help = "Exit codes: 0 planned, 1 error, 3 invalid campaign. \
With --detailed-exitcode: 0 nothing to send, 1 error (an invalid campaign too), 2 something to send.")]
    Plan(Box<PlanArgs>),
    /// Plan, confirm, and send every pending recipient through the Sinch API.
    Apply(Box<ApplyArgs>),
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
    /// Run a local Sinch-compatible server to send to, with optional faults.
    Sandbox(Box<SandboxArgs>),
    /// Receive Sinch delivery reports and replies into the journal until Ctrl-C.
    ///
    /// Callbacks go to `POST /callbacks/{campaign}` (set `delivery.callback_url`
    /// to `http(s)://HOST:PORT/callbacks` and apply asks Sinch for
    /// `<callback_url>/<campaign>`), or to `POST /callbacks`, matched by message
    /// id only. Each report is committed before it is answered 200; when the
    /// journal cannot be written the answer is 503 and Sinch retries. Repeated
    /// and out-of-order reports change nothing; a replayed signed callback is
    /// accepted and records nothing new.
    Listen(ListenArgs),
    /// Show where a campaign stands: states, delivery funnel, failures, opt-outs.
    Status {
        /// The campaign file (YAML).
        campaign: PathBuf,
        #[command(flatten)]
        state: StateArg,
        /// How to print the status.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Show phone numbers in full instead of masked.
        #[arg(long)]
        show_numbers: bool,
    },
    /// Move state between backends.
    #[command(subcommand)]
    State(StateCommand),
    /// Print a saved plan as `plan` printed it when it wrote the file.
    #[command(
        after_help = "Example:\n  wacast plan campaign.yaml --out spring.plan\n  wacast show spring.plan --format markdown"
    )]
    Show {
        /// A plan file written by `plan --out`.
        plan: PathBuf,
        /// How to print the plan: `markdown` is for a pull-request comment.
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Compare two saved plans, or a campaign at a git revision with the working tree.
    ///
    /// Shows campaign-level changes (template, language, media, buttons,
    /// delivery, inputs), then each recipient added (`+`), removed (`-`) or
    /// changed (`~`, one line per parameter that changed), ordered by line.
    #[command(
        after_help = "Examples:\n  wacast diff old.plan new.plan\n  wacast diff --rev origin/main campaigns/spring/campaign.yaml"
    )]
    Diff {
        /// `OLD NEW` plan files, or with `--rev` the campaign file.
        #[arg(required = true, num_args = 1..=2, value_name = "OLD NEW | CAMPAIGN")]
        paths: Vec<PathBuf>,
        /// Compare the campaign as committed at this git revision with the working tree.
        #[arg(long, value_name = "GIT_REV")]
        rev: Option<String>,
        /// Print the counts only.
        #[arg(long)]
        summary: bool,
        /// With `--rev`, show numbers in full; plan files show what they hold
        /// (masked unless planned with `--show-numbers`).
        #[arg(long)]
        show_numbers: bool,
    },
}

#[derive(Debug, Args)]
struct ListenArgs {
    /// The address to listen on.
    #[arg(long, default_value = crate::listen::DEFAULT_LISTEN, value_name = "ADDR")]
    listen: SocketAddr,
    /// Allow listening on an address other than loopback.
    #[arg(long)]
    allow_remote: bool,
    /// A campaign to serve (repeatable): its name, opt-out keywords and
    /// suppression file. Its journal is in `.wacast` beside it unless
    /// `--state` is given; all campaigns must share one journal.
    #[arg(long = "campaign", value_name = "CAMPAIGN_FILE")]
    campaigns: Vec<PathBuf>,
    #[command(flatten)]
    state: StateArg,
    #[command(flatten)]
    durability: DurabilityArg,
    /// Connections served at once (lowered to what the open-file limit
    /// allows); further clients wait to be accepted.
    #[arg(long, default_value_t = 512, value_name = "N")]
    max_connections: usize,
    /// How long a client may take to send a request's head, or its body, and
    /// may leave a kept-alive connection idle, before it is cut off.
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    read_timeout: Duration,
    /// Refuse callbacks not signed with the HMAC key in this file (401).
    #[arg(long, value_name = "PATH")]
    hmac_key_file: Option<PathBuf>,
    /// Sinch Conversation API: refuse callbacks whose
    /// `x-sinch-webhook-signature` no secret in these files matches (401).
    /// Repeatable: the webhook's `secret` and the app's
    /// `secret_for_overridden_callback_urls`.
    #[arg(long = "webhook-secret-file", value_name = "PATH")]
    webhook_secret_files: Vec<PathBuf>,
    /// Meta webhooks: answer the verification handshake for the verify token
    /// in this file (otherwise every handshake is refused).
    #[arg(long, value_name = "PATH")]
    verify_token_file: Option<PathBuf>,
    /// Meta webhooks: refuse those whose `X-Hub-Signature-256` is not signed
    /// with the app secret in this file (401).
    #[arg(long, value_name = "PATH")]
    app_secret_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum StateCommand {
    /// Copy the SQLite journal of a state folder (every campaign in it) into
    /// PostgreSQL; refused when the database already holds any of them.
    Push {
        /// The state folder holding `journal.sqlite` (e.g. `.wacast`).
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// The `postgres://` URL to copy into.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

/// `--state` (alias `--state-dir`) or `WACAST_STATE`.
#[derive(Debug, Args)]
struct StateArg {
    /// Where the journal is: a folder (SQLite) or a `postgres://` URL, the
    /// password masked wherever it is shown (default: `.wacast/` beside the
    /// campaign).
    #[arg(
        long = "state",
        visible_alias = "state-dir",
        env = "WACAST_STATE",
        hide_env_values = true,
        value_name = "DIR|URL"
    )]
    state: Option<String>,
}

/// `--durability` or `WACAST_DURABILITY`.
#[derive(Debug, Args)]
struct DurabilityArg {
    /// `full` flushes every journal commit to disk before sending the request
    /// it records or answering the callback (survives a power loss); `normal`
    /// only survives wacast crashing, for speed.
    #[arg(
        long,
        value_enum,
        env = "WACAST_DURABILITY",
        default_value_t = DurabilityChoice::Full,
        value_name = "full|normal"
    )]
    durability: DurabilityChoice,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DurabilityChoice {
    Full,
    Normal,
}

impl From<DurabilityArg> for crate::journal::Durability {
    fn from(arg: DurabilityArg) -> crate::journal::Durability {
        match arg.durability {
            DurabilityChoice::Full => crate::journal::Durability::Full,
            DurabilityChoice::Normal => crate::journal::Durability::Normal,
        }
    }
}

#[derive(Debug, Args)]
struct PlanArgs {
    /// The campaign file (YAML).
    campaign: PathBuf,
    /// How to print the plan: `markdown` is for a pull-request comment.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    format: PlanFormat,
    /// Also write a plan file that pins the inputs, the journal state and
    /// every message's digest, for `wacast apply PLAN_FILE` and `wacast diff`.
    #[arg(long, value_name = "PLAN_FILE")]
    out: Option<PathBuf>,
    /// Ask each distinct media URL for its content type and size.
    #[arg(long)]
    check_media: bool,
    /// Show phone numbers in full instead of masked (also in the plan file).
    #[arg(long)]
    show_numbers: bool,
    #[command(flatten)]
    state: StateArg,
    /// Count unknown recipients (`?`) as to send, as `apply --resend-unknown` would.
    #[arg(long)]
    resend_unknown: bool,
    /// Count failed recipients (`!`) as to send, as `apply --retry-failed` would.
    #[arg(long)]
    retry_failed: bool,
    /// Exit 0 when there is nothing to send, 1 on error, 2 when there is
    /// something to send (Terraform's convention, for CI).
    #[arg(long)]
    detailed_exitcode: bool,
    /// Read the campaign's schedule (`delivery.window`) at this RFC 3339
    /// time instead of now (`WACAST_NOW`, else the system clock).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    at: Option<jiff::Timestamp>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PlanFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
struct ApplyArgs {
    /// The campaign file (YAML), or a plan file written by `plan --out`: then
    /// exactly that plan is applied, after checking that its inputs and the
    /// journal are as the plan saw them.
    #[arg(value_name = "CAMPAIGN|PLAN_FILE")]
    campaign: PathBuf,
    /// Send without asking for confirmation.
    #[arg(long)]
    yes: bool,
    /// The API base URL, overriding `sender.endpoint` and `sender.region`.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// Send to an embedded local sandbox instead of Sinch. It simulates each
    /// message's delivery reports (sent, delivered, read) into the journal,
    /// so `wacast status` shows the funnel afterwards.
    #[arg(long, conflicts_with_all = ["endpoint", "token_file"])]
    sandbox: bool,
    /// With `--sandbox`: record no simulated delivery reports (recipients
    /// stay `sent`, with nothing reported past it).
    #[arg(long, requires = "sandbox")]
    no_delivery_reports: bool,
    /// Where to write the results report (default: the state folder).
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    #[command(flatten)]
    state: StateArg,
    #[command(flatten)]
    durability: DurabilityArg,
    /// Read the API token from this file instead of `SINCH_TOKEN` (or
    /// `WHATSAPP_TOKEN` for a `meta-cloud` campaign).
    #[arg(long, value_name = "PATH")]
    token_file: Option<PathBuf>,
    /// Sinch Conversation API: read the access key secret from this file
    /// instead of `SINCH_KEY_SECRET` (the key id comes from `SINCH_KEY_ID`).
    #[arg(long, value_name = "PATH", conflicts_with = "sandbox")]
    key_secret_file: Option<PathBuf>,
    /// Sinch Conversation API: the OAuth2 host, overriding `sender.auth_endpoint`.
    #[arg(long, value_name = "URL", conflicts_with = "sandbox")]
    auth_endpoint: Option<String>,
    /// Send again to recipients whose earlier outcome is unknown.
    #[arg(long)]
    resend_unknown: bool,
    /// Send again to recipients that failed earlier.
    #[arg(long)]
    retry_failed: bool,
    /// `json` prints a machine summary on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// When the campaign's window or messaging limit defers recipients, keep
    /// running and send each one as it may go (Ctrl-C stops; apply again resumes).
    #[arg(long)]
    wait: bool,
    /// Under `delivery.waves`, end after a wave (exit 6) instead of waiting
    /// out its `wait`; a later apply checks its gate and sends the next.
    #[arg(long, conflicts_with = "wait")]
    no_wait: bool,
}

#[derive(Debug, Args)]
struct SandboxArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787", value_name = "ADDR")]
    listen: SocketAddr,
    /// Allow listening on an address other than loopback.
    #[arg(long)]
    allow_remote: bool,
    /// The bot id to accept in the send path (for Meta's API: the phone number id).
    #[arg(long, default_value = crate::sandbox::DEFAULT_BOT_ID, value_name = "ID")]
    bot_id: String,
    /// The bearer token to accept.
    #[arg(long, default_value = crate::sandbox::DEFAULT_TOKEN)]
    token: String,
    /// Append every accepted message to this JSON Lines file.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// How many accepted messages to keep in memory for `/_sandbox/messages`.
    #[arg(long, default_value_t = crate::sandbox::DEFAULT_KEEP_MESSAGES, value_name = "N")]
    keep_messages: usize,
    /// POST delivery reports here (a message's own `callback` takes
    /// precedence); Meta's API sends its status webhooks here.
    #[arg(long, value_name = "URL")]
    callback_url: Option<String>,
    /// Sign delivery reports with this HMAC key (for Meta's API: the app secret).
    #[arg(long, value_name = "KEY")]
    hmac_key: Option<String>,
    /// The pause before each delivery report, e.g. `200ms`.
    #[arg(long, default_value = "200ms", value_parser = parse_duration, value_name = "DURATION")]
    callback_step: Duration,
    /// The fraction of messages whose delivery fails.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    delivery_failure: f64,
    /// Pause before every answer: `50ms`, or a range `20ms..80ms`.
    #[arg(long, value_name = "LATENCY")]
    latency: Option<Latency>,
    /// The fraction of requests answered 429 with `Retry-After`.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    throttle: f64,
    /// The `Retry-After` seconds of a 429 answer.
    #[arg(long, default_value_t = 1, value_name = "SECONDS")]
    retry_after: u64,
    /// The fraction of requests answered 503.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    unavailable: f64,
    /// The fraction of requests answered 500.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    server_error: f64,
    /// The fraction of requests recorded, then left unanswered with the connection closed.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    lose_answer: f64,
    /// The fraction of requests never answered; 1 hangs every request.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    hang: f64,
    /// Answer 401 to every request after the first N.
    #[arg(long, value_name = "N")]
    revoke_after: Option<u64>,
    /// The fraction of v1 recipients reported `failed` (with `status: failed`).
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    report_failed: f64,
    /// The fraction of v1 recipients reported `deleted` after `sent`.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    report_deleted: f64,
    /// The fraction of v1 recipients reported `no_opt_in`.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    report_no_opt_in: f64,
    /// The fraction of v1 recipients reported `no_capability`.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    report_no_capability: f64,
    /// The fraction of v1 recipients refused inside the 201 answer.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    refuse_recipient: f64,
    /// The fraction of v1 recipients who read the message, then reply `STOP`
    /// to `--callback-url`.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "FRACTION")]
    reply_stop: f64,
    /// Seed every random choice, so a run can be repeated.
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    conversation: ConversationSandboxArgs,
}

/// The sandbox's Sinch Conversation API side.
#[derive(Debug, Args)]
#[command(next_help_heading = "Sinch Conversation API")]
struct ConversationSandboxArgs {
    /// The project id to accept in the send path.
    #[arg(long, default_value = crate::sandbox::conversation::DEFAULT_PROJECT_ID, value_name = "ID")]
    project_id: String,
    /// The app id to accept in send bodies.
    #[arg(long, default_value = crate::sandbox::conversation::DEFAULT_APP_ID, value_name = "ID")]
    app_id: String,
    /// The access key id that buys tokens at `/oauth2/token`.
    #[arg(long, default_value = crate::sandbox::conversation::DEFAULT_KEY_ID, value_name = "ID")]
    key_id: String,
    /// The access key secret (a sandbox value, not a real secret).
    #[arg(long, default_value = crate::sandbox::conversation::DEFAULT_KEY_SECRET, value_name = "SECRET")]
    key_secret: String,
    /// How long the tokens issued live, e.g. `3600s`.
    #[arg(long, default_value = "3600s", value_parser = parse_duration, value_name = "DURATION")]
    token_lifetime: Duration,
    /// A token expires (401 "expired") after this many sends with it.
    #[arg(long, value_name = "N")]
    expire_token_after: Option<u64>,
    /// Answer every send 403, as for a key without access or a billing limit.
    #[arg(long)]
    deny_access: bool,
    /// Sign delivery reports with this webhook secret (`x-sinch-webhook-signature`).
    #[arg(long, value_name = "SECRET")]
    webhook_secret: Option<String>,
    /// Answer the first N token requests 429 (no `Retry-After`).
    #[arg(long, default_value_t = 0, value_name = "N")]
    throttle_token_requests: u64,
}

impl ConversationSandboxArgs {
    fn into_config(self) -> crate::sandbox::conversation::ConversationConfig {
        crate::sandbox::conversation::ConversationConfig {
            project_id: self.project_id,
            app_id: self.app_id,
            key_id: self.key_id,
            key_secret: self.key_secret,
            token_lifetime: self.token_lifetime,
            expire_token_after: self.expire_token_after,
            deny_access: self.deny_access,
            webhook_secret: self.webhook_secret,
            throttle_token_requests: self.throttle_token_requests,
        }
    }
}

impl SandboxArgs {
    fn into_config(self) -> SandboxConfig {
        SandboxConfig {
            listen: self.listen,
            allow_remote: self.allow_remote,
            bot_id: self.bot_id,
            token: self.token,
            record: self.record,
            keep_messages: self.keep_messages,
            delivery: Delivery {
                callback_url: self.callback_url,
                hmac_key: self.hmac_key,
                step_delay: self.callback_step,
                failure_fraction: self.delivery_failure,
                ..Delivery::default()
            },
            faults: Faults {
                latency: self.latency,
                throttle_fraction: self.throttle,
                retry_after_secs: self.retry_after,
                unavailable_fraction: self.unavailable,
                server_error_fraction: self.server_error,
                lost_answer_fraction: self.lose_answer,
                hang_fraction: self.hang,
                revoke_after: self.revoke_after,
                fates: crate::sandbox::Fates {
                    failed: self.report_failed,
                    deleted: self.report_deleted,
                    no_opt_in: self.report_no_opt_in,
                    no_capability: self.report_no_capability,
                    refused: self.refuse_recipient,
                    stop_reply: self.reply_stop,
                },
                seed: self.seed,
            },
            conversation: self.conversation.into_config(),
        }
    }
}

/// A usage error found after parsing, formatted like clap's own.
fn usage(message: &str) -> clap::Error {
    use clap::CommandFactory as _;
    Cli::command().error(clap::error::ErrorKind::WrongNumberOfValues, message)
}

/// The state location `--state` or `WACAST_STATE` gives; a bad URL is a
/// usage error naming it masked (clap's own error would quote it whole).
fn state_location(arg: StateArg) -> Result<Option<crate::journal::StateLocation>, clap::Error> {
    arg.state
        .as_deref()
        .map(crate::journal::StateLocation::parse)
        .transpose()
        .map_err(|error| usage(&format!("{error:#}")))
}

fn parse_time(text: &str) -> Result<jiff::Timestamp, String> {
    crate::schedule::clock::parse_time(text)
}

/// The clock `WACAST_NOW` sets (RFC 3339), if it is set: a way to rehearse
/// a schedule.
fn wacast_now() -> Result<Option<jiff::Timestamp>, clap::Error> {
    match std::env::var("WACAST_NOW") {
        Ok(text) if !text.trim().is_empty() => {
            let at = parse_time(&text).map_err(|error| usage(&format!("WACAST_NOW: {error}")))?;
            crate::timestamp::set_clock(at.as_second());
            Ok(Some(at))
        }
        _ => Ok(None),
    }
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    crate::sandbox::parse_duration(text)
}

fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("`{text}` is not a fraction between 0 and 1")),
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

impl From<Format> for ViewFormat {
    fn from(format: Format) -> ViewFormat {
        match format {
            Format::Text => ViewFormat::Text,
            Format::Json => ViewFormat::Json,
        }
    }
}

impl From<PlanFormat> for ViewFormat {
    fn from(format: PlanFormat) -> ViewFormat {
        match format {
            PlanFormat::Text => ViewFormat::Text,
            PlanFormat::Json => ViewFormat::Json,
            PlanFormat::Markdown => ViewFormat::Markdown,
        }
    }
}

impl Cli {
    /// The settings of the command the user asked for.
    pub fn into_command(self) -> Result<Command, clap::Error> {
        Ok(match self.command {
            CliCommand::Validate { campaign } => {
                Command::Validate(crate::commands::validate::Options { campaign })
            }
            CliCommand::Plan(args) => {
                let args = *args;
                Command::Plan(crate::commands::plan::Options {
                    campaign: args.campaign,
                    format: args.format.into(),
                    out: args.out,
                    check_media: args.check_media,
                    show_numbers: args.show_numbers,
                    state: state_location(args.state)?,
                    resend_unknown: args.resend_unknown,
                    retry_failed: args.retry_failed,
                    detailed_exitcode: args.detailed_exitcode,
                    at: match args.at {
                        Some(at) => Some(at),
                        None => wacast_now()?,
                    },
                })
            }
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
            CliCommand::Listen(args) => {
                // What the listener records is timed on the one clock too.
                wacast_now()?;
                Command::Listen(crate::commands::listen::Options {
                    listen: args.listen,
                    allow_remote: args.allow_remote,
                    state: state_location(args.state)?,
                    durability: args.durability.into(),
                    max_connections: args.max_connections,
                    read_timeout: args.read_timeout,
                    hmac_key_file: args.hmac_key_file,
                    webhook_secret_files: args.webhook_secret_files,
                    verify_token_file: args.verify_token_file,
                    app_secret_file: args.app_secret_file,
                    campaigns: args.campaigns,
                })
            }
            CliCommand::Status {
                campaign,
                state,
                format,
                show_numbers,
            } => Command::Status(crate::commands::status::Options {
                campaign,
                state: state_location(state)?,
                format: format.into(),
                show_numbers,
                now: wacast_now()?,
            }),
            CliCommand::Apply(args) => {
                let args = *args;
                Command::Apply(Box::new(crate::commands::apply::Options {
                    campaign: args.campaign,
                    yes: args.yes,
                    endpoint: args.endpoint,
                    sandbox: args.sandbox,
                    delivery_reports: !args.no_delivery_reports,
                    report: args.report,
                    state: state_location(args.state)?,
                    durability: args.durability.into(),
                    token_file: args.token_file,
                    token: std::env::var("SINCH_TOKEN")
                        .ok()
                        .map(crate::secret::SecretString::new),
                    key_id: std::env::var("SINCH_KEY_ID").ok(),
                    key_secret: std::env::var("SINCH_KEY_SECRET")
                        .ok()
                        .map(crate::secret::SecretString::new),
                    key_secret_file: args.key_secret_file,
                    auth_endpoint: args.auth_endpoint,
                    whatsapp_token: std::env::var("WHATSAPP_TOKEN")
                        .ok()
                        .map(crate::secret::SecretString::new),
                    resend_unknown: args.resend_unknown,
                    retry_failed: args.retry_failed,
                    format: args.format.into(),
                    now: wacast_now()?,
                    wait: args.wait,
                    no_wait: args.no_wait,
                }))
            }
            CliCommand::Diff {
                mut paths,
                rev,
                summary,
                show_numbers,
            } => {
                use crate::commands::diff::Compare;
                let compare = match (rev, paths.len()) {
                    (Some(rev), 1) => Compare::Revision {
                        rev,
                        campaign: paths.remove(0),
                    },
                    (None, 2) => Compare::Plans {
                        new: paths.remove(1),
                        old: paths.remove(0),
                    },
                    (Some(_), _) => return Err(usage("`--rev GIT_REV` takes one campaign file")),
                    (None, _) => return Err(usage("`diff` takes two plan files, OLD and NEW")),
                };
                Command::Diff(crate::commands::diff::Options {
                    compare,
                    summary,
                    show_numbers,
                })
            }
            CliCommand::Show { plan, format } => Command::Show(crate::commands::show::Options {
                plan,
                format: format.into(),
            }),
            CliCommand::State(StateCommand::Push { from, to }) => {
                let to = match crate::journal::StateLocation::parse(&to) {
                    Ok(crate::journal::StateLocation::Postgres(to)) => to,
                    Ok(_) => return Err(usage("`--to` takes a `postgres://` URL")),
                    Err(error) => return Err(usage(&format!("{error:#}"))),
                };
                Command::State(crate::commands::state::Options { from, to })
            }
            CliCommand::Sandbox(args) => {
                Command::Sandbox(Box::new(crate::commands::sandbox::Options {
                    config: args.into_config(),
                }))
            }
        })
    }
}
