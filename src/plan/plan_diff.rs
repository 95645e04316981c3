//! What changed between two saved plans: campaign-level settings and inputs
//! (from the headers), and per recipient: added, removed, or changed with the
//! parameters that changed. Recipients are joined by their key (a hash of the
//! number), so a reordered audience is not a change.
//!
//! Two million recipients do not fit comfortably in memory as hash maps, and
//! plans need not list them in the same order, so both plans are loaded into
//! a scratch SQLite database in a temporary folder and joined there: memory
//! stays at SQLite's page cache (16 MB) whatever the audience size, and the
//! changes come out ordered by line (the new plan's line; a removed
//! recipient's old line).

use crate::plan::plan_file::{self, PlanHeader};
use anyhow::Context as _;
use rusqlite::{Connection, params};
use std::path::Path;

/// A campaign-level difference: a setting or an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingChange {
    pub label: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One recipient's difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecipientChange {
    Added {
        line: u64,
        who: String,
    },
    Removed {
        line: u64,
        who: String,
    },
    /// The message changed; `params` are the parameters that differ (empty
    /// when only campaign-level settings made the message differ).
    Changed {
        line: u64,
        who: String,
        params: Vec<SettingChange>,
    },
}

/// How many recipients changed in each way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiffCounts {
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    /// Changed recipients whose parameters are all the same: the campaign's
    /// settings changed their message.
    pub changed_by_settings: u64,
    pub unchanged: u64,
}

/// The campaign-level differences between two plan headers, in a stable order:
/// settings in the new plan's order (then settings only the old had), then inputs.
pub fn settings(old: &PlanHeader, new: &PlanHeader) -> Vec<SettingChange> {
    let mut changes = labelled(&old.settings, &new.settings);
    let pins = |header: &PlanHeader| -> Vec<(String, String)> {
        header
            .inputs
            .iter()
            .map(|i| {
                (
                    format!("input {} {}", i.role, i.path),
                    format!("sha256:{}", &i.sha256[..16.min(i.sha256.len())]),
                )
            })
            .collect()
    };
    changes.extend(labelled(&pins(old), &pins(new)));
    changes
}

/// Label-by-label differences between two lists of labelled values.
fn labelled(old: &[(String, String)], new: &[(String, String)]) -> Vec<SettingChange> {
    let find = |list: &[(String, String)], label: &str| {
        list.iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.clone())
    };
    let mut changes = Vec::new();
    for (label, value) in new {
        let before = find(old, label);
        if before.as_deref() != Some(value.as_str()) {
            changes.push(SettingChange {
                label: label.clone(),
                old: before,
                new: Some(value.clone()),
            });
        }
    }
    for (label, value) in old {
        if find(new, label).is_none() {
            changes.push(SettingChange {
                label: label.clone(),
                old: Some(value.clone()),
                new: None,
            });
        }
    }
    changes
}

/// Streams the recipient differences between the plans at `old` and `new`,
/// in line order, to `visit`; returns the counts.
pub fn recipients(
    old: &Path,
    new: &Path,
    mut visit: impl FnMut(RecipientChange) -> anyhow::Result<()>,
) -> anyhow::Result<(PlanHeader, PlanHeader, DiffCounts)> {
    let scratch = tempfile::tempdir().context("cannot create a scratch folder for the diff")?;
    let conn = Connection::open(scratch.path().join("diff.sqlite"))?;
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = FILE;
         PRAGMA cache_size = -16000;
         CREATE TABLE old (key TEXT PRIMARY KEY, line INTEGER, digest TEXT, who TEXT, params TEXT) WITHOUT ROWID;
         CREATE TABLE new (key TEXT PRIMARY KEY, line INTEGER, digest TEXT, who TEXT, params TEXT) WITHOUT ROWID;",
    )?;
    let old_header = load(&conn, "old", old)?;
    let new_header = load(&conn, "new", new)?;
    let mut counts = DiffCounts {
        unchanged: conn.query_row(
            "SELECT COUNT(*) FROM new n JOIN old o ON o.key = n.key AND o.digest = n.digest",
            [],
            |row| row.get::<_, i64>(0),
        )? as u64,
        ..DiffCounts::default()
    };
    let mut statement = conn.prepare(
        "SELECT n.line, n.who, n.params, o.params, o.key IS NULL FROM new n
             LEFT JOIN old o ON o.key = n.key
             WHERE o.key IS NULL OR o.digest <> n.digest
         UNION ALL
         SELECT o.line, o.who, NULL, o.params, 2 FROM old o
             WHERE NOT EXISTS (SELECT 1 FROM new n WHERE n.key = o.key)
         ORDER BY 1, 5",
    )?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let line = row.get::<_, i64>(0)? as u64;
        let who: String = row.get(1)?;
        let change = match row.get::<_, i64>(4)? {
            1 => {
                counts.added += 1;
                RecipientChange::Added { line, who }
            }
            2 => {
                counts.removed += 1;
                RecipientChange::Removed { line, who }
            }
            _ => {
                counts.changed += 1;
                let params = changed_params(
                    &old_header.param_labels,
                    &row.get::<_, String>(3)?,
                    &new_header.param_labels,
                    &row.get::<_, String>(2)?,
                )?;
                if params.is_empty() {
                    counts.changed_by_settings += 1;
                }
                RecipientChange::Changed { line, who, params }
            }
        };
        visit(change)?;
    }
    Ok((old_header, new_header, counts))
}

/// Reads the plan file at `path` into `table`; returns its header.
fn load(conn: &Connection, table: &str, path: &Path) -> anyhow::Result<PlanHeader> {
    let (header, lines) = plan_file::read(path)?;
    conn.execute_batch("BEGIN")?;
    {
        let mut insert = conn.prepare(&format!(
            "INSERT OR IGNORE INTO {table} (key, line, digest, who, params) VALUES (?1, ?2, ?3, ?4, ?5)"
        ))?;
        for line in lines {
            let line = line?;
            insert.execute(params![
                line.key(),
                line.line() as i64,
                line.digest(),
                line.who(),
                serde_json::to_string(line.params())?
            ])?;
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok(header)
}

fn changed_params(
    old_labels: &[String],
    old: &str,
    new_labels: &[String],
    new: &str,
) -> anyhow::Result<Vec<SettingChange>> {
    let pair = |labels: &[String], values: &str| -> anyhow::Result<Vec<(String, String)>> {
        let values: Vec<String> = serde_json::from_str(values)?;
        Ok(labels.iter().cloned().zip(values).collect())
    };
    Ok(labelled(&pair(old_labels, old)?, &pair(new_labels, new)?))
}
