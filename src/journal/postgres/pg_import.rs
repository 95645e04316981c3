//! `state push`'s PostgreSQL side: the rows a SQLite journal holds, written
//! into this schema in one transaction (see `journal::state_push`). Rows go in
//! multi-row `INSERT`s; runs one by one, for their new ids.

use super::pg_lock::advisory_key;
use super::{Context as _, PgLocation, pg_schema};
use crate::journal::state_push::{Kind, TABLES, Table, Value};
use postgres::types::ToSql;
use std::collections::HashMap;

/// Reads every row of a table into the visitor.
pub type ReadTable<'a> =
    dyn FnMut(&Table, &mut dyn FnMut(Vec<Value>) -> anyhow::Result<()>) -> anyhow::Result<()> + 'a;

/// Parameters in one statement, well under PostgreSQL's 65,535.
const PARAMETERS: usize = 30_000;

/// Tables whose rows may already be there for another campaign's sake.
const SHARED: &[&str] = &["messages", "delivery_events", "inbound", "unreadable"];

/// Copies `campaigns` (every table's rows, as `read` gives them) into `to`,
/// refusing when it already holds any of them. Returns rows per table.
pub fn import(
    to: &PgLocation,
    campaigns: &[String],
    read: &mut ReadTable<'_>,
) -> anyhow::Result<Vec<(&'static str, u64)>> {
    let mut client = to.connect()?;
    pg_schema::ensure(&mut client, to)?;
    let mut tx = client.transaction().context("cannot start the push")?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&advisory_key(&["push", to.schema()])],
    )
    .context("cannot lock the journal for the push")?;
    // Its bodies and pending recipients commit together, so no run's end
    // may let go of a body it found there meanwhile (`pg_bodies`).
    super::pg_bodies::hold_shared(&mut tx, super::pg_bodies::key(to.schema()))
        .context("cannot lock the journal for the push")?;
    refuse_held(&mut tx, to, campaigns)?;
    let mut runs: HashMap<i64, i64> = HashMap::new();
    let mut copied = Vec::new();
    for table in TABLES {
        let mut writer = TableWriter::new(table);
        read(table, &mut |mut row| {
            if table.name == "runs" {
                return insert_run(&mut tx, &row, &mut runs);
            }
            follow_runs(table, &mut row, &runs);
            writer.push(&mut tx, row)
        })?;
        writer.flush(&mut tx)?;
        copied.push((table.name, writer.rows));
    }
    if let Some(count) = copied.iter_mut().find(|(name, _)| *name == "runs") {
        count.1 = runs.len() as u64;
    }
    tx.commit().context("cannot commit the push")?;
    Ok(copied)
}

/// An error naming the campaigns `to` already holds, if any.
fn refuse_held(
    tx: &mut postgres::Transaction<'_>,
    to: &PgLocation,
    campaigns: &[String],
) -> anyhow::Result<()> {
    let held: Vec<String> = tx
        .query(
            "SELECT campaign FROM recipients WHERE campaign = ANY($1)
             UNION SELECT campaign FROM skipped WHERE campaign = ANY($1)
             UNION SELECT campaign FROM runs WHERE campaign = ANY($1)
             UNION SELECT campaign FROM deliveries WHERE campaign = ANY($1)
             UNION SELECT campaign FROM opt_outs WHERE campaign = ANY($1) ORDER BY 1",
            &[&campaigns],
        )
        .context("cannot read the target's campaigns")?
        .iter()
        .map(|row| row.get(0))
        .collect();
    if held.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = held.iter().map(|name| format!("`{name}`")).collect();
    anyhow::bail!(
        "the journal in `{to}` already holds campaign {}: nothing was pushed (a push never merges two histories)",
        names.join(", ")
    )
}

fn insert_run(
    tx: &mut postgres::Transaction<'_>,
    row: &[Value],
    runs: &mut HashMap<i64, i64>,
) -> anyhow::Result<()> {
    let [
        Value::Int(Some(id)),
        Value::Text(campaign),
        Value::Int(pid),
        Value::Text(started),
        Value::Text(finished),
        Value::Text(outcome),
    ] = row
    else {
        anyhow::bail!("the journal holds a malformed run");
    };
    let new: i64 = tx
        .query_one(
            "INSERT INTO runs (campaign, host, pid, started_at, finished_at, outcome)
             VALUES ($1, 'pushed from a SQLite journal', $2, $3, $4, $5) RETURNING id",
            &[campaign, pid, started, finished, outcome],
        )
        .context("cannot copy a run")?
        .get(0);
    runs.insert(*id, new);
    Ok(())
}

