//! `wacast status CAMPAIGN`: where a campaign stands, from its journal: the
//! recipients per state, the delivery funnel, failures by reason, numbers still
//! uncertain or opted out (masked unless `--show-numbers`), reports that matched
//! no recipient, and the last run. Text for people, `--format json` for tools.

use crate::campaign::Campaign;
use crate::exit_status::ExitStatus;
use crate::journal::StateLocation;
use crate::output::Output;
use crate::view::{self, Format};
use std::path::PathBuf;

#[derive(Debug)]
pub struct Options {
    pub campaign: PathBuf,
    /// Where the journal is (default: `.wacast/` beside the campaign).
    pub state: Option<StateLocation>,
    pub format: Format,
    pub show_numbers: bool,
    /// The clock `WACAST_NOW` sets, if set, for the schedule.
    pub now: Option<jiff::Timestamp>,
}

pub fn run(options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    let campaign = match Campaign::load(&options.campaign) {
        Ok(campaign) => campaign,
        Err(problems) => {
            output.diagnostics(&problems);
            return Ok(ExitStatus::Invalid);
        }
    };
    let location = StateLocation::for_campaign(&options.campaign, options.state.as_ref());
    let renamed_from = campaign.renamed_from.as_deref();
    let Some(journal) = crate::journal::open_view_renamed(&location, &campaign.name, renamed_from)?
    else {
        anyhow::bail!(
            "no journal in `{location}`: campaign `{}` has not been applied from here",
            campaign.name
        );
    };
    let summary = journal.delivery_summary()?;
    let scheduled = campaign.window.is_some()
        || campaign.messaging_limit.is_some()
        || !campaign.waves.is_empty();
    let schedule = match scheduled {
        true => schedule(&options, &location)?,
        false => None,
    };
    let text = match options.format {
        Format::Json => view::status::json(
            &campaign.name,
            &summary,
            options.show_numbers,
            schedule.as_ref(),
        ),
        Format::Text | Format::Markdown => {
            let mut text = view::status::text(&campaign.name, &summary, options.show_numbers);
            if let Some(schedule) = &schedule {
                text.push_str(&view::schedule::lines(campaign.window.as_ref(), schedule));
            }
            text
        }
    };
    output.data(&text)?;
    Ok(ExitStatus::Ok)
}

/// Who of the campaign's recipients still to send may go now and when the
/// rest can: the plan's schedule, read against the journal. `None` when the
/// campaign's files no longer load (status still shows the journal).
fn schedule(
    options: &Options,
    location: &StateLocation,
) -> anyhow::Result<Option<crate::schedule::ScheduleSummary>> {
    let Ok(loaded) = crate::pipeline::Loaded::load(&options.campaign) else {
        return Ok(None);
    };
    let journal = crate::plan::journal_classes::JournalClasses::open(
        location,
        &loaded.campaign,
        false,
        false,
    )?;
    let schedule = crate::plan::rehearsal(&loaded.campaign, &journal, options.now)?;
    let review = crate::plan::Review {
        journal,
        sink: None,
        show_numbers: false,
        schedule,
    };
    Ok(crate::plan::Plan::build(loaded, review)?.schedule)
}
