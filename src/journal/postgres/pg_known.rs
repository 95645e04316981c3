//! The campaign's recipients read in one streamed query, for a plan's
//! classes and apply's staging.

use super::{Context as _, Result};
use crate::journal::{KnownRecipients, State};
use postgres::fallible_iterator::FallibleIterator as _;

/// Every recipient `campaign` has in the journal.
pub fn known(client: &mut postgres::Client, campaign: &str) -> Result<KnownRecipients> {
    let params: [&(dyn postgres::types::ToSql + Sync); 1] = [&campaign];
    let count: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM recipients WHERE campaign = $1",
            &params,
        )
        .context("cannot read the journal")?
        .get(0);
    let mut known = KnownRecipients::with_capacity(count as usize);
    let mut rows = client
        .query_raw(
            "SELECT phone, state, sent_digest FROM recipients WHERE campaign = $1",
            params,
        )
        .context("cannot read the journal")?;
    while let Some(row) = rows.next().context("cannot read the journal")? {
        // A state this build does not know is planned as pending.
        let state = State::parse(row.get(1)).unwrap_or(State::Pending);
        known.insert(row.get::<_, i64>(0) as u64, state, row.get(2));
    }
    Ok(known)
}
