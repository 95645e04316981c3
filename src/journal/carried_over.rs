//! A campaign renamed after sending (`renamed_from` in its file) carries its
//! journal over, like Terraform's `moved`: every row kept under the old name
//! (runs, recipients, skipped rows, deliveries, reports, opt-outs) is moved
//! to the new one in one transaction, so the renamed campaign sees what was
//! sent and messages nobody again. Nothing to move (the old name has no
//! rows, as after an earlier move) is a no-op; rows under both names are
//! refused, since two histories cannot be merged.

use super::CampaignHistory;

/// The journal's tables that hold a `campaign` column. `deliveries` is a
/// view of `recipients` in both backends: it moves with them.
pub fn campaign_tables() -> impl Iterator<Item = &'static str> {
    super::state_push::TABLES
        .iter()
        .filter(|table| table.columns.iter().any(|(name, _)| *name == "campaign"))
        .map(|table| table.name)
        .filter(|name| *name != "deliveries")
}

/// Whether rows of `from` are to be moved to `to`, given what the journal
/// holds of each; an error when both have rows.
pub fn needed(
    from: &str,
    to: &str,
    old: CampaignHistory,
    new: CampaignHistory,
) -> anyhow::Result<bool> {
    if old.is_empty() {
        return Ok(false);
    }
    anyhow::ensure!(
        new.is_empty(),
        "the journal holds records of both `{from}` and `{to}`, so `renamed_from: {from}` cannot \
         carry `{from}` over: remove `renamed_from`, or restore the journal from before `{to}` ran"
    );
    Ok(true)
}
