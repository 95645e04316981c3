//! `wacast plan CAMPAIGN`: the pipeline, classified against the journal (if
//! the state location has one; plan opens it read-only and never creates it),
//! then the plan on stdout (text, JSON or Markdown) and, with `--out`, a plan
//! file that pins the inputs and the journal state it saw.
//!
//! With `--detailed-exitcode` the exit code tells CI what the plan means,
//! Terraform's convention: 0 nothing to send, 1 error (an invalid campaign
//! included), 2 something to send.

use crate::exit_status::ExitStatus;
use crate::journal::StateLocation;
use crate::output::Output;
use crate::pipeline::Loaded;
use crate::plan::journal_classes::JournalClasses;
use crate::plan::plan_file::RecipientSink;
use crate::plan::recipient_log::RecipientLog;
use crate::plan::{Plan, Review};
use crate::view::Format;
use crate::view::plan as plan_output;
use std::path::PathBuf;

#[derive(Debug)]
pub struct Options {
    pub campaign: PathBuf,
    pub format: Format,
    pub out: Option<PathBuf>,
    pub check_media: bool,
    pub show_numbers: bool,
    /// Where the journal is (default: `.wacast/` beside the campaign).
    pub state: Option<StateLocation>,
    pub resend_unknown: bool,
    pub retry_failed: bool,
    pub detailed_exitcode: bool,
    /// The time to read the campaign's schedule at (`--at`, `WACAST_NOW`);
    /// default now.
    pub at: Option<jiff::Timestamp>,
}

pub fn run(options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    let loaded = match Loaded::load(&options.campaign) {
        Ok(loaded) => loaded,
        Err(problems) => {
            output.diagnostics(&problems);
            return Ok(invalid(&options));
        }
    };
    let location = StateLocation::for_campaign(&options.campaign, options.state.as_ref());
    if let Some(out) = &options.out
        && let Err(error) = crate::plan::output_path::refuse_overwriting(out, &loaded, &location)
    {
        output.message(&format!("error: {error:#}"));
        return Ok(ExitStatus::Usage);
    }
    let journal = JournalClasses::open(
        &location,
        &loaded.campaign,
        options.resend_unknown,
        options.retry_failed,
    )?;
    let mut log = options
        .out
        .as_deref()
        .map(RecipientLog::beside)
        .transpose()?;
    let schedule = crate::plan::rehearsal(&loaded.campaign, &journal, options.at)?;
    let review = Review {
        journal,
        sink: log.as_mut().map(|log| log as &mut dyn RecipientSink),
        show_numbers: options.show_numbers,
        schedule,
    };
    let mut plan = Plan::build(loaded, review)?;
    if options.check_media && plan.is_valid() {
        let problems = crate::plan::media_check::check_plan(&plan)?;
        plan.diagnostics.extend(problems);
    }
    output.diagnostics(&plan.diagnostics);
    let text = plan_output::rendered(&plan, options.format, options.show_numbers);
    output.data(&text)?;
    if !plan.is_valid() {
        return Ok(invalid(&options));
    }
    if let (Some(path), Some(log)) = (&options.out, log) {
        let mut header = plan.header();
        header.shown = Some(plan_output::shown(&plan, options.show_numbers));
        log.save(&header, path)?;
        output.message(&format!("plan written to {}", path.display()));
    }
    Ok(if options.detailed_exitcode && plan.to_send() > 0 {
        ExitStatus::Changes
    } else {
        ExitStatus::Ok
    })
}

/// An invalid campaign: exit 3, or 1 under `--detailed-exitcode`.
fn invalid(options: &Options) -> ExitStatus {
    if options.detailed_exitcode {
        ExitStatus::Error
    } else {
        ExitStatus::Invalid
    }
}
