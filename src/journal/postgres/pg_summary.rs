//! What `status` reads from the PostgreSQL journal, as from SQLite's: counts
//! per state, the delivery funnel, failures by reason, uncertain and
//! opted-out numbers, reconciled and orphan reports, unreadable callback
//! entries, and the last run. Reads
//! only. Delivery ranks are [`crate::journal::DeliveryState::rank`].

use super::pg_journal::phone_from_db;
use super::{Context as _, Result};
use crate::journal::delivery_summary::{NUMBERS_SHOWN, UNREADABLE_SHOWN};
use crate::journal::{
    CampaignHistory, DeliverySummary, Funnel, Reason, RunSummary, State, StateCounts,
    UnreadableSeen,
};
use crate::phone::Phone;
use postgres::Client;

/// How many of the campaign's recipients are in each state.
pub fn counts(client: &mut Client, campaign: &str) -> Result<StateCounts> {
    let rows = client
        .query(
            "SELECT state, COUNT(*) FROM recipients WHERE campaign = $1 GROUP BY state
             UNION ALL SELECT 'skipped', COUNT(*) FROM skipped WHERE campaign = $1",
            &[&campaign],
        )
        .context("cannot count recipients")?;
    let mut counts = StateCounts::default();
    for row in rows {
        if let Some(state) = State::parse(row.get(0)) {
            counts.add(state, row.get::<_, i64>(1) as u64);
        }
    }
    Ok(counts)
}

/// The campaign's summary.
pub fn delivery_summary(client: &mut Client, campaign: &str) -> Result<DeliverySummary> {
    let states = counts(client, campaign)?;
    let funnel = funnel(client, campaign, states.sent)?;
    Ok(DeliverySummary {
        funnel,
        send_failures: reasons(
            client,
            campaign,
            "SELECT COALESCE(error, 'no reason given'), COUNT(*) FROM recipients
             WHERE campaign = $1 AND state = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1",
        )?,
        delivery_failures: reasons(
            client,
            campaign,
            "SELECT COALESCE(failure_details, delivery_state), COUNT(*) FROM deliveries
             WHERE campaign = $1 AND rank = 4 GROUP BY 1 ORDER BY 2 DESC, 1",
        )?,
        unknown_numbers: numbers(
            client,
            campaign,
            "SELECT phone FROM recipients WHERE campaign = $1 AND state = 'unknown' ORDER BY line LIMIT $2",
        )?,
        opted_out: count(
            client,
            campaign,
            "SELECT COUNT(*) FROM opt_outs WHERE campaign = $1",
        )?,
        opted_out_numbers: numbers(
            client,
            campaign,
            "SELECT phone FROM opt_outs WHERE campaign = $1 ORDER BY opted_at, phone LIMIT $2",
        )?,
        reconciled: count(
            client,
            campaign,
            "SELECT COUNT(*) FROM delivery_events WHERE outcome = 'reconciled' AND campaign = $1",
        )?,
        orphans: count(
            client,
            campaign,
            "SELECT COUNT(*) FROM delivery_events
             WHERE outcome = 'orphan' AND (campaign = $1 OR campaign IS NULL)",
        )?,
        unreadable: count(
            client,
            campaign,
            "SELECT COUNT(*) FROM unreadable WHERE campaign = $1 OR campaign IS NULL",
        )?,
        unreadable_latest: unreadable_latest(client, campaign)?,
        last_run: last_run(client, campaign)?,
        last_tried_at: client
            .query_one(
                &crate::journal::delivery_summary::LAST_TRIED_SQL.replace("?1", "$1"),
                &[&campaign],
            )
            .context("cannot read when the campaign last sent")?
            .get(0),
        states,
    })
}

