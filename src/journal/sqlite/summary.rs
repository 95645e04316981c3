//! What `status` reads from the SQLite journal: counts per state, the
//! delivery funnel, failures by reason, uncertain and opted-out numbers,
//! reconciled and orphan reports, unreadable callback entries, and the last
//! run. Delivery ranks are
//! [`crate::journal::DeliveryState::rank`]: 4 failed, 5 delivered, 6 read.

use super::connection::phone_from_db;
use crate::journal::delivery_summary::{NUMBERS_SHOWN, UNREADABLE_SHOWN};
use crate::journal::{
    CampaignHistory, DeliverySummary, Funnel, Reason, RunSummary, State, StateCounts,
    UnreadableSeen,
};
use rusqlite::{Connection, OptionalExtension, params};

/// How many of the campaign's recipients are in each state.
pub fn counts(conn: &Connection, campaign: &str) -> anyhow::Result<StateCounts> {
    let mut counts = StateCounts::default();
    let mut statement = conn.prepare_cached(
        "SELECT state, COUNT(*) FROM recipients WHERE campaign = ?1 GROUP BY state",
    )?;
    let rows = statement.query_map(params![campaign], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (state, count) = row?;
        if let Some(state) = State::parse(&state) {
            counts.add(state, count as u64);
        }
    }
    counts.skipped = conn.query_row(
        "SELECT COUNT(*) FROM skipped WHERE campaign = ?1",
        params![campaign],
        |row| row.get::<_, i64>(0),
    )? as u64;
    Ok(counts)
}

/// The campaign's summary.
pub fn delivery_summary(conn: &Connection, campaign: &str) -> anyhow::Result<DeliverySummary> {
    let states = counts(conn, campaign)?;
    let funnel = funnel(conn, campaign, states.sent)?;
    Ok(DeliverySummary {
        funnel,
        send_failures: reasons(
            conn,
            campaign,
            "SELECT COALESCE(error, 'no reason given'), COUNT(*) FROM recipients
             WHERE campaign = ?1 AND state = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1",
        )?,
        delivery_failures: reasons(
            conn,
            campaign,
            "SELECT COALESCE(failure_details, delivery_state), COUNT(*) FROM deliveries
             WHERE campaign = ?1 AND rank = 4 GROUP BY 1 ORDER BY 2 DESC, 1",
        )?,
        unknown_numbers: numbers(
            conn,
            campaign,
            "SELECT phone FROM recipients WHERE campaign = ?1 AND state = 'unknown' ORDER BY line LIMIT ?2",
        )?,
        opted_out: count(
            conn,
            campaign,
            "SELECT COUNT(*) FROM opt_outs WHERE campaign = ?1",
        )?,
        opted_out_numbers: numbers(
            conn,
            campaign,
            "SELECT phone FROM opt_outs WHERE campaign = ?1 ORDER BY opted_at, phone LIMIT ?2",
        )?,
        reconciled: count(
            conn,
            campaign,
            "SELECT COUNT(*) FROM delivery_events WHERE outcome = 'reconciled' AND campaign = ?1",
        )?,
        orphans: count(
            conn,
            campaign,
            "SELECT COUNT(*) FROM delivery_events
             WHERE outcome = 'orphan' AND (campaign = ?1 OR campaign IS NULL)",
        )?,
        unreadable: count(
            conn,
            campaign,
            "SELECT COUNT(*) FROM unreadable WHERE campaign = ?1 OR campaign IS NULL",
        )?,
        unreadable_latest: unreadable_latest(conn, campaign)?,
        last_run: last_run(conn, campaign)?,
        last_tried_at: conn.query_row(
            crate::journal::delivery_summary::LAST_TRIED_SQL,
            params![campaign],
            |row| row.get(0),
        )?,
        states,
    })
}

