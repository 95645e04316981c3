//! `wacast apply PLAN_FILE`: the saved-plan half of apply. A plan file (told
//! from a campaign by its first line) is verified ([`crate::plan::saved_plan`]);
//! if it still holds, apply continues with the campaign it was made from and
//! the plan's `--resend-unknown` / `--retry-failed` choices, else it is
//! refused before any request, naming what changed.

use crate::journal::StateLocation;
use crate::plan::saved_plan::{self, Verdict};
use std::path::{Path, PathBuf};

/// What a check of apply's argument found.
#[derive(Debug, PartialEq, Eq)]
pub enum PlanFileCheck {
    /// The argument is a campaign file, not a plan.
    NotAPlan,
    /// Something changed since the plan was made; the text names it.
    Refused(String),
    /// A flag was asked for that the plan was not made with.
    FlagNotPlanned(&'static str),
    /// The plan still holds: apply its campaign with its choices.
    Holds {
        campaign: PathBuf,
        resend_unknown: bool,
        retry_failed: bool,
        /// Recipients the plan sends that are not sent yet.
        to_send: u64,
    },
}

/// Checks `path` as apply's argument, with the flags apply was given.
pub fn check(
    path: &Path,
    state: Option<&StateLocation>,
    resend_unknown: bool,
    retry_failed: bool,
) -> anyhow::Result<PlanFileCheck> {
    if !crate::plan::plan_file::is_plan_file(path) {
        return Ok(PlanFileCheck::NotAPlan);
    }
    let verified = match saved_plan::verify(path, state)? {
        Verdict::Ready(verified) => verified,
        Verdict::Refused(reason) => return Ok(PlanFileCheck::Refused(reason)),
    };
    for (flag, asked, planned) in [
        ("--resend-unknown", resend_unknown, verified.resend_unknown),
        ("--retry-failed", retry_failed, verified.retry_failed),
    ] {
        if asked && !planned {
            return Ok(PlanFileCheck::FlagNotPlanned(flag));
        }
    }
    Ok(PlanFileCheck::Holds {
        campaign: verified.campaign,
        resend_unknown: verified.resend_unknown,
        retry_failed: verified.retry_failed,
        to_send: verified.to_send,
    })
}