fn funnel(client: &mut Client, campaign: &str, sent: u64) -> Result<Funnel> {
    let row = client
        .query_one(
            "SELECT
                 COUNT(*) FILTER (WHERE rank >= 5 OR delivered_at IS NOT NULL OR read_at IS NOT NULL),
                 COUNT(*) FILTER (WHERE rank = 6 OR read_at IS NOT NULL),
                 COUNT(*) FILTER (WHERE rank = 4),
                 COUNT(*) FILTER (WHERE rank >= 4)
             FROM deliveries WHERE campaign = $1",
            &[&campaign],
        )
        .context("cannot read the funnel")?;
    let count = |index: usize| row.get::<_, i64>(index) as u64;
    Ok(Funnel {
        sent,
        delivered: count(0),
        read: count(1),
        failed: count(2),
        awaiting: sent.saturating_sub(count(3)),
    })
}

fn reasons(client: &mut Client, campaign: &str, sql: &str) -> Result<Vec<Reason>> {
    let rows = client
        .query(sql, &[&campaign])
        .context("cannot read failure reasons")?;
    Ok(rows
        .iter()
        .map(|row| Reason {
            reason: row.get(0),
            count: row.get::<_, i64>(1) as u64,
        })
        .collect())
}

fn numbers(client: &mut Client, campaign: &str, sql: &str) -> Result<Vec<Phone>> {
    let rows = client
        .query(sql, &[&campaign, &(NUMBERS_SHOWN as i64)])
        .context("cannot read numbers")?;
    rows.iter()
        .map(|row| phone_from_db(row.get::<_, i64>(0)))
        .collect()
}

fn count(client: &mut Client, campaign: &str, sql: &str) -> Result<u64> {
    let row = client
        .query_one(sql, &[&campaign])
        .context("cannot count")?;
    Ok(row.get::<_, i64>(0) as u64)
}

/// The latest unreadable callback entries of the campaign or of none, newest first.
fn unreadable_latest(client: &mut Client, campaign: &str) -> Result<Vec<UnreadableSeen>> {
    let rows = client
        .query(
            "SELECT received_at, reason, json FROM unreadable
             WHERE campaign = $1 OR campaign IS NULL
             ORDER BY received_at DESC, key LIMIT $2",
            &[&campaign, &(UNREADABLE_SHOWN as i64)],
        )
        .context("cannot read unreadable callback entries")?;
    Ok(rows
        .iter()
        .map(|row| UnreadableSeen {
            received_at: row.get(0),
            reason: row.get(1),
            json: row.get(2),
        })
        .collect())
}

/// The campaign's most recent run.
fn last_run(client: &mut Client, campaign: &str) -> Result<Option<RunSummary>> {
    let row = client
        .query_opt(
            "SELECT id, started_at, finished_at, outcome FROM runs
             WHERE campaign = $1 ORDER BY id DESC LIMIT 1",
            &[&campaign],
        )
        .context("cannot read the last run")?;
    Ok(row.map(|row| RunSummary {
        id: row.get(0),
        started_at: row.get(1),
        finished_at: row.get(2),
        outcome: row.get(3),
    }))
}

/// Every number that opted out of any campaign in this journal.
pub fn opted_out_numbers(client: &mut Client) -> Result<Vec<Phone>> {
    let rows = client
        .query("SELECT DISTINCT phone FROM opt_outs ORDER BY phone", &[])
        .context("cannot read opt-outs")?;
    rows.iter()
        .map(|row| phone_from_db(row.get::<_, i64>(0)))
        .collect()
}

/// What the journal remembers of `campaign` having run.
pub fn history(client: &mut Client, campaign: &str) -> Result<CampaignHistory> {
    let row = client
        .query_one(
            "SELECT
                 (SELECT COUNT(*) FROM runs WHERE campaign = $1),
                 (SELECT COUNT(*) FROM runs WHERE campaign = $1
                     AND (outcome = 'finished' OR outcome LIKE 'stopped%')),
                 EXISTS (SELECT 1 FROM recipients WHERE campaign = $1)
                     OR EXISTS (SELECT 1 FROM skipped WHERE campaign = $1)",
            &[&campaign],
        )
        .context("cannot read the campaign's runs")?;
    Ok(CampaignHistory {
        runs: row.get::<_, i64>(0) as u64,
        sending_runs: row.get::<_, i64>(1) as u64,
        has_rows: row.get(2),
    })
}
