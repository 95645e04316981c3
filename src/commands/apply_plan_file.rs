//! `wacast apply PLAN_FILE`: the saved-plan half of apply. A plan file (told
//! from a campaign by its first line) is verified ([`crate::plan::saved_plan`]);
//! if it still holds, apply continues with the campaign it was made from and
//! the plan's `--resend-unknown` / `--retry-failed` choices, else it refuses
//! before any request, naming what changed.

use crate::commands::apply::Options;
use crate::exit_status::ExitStatus;
use crate::output::Output;
use crate::plan::saved_plan::{self, Verdict};

/// Turns `options` for a plan file into options for its campaign. `Some`
/// status means apply ends here.
pub fn prepare(options: &mut Options, output: &mut Output) -> anyhow::Result<Option<ExitStatus>> {
    if !crate::plan::plan_file::is_plan_file(&options.campaign) {
        return Ok(None);
    }
    let plan = options.campaign.clone();
    let verified = match saved_plan::verify(&plan, options.state_dir.as_deref())? {
        Verdict::Ready(verified) => verified,
        Verdict::Refused(reason) => {
            output.message(&format!(
                "error: refusing to apply `{}`: {reason}",
                plan.display()
            ));
            return Ok(Some(ExitStatus::Invalid));
        }
    };
    for (flag, asked, planned) in [
        (
            "--resend-unknown",
            options.resend_unknown,
            verified.resend_unknown,
        ),
        (
            "--retry-failed",
            options.retry_failed,
            verified.retry_failed,
        ),
    ] {
        if asked && !planned {
            output.message(&format!(
                "error: `{}` was planned without `{flag}`: plan again with it",
                plan.display()
            ));
            return Ok(Some(ExitStatus::Usage));
        }
    }
    output.message(&if verified.to_send == 0 {
        format!("{}: the plan is fully applied", plan.display())
    } else {
        format!(
            "{}: the plan still holds ({} to send)",
            plan.display(),
            verified.to_send
        )
    });
    options.campaign = verified.campaign;
    options.resend_unknown = verified.resend_unknown;
    options.retry_failed = verified.retry_failed;
    Ok(None)
}
