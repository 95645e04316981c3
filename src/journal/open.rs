//! Opening a journal: the one place a state location becomes a backend, and
//! where a state that shows a campaign ran before while its journal holds
//! nothing of it is refused ([`LostJournal`]) instead of read as new.

use super::postgres::{PgJournal, PgView, off_runtime};
use super::sqlite::{JournalFile, SqliteJournal};
use super::{Backend, CampaignHistory, Durability, JournalView, LostJournal, StateLocation};

/// Opens (creating if needed) the journal at `location` for `campaign`, every
/// commit flushed to disk ([`Durability::Full`]).
pub fn open(location: &StateLocation, campaign: &str) -> anyhow::Result<Box<dyn Backend>> {
    open_with(location, campaign, Durability::Full)
}

/// [`open`], its commits as durable as `durability` says.
pub fn open_with(
    location: &StateLocation,
    campaign: &str,
    durability: Durability,
) -> anyhow::Result<Box<dyn Backend>> {
    match location {
        StateLocation::Folder(dir) => {
            super::sqlite::inspect(dir, campaign)?;
            let backend = SqliteJournal::open(dir, campaign, durability)?;
            check_history(location, campaign, backend.history()?)?;
            Ok(Box::new(backend))
        }
        // The listener opens its journal from a runtime's thread.
        StateLocation::Postgres(url) => off_runtime(|| {
            let backend = PgJournal::open(url, campaign, durability)?;
            check_history(location, campaign, backend.history()?)?;
            Ok(Box::new(backend) as Box<dyn Backend>)
        }),
    }
}

/// Opens the journal at `location` for `campaign` only if there is one
/// (`None` otherwise), creating nothing; for a caller that may not start one.
pub fn open_existing(
    location: &StateLocation,
    campaign: &str,
    durability: Durability,
) -> anyhow::Result<Option<Box<dyn Backend>>> {
    let exists = match location {
        StateLocation::Folder(dir) => {
            super::sqlite::inspect(dir, campaign)? == JournalFile::Present
        }
        StateLocation::Postgres(url) => off_runtime(|| PgView::open(url, ""))?.is_some(),
    };
    exists
        .then(|| open_with(location, campaign, durability))
        .transpose()
}

/// Checks, reading only, that the journal at `location` has not lost
/// `campaign` (see [`open`]), from any thread.
pub fn check(location: &StateLocation, campaign: &str) -> anyhow::Result<()> {
    off_runtime(|| open_view(location, campaign)).map(|_| ())
}

/// Where `campaign` stands in the journal at `location` (`None` without a
/// journal), read-only, from any thread.
pub fn read_summary(
    location: &StateLocation,
    campaign: &str,
) -> anyhow::Result<Option<super::DeliverySummary>> {
    off_runtime(|| {
        open_view(location, campaign)?
            .map(|view| view.delivery_summary())
            .transpose()
    })
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

/// [`open_view`] of `campaign`, or of `renamed_from` while the journal holds
/// nothing of `campaign` but records of `renamed_from`: what apply will see
/// once it has carried them over (see [`super::carried_over`]).
pub fn open_view_renamed(
    location: &StateLocation,
    campaign: &str,
    renamed_from: Option<&str>,
) -> anyhow::Result<Option<Box<dyn JournalView>>> {
    let view = open_view(location, campaign)?;
    let (Some(old), Some(current)) = (renamed_from, &view) else {
        return Ok(view);
    };
    if !current.history()?.is_empty() {
        return Ok(view);
    }
    match open_view(location, old)? {
        Some(earlier) if !earlier.history()?.is_empty() => Ok(Some(earlier)),
        _ => Ok(view),
    }
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
