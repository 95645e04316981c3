//! `wacast plan CAMPAIGN`: the pipeline, then the plan on stdout (text or
//! JSON) and, with `--out`, a plan file that pins the inputs.

use crate::commands::OutputFormat;
use crate::exit_status::ExitStatus;
use crate::output::Output;
use crate::pipeline::Loaded;
use crate::plan::Plan;
use crate::plan_file::PlanFile;
use crate::plan_output;
use std::path::PathBuf;

#[derive(Debug)]
pub struct Options {
    pub campaign: PathBuf,
    pub format: OutputFormat,
    pub out: Option<PathBuf>,
    pub check_media: bool,
    pub show_numbers: bool,
}

pub fn run(options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    let loaded = match Loaded::load(&options.campaign) {
        Ok(loaded) => loaded,
        Err(problems) => {
            output.diagnostics(&problems);
            return Ok(ExitStatus::Invalid);
        }
    };
    let mut plan = Plan::build(loaded);
    if options.check_media && plan.is_valid() {
        let problems = crate::media_check::check_plan(&plan)?;
        plan.diagnostics.extend(problems);
    }
    output.diagnostics(&plan.diagnostics);
    let text = match options.format {
        OutputFormat::Text => plan_output::text(&plan, options.show_numbers),
        OutputFormat::Json => plan_output::json(&plan, options.show_numbers),
    };
    output.data(&text)?;
    if !plan.is_valid() {
        return Ok(ExitStatus::Invalid);
    }
    if let Some(path) = &options.out {
        PlanFile::from_plan(&plan).write(path)?;
        output.message(&format!("plan written to {}", path.display()));
    }
    Ok(ExitStatus::Ok)
}
