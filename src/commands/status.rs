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
    let text = match options.format {
        Format::Json => view::status::json(&campaign.name, &summary, options.show_numbers),
        Format::Text | Format::Markdown => {
            view::status::text(&campaign.name, &summary, options.show_numbers)
        }
    };
    output.data(&text)?;
    Ok(ExitStatus::Ok)
}
