//! Opening a journal: the one place a state location becomes a backend, and
//! where a state that shows a campaign ran before while its journal holds
//! nothing of it is refused ([`LostJournal`]) instead of read as new.

use super::postgres::{PgJournal, PgView, off_runtime};
use super::sqlite::{JournalFile, SqliteJournal};
use super::{Backend, CampaignHistory, JournalView, LostJournal, StateLocation};

/// Opens (creating if needed) the journal at `location` for `campaign`.
pub fn open(location: &StateLocation, campaign: &str) -> anyhow::Result<Box<dyn Backend>> {
    let backend: Box<dyn Backend> = match location {
        StateLocation::Folder(dir) => {
            super::sqlite::inspect(dir, campaign)?;
            Box::new(SqliteJournal::open(dir, campaign)?)
        }
        StateLocation::Postgres(url) => Box::new(off_runtime(|| PgJournal::open(url, campaign))?),
    };
    check_history(location, campaign, backend.history()?)?;
    Ok(backend)
}

/// Opens the journal at `location` read-only, if there is one; creates
/// nothing. `None` means no journal: every recipient is new.
pub fn open_view(
    location: &StateLocation,
    campaign: &str,
) -> anyhow::Result<Option<Box<dyn JournalView>>> {
    let view = match location {
        StateLocation::Folder(dir) => match super::sqlite::inspect(dir, campaign)? {
            JournalFile::Absent => None,
            JournalFile::Present => super::sqlite::SqliteView::open(dir, campaign)?
                .map(|view| Box::new(view) as Box<dyn JournalView>),
        },
        StateLocation::Postgres(url) => {
            PgView::open(url, campaign)?.map(|view| Box::new(view) as Box<dyn JournalView>)
        }
    };
    if let Some(view) = &view {
        check_history(location, campaign, view.history()?)?;
    }
    Ok(view)
}

/// Refuses a journal that lost `campaign`'s rows: runs of it that sent
/// without one of its recipients left, or (in a folder) a journal that knows
/// nothing of it beside the lock file or report only its runs leave.
fn check_history(
    location: &StateLocation,
    campaign: &str,
    history: CampaignHistory,
) -> anyhow::Result<()> {
    let evidence = if history.lost_rows() {
        Some(format!(
            "the journal records {} run(s) of it that sent",
            history.sending_runs
        ))
    } else if let StateLocation::Folder(dir) = location
        && history.is_empty()
    {
        super::sqlite::ran_before(dir, campaign)
            .map(|file| format!("`{}` is there", file.display()))
    } else {
        None
    };
    match evidence {
        Some(evidence) => Err(LostJournal {
            location: location.to_string(),
            campaign: campaign.to_owned(),
            evidence,
            problem: "the journal holds none of its recipients".to_owned(),
        }
        .into()),
        None => Ok(()),
    }
}
