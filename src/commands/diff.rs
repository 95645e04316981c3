//! `wacast diff OLD NEW` compares two saved plans; `wacast diff --rev REV
//! CAMPAIGN` plans the campaign as committed at a git revision and as it is in
//! the working tree, and compares those. Output: campaign-level changes, then
//! one line per recipient change (see [`crate::view::diff`]), then the
//! totals; `--summary` prints the totals only. Recipient changes stream to
//! stdout as they are found.

use crate::exit_status::ExitStatus;
use crate::output::Output;
use crate::pipeline::Loaded;
use crate::plan::git_revision::Revision;
use crate::plan::plan_diff;
use crate::plan::plan_file::RecipientSink;
use crate::plan::recipient_log::RecipientLog;
use crate::plan::{Plan, Review};
use crate::view::diff as diff_output;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum Compare {
    /// Two plan files.
    Plans { old: PathBuf, new: PathBuf },
    /// A campaign at a git revision against the working tree.
    Revision { rev: String, campaign: PathBuf },
}

#[derive(Debug)]
pub struct Options {
    pub compare: Compare,
    pub summary: bool,
    /// With `--rev`: plan with full numbers. Plan files show what they hold.
    pub show_numbers: bool,
}

/// Flushes stdout in chunks of about this many bytes.
const CHUNK: usize = 64 * 1024;

pub fn run(options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    match &options.compare {
        Compare::Plans { old, new } => diff(old, new, &options, output),
        Compare::Revision { rev, campaign } => {
            let then = Revision::materialise(rev, campaign)?;
            let scratch = tempfile::tempdir()?;
            let (old, new) = (scratch.path().join("old"), scratch.path().join("new"));
            for (from, to) in [(&then.campaign, &old), (campaign, &new)] {
                if let Some(status) = plan_to(from, to, options.show_numbers, output)? {
                    return Ok(status);
                }
            }
            diff(&old, &new, &options, output)
        }
    }
}

/// Plans `campaign` into the plan file `to`, without the journal.
fn plan_to(
    campaign: &Path,
    to: &Path,
    show_numbers: bool,
    output: &mut Output,
) -> anyhow::Result<Option<ExitStatus>> {
    let loaded = match Loaded::load(campaign) {
        Ok(loaded) => loaded,
        Err(problems) => {
            output.diagnostics(&problems);
            return Ok(Some(ExitStatus::Invalid));
        }
    };
    let mut log = RecipientLog::beside(to)?;
    let review = Review {
        sink: Some(&mut log as &mut dyn RecipientSink),
        show_numbers,
        ..Review::none()
    };
    let plan = Plan::build(loaded, review)?;
    if !plan.is_valid() {
        output.diagnostics(&plan.diagnostics);
        return Ok(Some(ExitStatus::Invalid));
    }
    log.save(&plan.header(), to)?;
    Ok(None)
}

fn diff(
    old: &Path,
    new: &Path,
    options: &Options,
    output: &mut Output,
) -> anyhow::Result<ExitStatus> {
    let (old_header, _) = crate::plan::plan_file::read(old)?;
    let (new_header, _) = crate::plan::plan_file::read(new)?;
    let settings = plan_diff::settings(&old_header, &new_header);
    let mut buffer = String::new();
    if !options.summary {
        for change in &settings {
            buffer.push_str(&diff_output::setting(change));
        }
    }
    let (_, _, counts) = plan_diff::recipients(old, new, |change| {
        if !options.summary {
            buffer.push_str(&diff_output::recipient(&change));
            if buffer.len() >= CHUNK {
                output.data(&buffer)?;
                buffer.clear();
            }
        }
        Ok(())
    })?;
    buffer.push_str(&diff_output::totals(&counts, settings.len()));
    output.data(&buffer)?;
    Ok(ExitStatus::Ok)
}
