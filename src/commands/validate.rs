//! `wacast validate CAMPAIGN`: load, render and check everything; print every
//! problem in one pass and a one-line verdict.

use crate::exit_status::ExitStatus;
use crate::output::Output;
use crate::pipeline::Loaded;
use crate::plan::Plan;
use std::path::PathBuf;

#[derive(Debug)]
pub struct Options {
    pub campaign: PathBuf,
}

pub fn run(options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    let loaded = match Loaded::load(&options.campaign) {
        Ok(loaded) => loaded,
        Err(problems) => {
            output.diagnostics(&problems);
            output.message(&format!(
                "{}: invalid, {} error(s)",
                options.campaign.display(),
                problems.error_count()
            ));
            return Ok(ExitStatus::Invalid);
        }
    };
    let plan = Plan::build(loaded, crate::plan::Review::none())?;
    output.diagnostics(&plan.diagnostics);
    let counts = &plan.counts;
    if !plan.is_valid() {
        output.message(&format!(
            "{}: invalid, {} error(s) in {} row(s)",
            options.campaign.display(),
            plan.diagnostics.error_count(),
            counts.rows
        ));
        return Ok(ExitStatus::Invalid);
    }
    output.message(&format!(
        "{}: valid, {} recipient(s), {} skipped, {} warning(s)",
        options.campaign.display(),
        counts.recipients,
        counts.skipped,
        plan.diagnostics.warning_count()
    ));
    Ok(ExitStatus::Ok)
}