/// Points a row's `planned_run` at its run's new id (a run the journal lost
/// becomes a negative id, which no run has).
fn follow_runs(table: &Table, row: &mut [Value], runs: &HashMap<i64, i64>) {
    let Some(index) = table
        .columns
        .iter()
        .position(|(name, _)| *name == "planned_run")
    else {
        return;
    };
    if let Value::Int(Some(old)) = row[index] {
        row[index] = Value::Int(Some(runs.get(&old).copied().unwrap_or(-old.abs() - 1)));
    }
}

/// Rows of one table, buffered into multi-row inserts.
struct TableWriter<'t> {
    table: &'t Table,
    buffered: Vec<Vec<Value>>,
    rows: u64,
}

impl<'t> TableWriter<'t> {
    fn new(table: &'t Table) -> TableWriter<'t> {
        TableWriter {
            table,
            buffered: Vec::new(),
            rows: 0,
        }
    }

    fn push(&mut self, tx: &mut postgres::Transaction<'_>, row: Vec<Value>) -> anyhow::Result<()> {
        self.buffered.push(row);
        self.rows += 1;
        if self.buffered.len() * self.table.columns.len() >= PARAMETERS {
            self.flush(tx)?;
        }
        Ok(())
    }

    fn flush(&mut self, tx: &mut postgres::Transaction<'_>) -> anyhow::Result<()> {
        if self.buffered.is_empty() {
            return Ok(());
        }
        let sql = self.statement(self.buffered.len());
        let params: Vec<&(dyn ToSql + Sync)> = self
            .buffered
            .iter()
            .flatten()
            .map(|value| match value {
                Value::Int(v) => v as &(dyn ToSql + Sync),
                Value::Text(v) => v as &(dyn ToSql + Sync),
                Value::Bytes(v) => v as &(dyn ToSql + Sync),
            })
            .collect();
        let written = tx
            .execute(&sql, &params)
            .context("cannot copy rows into the journal")
            .map_err(|error| anyhow::anyhow!("{error} (table `{}`)", self.table.name))?;
        if self.table.name == "deliveries" && written != self.buffered.len() as u64 {
            anyhow::bail!(
                "the SQLite journal holds {} deliveries of recipients it has no record of: nothing was pushed",
                self.buffered.len() as u64 - written
            );
        }
        self.buffered.clear();
        Ok(())
    }

    /// `INSERT INTO t (…) VALUES ($1::bigint, …), …` for `rows` rows; a
    /// delivery goes into its recipient's row (`deliveries` is a view of them).
    fn statement(&self, rows: usize) -> String {
        let columns = self.table.columns;
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let mut values = Vec::with_capacity(rows);
        for row in 0..rows {
            let row: Vec<String> = columns
                .iter()
                .enumerate()
                .map(|(index, (_, kind))| {
                    let cast = match kind {
                        Kind::Int => "bigint",
                        Kind::Text => "text",
                        Kind::Bytes => "bytea",
                    };
                    format!("${}::{cast}", row * columns.len() + index + 1)
                })
                .collect();
            values.push(format!("({})", row.join(", ")));
        }
        if self.table.name == "deliveries" {
            return format!(
                "UPDATE recipients r SET delivery_state = v.delivery_state, rank = v.rank,
                     delivered_at = v.delivered_at, read_at = v.read_at, failed_at = v.failed_at,
                     failure_details = v.failure_details,
                     delivery_message_id = NULLIF(v.message_id, r.message_id)
                 FROM (VALUES {}) AS v({})
                 WHERE r.campaign = v.campaign AND r.phone = v.phone",
                values.join(", "),
                names.join(", ")
            );
        }
        let conflict = if SHARED.contains(&self.table.name) {
            " ON CONFLICT DO NOTHING"
        } else {
            ""
        };
        format!(
            "INSERT INTO {} ({}) VALUES {}{conflict}",
            self.table.name,
            names.join(", "),
            values.join(", ")
        )
    }
}
