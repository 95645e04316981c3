//! `wacast apply PLAN_FILE`: before any request, prove that the saved plan is
//! still what would be sent. In order, each check naming the first difference:
//!
//! 1. every pinned input (campaign, audience, suppression lists, catalog) has
//!    the SHA-256 the plan recorded, paths relative to the campaign's folder
//!    (the campaign file itself as the plan names it, from where apply runs);
//! 2. the campaign loads with the same set of inputs (no catalog appeared);
//! 3. re-planned against the journal, every recipient's line and digest (its
//!    number and exact message) equal the plan's, and the messages digest too:
//!    the bodies apply renders are byte for byte the ones reviewed;
//! 4. the journal is as the plan saw it: each recipient keeps its class, except
//!    `+` that became `=` (sent with exactly the planned message, by applying
//!    this plan), and as many journal recipients left the audience.
//!
//! A fully applied plan passes (everything `+` is now `=`), and apply then
//! has nothing to send. The plan's `--resend-unknown` / `--retry-failed`
//! choices carry over to apply. Checking happens before apply takes the state
//! lock, so a change in the instant between is not caught here; apply's own
//! staging still never resends what the journal says was sent.

use crate::journal::StateLocation;
use crate::message::digest::file_sha256;
use crate::pipeline::Loaded;
use crate::plan::journal_classes::JournalClasses;
use crate::plan::plan_file::{self, PlanHeader, RecipientSink};
use crate::plan::plan_line::{PlanLine, PlannedRecipient};
use crate::plan::recipient_class::RecipientClass;
use crate::plan::{Plan, Review};
use std::path::{Path, PathBuf};

/// A saved plan that still holds, and what apply needs from it.
#[derive(Debug)]
pub struct Verified {
    /// The campaign file the plan was made from.
    pub campaign: PathBuf,
    pub resend_unknown: bool,
    pub retry_failed: bool,
    /// Recipients the plan sends that are not sent yet.
    pub to_send: u64,
}

/// Whether a saved plan can be applied.
#[derive(Debug)]
pub enum Verdict {
    Ready(Verified),
    /// Something changed since the plan was made; the message names it.
    Refused(String),
}

/// Checks the plan file at `path`; `state` as apply would use it.
pub fn verify(path: &Path, state: Option<&StateLocation>) -> anyhow::Result<Verdict> {
    let (header, lines) = plan_file::read(path)?;
    let campaign = PathBuf::from(&header.campaign_file);
    let dir = campaign
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    if let Some(refusal) = changed_input(&header, &dir) {
        return Ok(Verdict::Refused(refusal));
    }
    let loaded = match Loaded::load(&campaign) {
        Ok(loaded) => loaded,
        Err(_) => {
            return Ok(Verdict::Refused(format!(
                "`{}` no longer loads: plan again",
                campaign.display()
            )));
        }
    };
    if loaded.inputs != header.inputs {
        return Ok(Verdict::Refused(
            "the campaign's inputs changed since the plan was made (a file was added or removed): plan again".to_owned(),
        ));
    }
    let location = StateLocation::for_campaign(&campaign, state);
    let journal = JournalClasses::open(
        &location,
        &loaded.campaign,
        header.state.resend_unknown,
        header.state.retry_failed,
    )?;
    let mut check = Check {
        planned: Box::new(lines),
        refusal: None,
    };
    let review = Review {
        journal,
        sink: Some(&mut check),
        show_numbers: false,
        schedule: None,
    };
    let plan = Plan::build(loaded, review)?;
    if let Some(refusal) = check.finish()? {
        return Ok(Verdict::Refused(refusal));
    }
    if let Some(refusal) = differs(&header, &plan) {
        return Ok(Verdict::Refused(refusal));
    }
    Ok(Verdict::Ready(Verified {
        campaign,
        resend_unknown: header.state.resend_unknown,
        retry_failed: header.state.retry_failed,
        to_send: plan.to_send(),
    }))
}

/// The first pinned input whose bytes are not what the plan saw.
fn changed_input(header: &PlanHeader, dir: &Path) -> Option<String> {
    for input in &header.inputs {
        let file = if input.role == "campaign" {
            PathBuf::from(&header.campaign_file)
        } else {
            dir.join(&input.path)
        };
        match file_sha256(&file) {
            Ok(sha256) if sha256 == input.sha256 => {}
            Ok(_) => {
                return Some(format!(
                    "{} changed since the plan was made: plan again",
                    input.path
                ));
            }
            Err(error) => {
                return Some(format!(
                    "{} ({}) cannot be read ({error}); apply a plan from the folder it was made in, or plan again",
                    file.display(),
                    input.role
                ));
            }
        }
    }
    None
}

/// Whole-plan differences found after re-planning.
fn differs(header: &PlanHeader, plan: &Plan) -> Option<String> {
    if !plan.is_valid() {
        return Some("the campaign is no longer valid: plan again".to_owned());
    }
    if plan.messages_digest != header.messages_digest {
        return Some(
            "the messages render differently from the plan (another wacast version?): plan again"
                .to_owned(),
        );
    }
    let (then, now) = (&header.state.classes, &plan.state.classes);
    if then.removed != now.removed {
        return Some(format!(
            "the journal changed since the plan was made: it now has {} recipient(s) no longer in the audience, the plan saw {}: plan again",
            now.removed, then.removed
        ));
    }
    None
}

/// Compares each re-planned recipient with the plan file's line for it.
struct Check<'a> {
    planned: Box<dyn Iterator<Item = anyhow::Result<PlanLine>> + 'a>,
    refusal: Option<anyhow::Result<String>>,
}

impl Check<'_> {
    fn compare(&mut self, now: &PlanLine) -> anyhow::Result<Option<String>> {
        let Some(then) = self.planned.next().transpose()? else {
            return Ok(Some(format!(
                "line {} ({}) is not in the plan: plan again",
                now.line(),
                now.who()
            )));
        };
        if then.line() != now.line() || then.digest() != now.digest() {
            return Ok(Some(format!(
                "line {} ({}) would not get the planned message: plan again",
                now.line(),
                now.who()
            )));
        }
        let (was, is) = (then.class(), now.class());
        let moved_on =
            was != is && !(was == Some(RecipientClass::Send) && is == Some(RecipientClass::Sent));
        if moved_on {
            return Ok(Some(format!(
                "the journal changed since the plan was made: line {} ({}) was `{}` and is now `{}`: plan again",
                now.line(),
                now.who(),
                then.class().map_or('?', RecipientClass::sign),
                now.class().map_or('?', RecipientClass::sign)
            )));
        }
        Ok(None)
    }

    /// The first difference, counting plan lines left over.
    fn finish(mut self) -> anyhow::Result<Option<String>> {
        if let Some(refusal) = self.refusal.take() {
            return refusal.map(Some);
        }
        match self.planned.next().transpose()? {
            Some(left) => Ok(Some(format!(
                "line {} ({}) of the plan is no longer planned: plan again",
                left.line(),
                left.who()
            ))),
            None => Ok(None),
        }
    }
}

impl RecipientSink for Check<'_> {
    fn push(&mut self, recipient: PlannedRecipient) -> anyhow::Result<()> {
        if self.refusal.is_none() {
            match self.compare(&recipient.to_line()) {
                Ok(None) => {}
                Ok(Some(refusal)) => self.refusal = Some(Ok(refusal)),
                Err(error) => self.refusal = Some(Err(error)),
            }
        }
        Ok(())
    }
}
