//! Where a campaign stands, for `wacast status`: its recipients per journal
//! state, the delivery funnel (sent → delivered → read), failures grouped by
//! reason, the numbers still uncertain or opted out, orphan reports and the
//! last run. Read from the journal only; nothing here changes it.

use crate::journal::{Journal, StateCounts};
use crate::phone::Phone;
use rusqlite::{OptionalExtension, params};

/// How many numbers a list in the summary shows.
pub const NUMBERS_SHOWN: usize = 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliverySummary {
    pub states: StateCounts,
    pub funnel: Funnel,
    /// Requests the API refused, by error.
    pub send_failures: Vec<Reason>,
    /// Messages accepted but not delivered, by the report's details.
    pub delivery_failures: Vec<Reason>,
    /// Recipients whose send is `unknown`, the first [`NUMBERS_SHOWN`].
    pub unknown_numbers: Vec<Phone>,
    pub opted_out: u64,
    /// The first [`NUMBERS_SHOWN`] numbers that opted out.
    pub opted_out_numbers: Vec<Phone>,
    /// Uncertain sends a report turned into `sent`.
    pub reconciled: u64,
    /// Reports whose message id matched no recipient (this campaign's or unnamed).
    pub orphans: u64,
    pub last_run: Option<RunSummary>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Funnel {
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub failed: u64,
    /// Sent, with no report yet past `sent`.
    pub awaiting: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Reason {
    pub reason: String,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: Option<String>,
}

impl Journal {
    /// The campaign's summary.
    pub fn delivery_summary(&self) -> anyhow::Result<DeliverySummary> {
        let states = self.counts()?;
        let funnel = self.funnel(states.sent)?;
        Ok(DeliverySummary {
            funnel,
            send_failures: self.reasons(
                "SELECT COALESCE(error, 'no reason given'), COUNT(*) FROM recipients
                 WHERE campaign = ?1 AND state = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1",
            )?,
            delivery_failures: self.reasons(
                "SELECT COALESCE(failure_details, delivery_state), COUNT(*) FROM deliveries
                 WHERE campaign = ?1 AND rank = 4 GROUP BY 1 ORDER BY 2 DESC, 1",
            )?,
            unknown_numbers: self.numbers(
                "SELECT phone FROM recipients WHERE campaign = ?1 AND state = 'unknown' ORDER BY line LIMIT ?2",
            )?,
            opted_out: self.count("SELECT COUNT(*) FROM opt_outs WHERE campaign = ?1")?,
            opted_out_numbers: self.numbers(
                "SELECT phone FROM opt_outs WHERE campaign = ?1 ORDER BY opted_at, phone LIMIT ?2",
            )?,
            reconciled: self.count(
                "SELECT COUNT(*) FROM delivery_events WHERE outcome = 'reconciled' AND campaign = ?1",
            )?,
            orphans: self.count(
                "SELECT COUNT(*) FROM delivery_events
                 WHERE outcome = 'orphan' AND (campaign = ?1 OR campaign IS NULL)",
            )?,
            last_run: self.last_run()?,
            states,
        })
    }

    fn funnel(&self, sent: u64) -> anyhow::Result<Funnel> {
        let (delivered, read, failed, reported) = self.conn.query_row(
            "SELECT
                 COUNT(*) FILTER (WHERE rank >= 5 OR delivered_at IS NOT NULL OR read_at IS NOT NULL),
                 COUNT(*) FILTER (WHERE rank = 6 OR read_at IS NOT NULL),
                 COUNT(*) FILTER (WHERE rank = 4),
                 COUNT(*) FILTER (WHERE rank >= 4)
             FROM deliveries WHERE campaign = ?1",
            params![self.campaign()],
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

    fn reasons(&self, sql: &str) -> anyhow::Result<Vec<Reason>> {
        let mut statement = self.conn.prepare(sql)?;
        let rows = statement.query_map(params![self.campaign()], |row| {
            Ok(Reason {
                reason: row.get(0)?,
                count: row.get::<_, i64>(1)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn numbers(&self, sql: &str) -> anyhow::Result<Vec<Phone>> {
        let mut statement = self.conn.prepare(sql)?;
        let rows = statement.query_map(params![self.campaign(), NUMBERS_SHOWN as i64], |row| {
            row.get::<_, i64>(0)
        })?;
        rows.map(|phone| {
            Phone::from_digits(&phone?.to_string())
                .ok_or_else(|| anyhow::anyhow!("the journal holds a malformed number"))
        })
        .collect()
    }

    fn count(&self, sql: &str) -> anyhow::Result<u64> {
        let count: i64 = self
            .conn
            .query_row(sql, params![self.campaign()], |row| row.get(0))?;
        Ok(count as u64)
    }

    /// The campaign's most recent run.
    pub fn last_run(&self) -> anyhow::Result<Option<RunSummary>> {
        let run = self
            .conn
            .query_row(
                "SELECT id, started_at, finished_at, outcome FROM runs
                 WHERE campaign = ?1 ORDER BY id DESC LIMIT 1",
                params![self.campaign()],
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
}
