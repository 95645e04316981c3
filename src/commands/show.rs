//! `wacast show PLAN_FILE`: a saved plan as `plan` printed it when it wrote
//! the file, in text, JSON or Markdown, as `terraform show` does. The plan
//! file keeps what `plan` printed in its header; the recipients are read
//! through to the end first, so a damaged file is named before anyone
//! reviews it. A version 2 plan file kept no copy of the printed plan.

use crate::exit_status::ExitStatus;
use crate::output::Output;
use crate::plan::plan_file;
use crate::view::Format;
use crate::view::plan as plan_output;
use std::path::PathBuf;

#[derive(Debug)]
pub struct Options {
    pub plan: PathBuf,
    pub format: Format,
}

pub fn run(options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    let path = &options.plan;
    if !plan_file::is_plan_file(path) {
        output.message(&format!(
            "error: `{}` is not a plan file: write one with `wacast plan CAMPAIGN --out PLAN_FILE`",
            path.display()
        ));
        return Ok(ExitStatus::Usage);
    }
    let (header, recipients) = plan_file::read(path)?;
    for recipient in recipients {
        recipient?;
    }
    let Some(shown) = &header.shown else {
        output.message(&format!(
            "error: `{}` is a version {} plan file, which keeps no copy of the plan as printed: run `wacast plan {} --out PLAN_FILE` again to show it (diff and apply still read it)",
            path.display(),
            header.version,
            header.campaign_file
        ));
        return Ok(ExitStatus::Invalid);
    };
    output.data(plan_output::saved(shown, options.format))?;
    Ok(ExitStatus::Ok)
}