fn funnel(conn: &Connection, campaign: &str, sent: u64) -> anyhow::Result<Funnel> {
    let (delivered, read, failed, reported) = conn.query_row(
        "SELECT
             COUNT(*) FILTER (WHERE rank >= 5 OR delivered_at IS NOT NULL OR read_at IS NOT NULL),
             COUNT(*) FILTER (WHERE rank = 6 OR read_at IS NOT NULL),
             COUNT(*) FILTER (WHERE rank = 4),
             COUNT(*) FILTER (WHERE rank >= 4)
         FROM deliveries WHERE campaign = ?1",
        params![campaign],
        |row| {
            Ok((
                row.get::<_, i64>(0)? as u64,
                row.get::<_, i64>(1)? as u64,
                row.get::<_, i64>(2)? as u64,
                row.get::<_, i64>(3)? as u64,
            ))
        },
    )?;
    Ok(Funnel {
        sent,
        delivered,
        read,
        failed,
        awaiting: sent.saturating_sub(reported),
    })
}

fn reasons(conn: &Connection, campaign: &str, sql: &str) -> anyhow::Result<Vec<Reason>> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map(params![campaign], |row| {
        Ok(Reason {
            reason: row.get(0)?,
            count: row.get::<_, i64>(1)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn numbers(
    conn: &Connection,
    campaign: &str,
    sql: &str,
) -> anyhow::Result<Vec<crate::phone::Phone>> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map(params![campaign, NUMBERS_SHOWN as i64], |row| {
        row.get::<_, i64>(0)
    })?;
    rows.map(|phone| phone_from_db(phone?)).collect()
}

fn count(conn: &Connection, campaign: &str, sql: &str) -> anyhow::Result<u64> {
    let count: i64 = conn.query_row(sql, params![campaign], |row| row.get(0))?;
    Ok(count as u64)
}

/// The latest unreadable callback entries of the campaign or of none, newest first.
fn unreadable_latest(conn: &Connection, campaign: &str) -> anyhow::Result<Vec<UnreadableSeen>> {
    let mut statement = conn.prepare_cached(
        "SELECT received_at, reason, json FROM unreadable
         WHERE campaign = ?1 OR campaign IS NULL
         ORDER BY received_at DESC, key LIMIT ?2",
    )?;
    let rows = statement.query_map(params![campaign, UNREADABLE_SHOWN as i64], |row| {
        Ok(UnreadableSeen {
            received_at: row.get(0)?,
            reason: row.get(1)?,
            json: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The campaign's most recent run.
fn last_run(conn: &Connection, campaign: &str) -> anyhow::Result<Option<RunSummary>> {
    let run = conn
        .query_row(
            "SELECT id, started_at, finished_at, outcome FROM runs
             WHERE campaign = ?1 ORDER BY id DESC LIMIT 1",
            params![campaign],
            |row| {
                Ok(RunSummary {
                    id: row.get(0)?,
                    started_at: row.get(1)?,
                    finished_at: row.get(2)?,
                    outcome: row.get(3)?,
                })
            },
        )
        .optional()?;
    Ok(run)
}

/// Every number that opted out of any campaign in this journal.
pub fn opted_out_numbers(conn: &Connection) -> anyhow::Result<Vec<crate::phone::Phone>> {
    let mut statement = conn.prepare("SELECT DISTINCT phone FROM opt_outs ORDER BY phone")?;
    let rows = statement.query_map([], |row| row.get::<_, i64>(0))?;
    rows.map(|phone| phone_from_db(phone?)).collect()
}

/// What the journal remembers of `campaign` having run.
pub fn history(conn: &Connection, campaign: &str) -> anyhow::Result<CampaignHistory> {
    let (runs, sending_runs, has_rows) = conn.query_row(
        "SELECT
             (SELECT COUNT(*) FROM runs WHERE campaign = ?1),
             (SELECT COUNT(*) FROM runs WHERE campaign = ?1
                 AND (outcome = 'finished' OR outcome LIKE 'stopped%')),
             EXISTS (SELECT 1 FROM recipients WHERE campaign = ?1)
                 OR EXISTS (SELECT 1 FROM skipped WHERE campaign = ?1)",
        params![campaign],
        |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, bool>(2)?,
            ))
        },
    )?;
    Ok(CampaignHistory {
        runs: runs as u64,
        sending_runs: sending_runs as u64,
        has_rows,
    })
}
