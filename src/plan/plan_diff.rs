//! What changed between two saved plans: campaign-level settings and inputs
//! (from the headers), and per recipient: added, removed, or changed with the
//! parameters that changed. Recipients are joined by their key (a hash of the
//! number), so a reordered audience is not a change.
//!
//! Two million recipients do not fit comfortably in memory as hash maps, and
//! plans need not list them in the same order, so each plan is loaded into a
//! scratch SQLite database of its own in a temporary folder, sorted by key
//! there and the two merged: memory stays at SQLite's page caches (8 MB for
//! each plan, 4 MB for the changes) whatever the audience size, and the changes come out ordered by line
//! (the new plan's line; a removed recipient's old line). The two plans are
//! loaded and sorted on two threads at once.

use crate::batched::{BatchReceiver, BatchSender};
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
///
/// Each plan is loaded in file order (appending is cheap) into its own
/// scratch database, read back sorted by key (SQLite's external sort, within
/// its page cache) on a thread of its own, and the two are merged like two
/// sorted files; only the differences are kept, in a third database, and
/// come out ordered by line. Inserting into a table keyed by a hash instead
/// touched a random page for every recipient, several times slower once the
/// table outgrew the cache.
pub fn recipients(
    old: &Path,
    new: &Path,
    mut visit: impl FnMut(RecipientChange) -> anyhow::Result<()>,
) -> anyhow::Result<(PlanHeader, PlanHeader, DiffCounts)> {
    let scratch = tempfile::tempdir().context("cannot create a scratch folder for the diff")?;
    let folder = scratch.path();
    let conn = scratch_database(&folder.join("changes.sqlite"), 4_000)?;
    conn.execute_batch(
        "CREATE TABLE changes (line INTEGER, kind INTEGER, who TEXT, old BLOB, new BLOB);",
    )?;
    let (old_side, new_side) = std::thread::scope(|scope| {
        let old_side = scope.spawn(|| load(&folder.join("old.sqlite"), old));
        let new_side = load(&folder.join("new.sqlite"), new);
        let old_side = old_side
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("reading `{}` panicked", old.display())));
        (old_side, new_side)
    });
    let (old_plan, old_header) = old_side?;
    let (new_plan, new_header) = new_side?;
    let mut counts = DiffCounts::default();
    conn.execute_batch("BEGIN")?;
    merge(old_plan, new_plan, &conn, &mut counts)?;
    conn.execute_batch("COMMIT")?;
    let mut statement =
        conn.prepare("SELECT line, who, new, old, kind FROM changes ORDER BY line, kind, rowid")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let line = row.get::<_, i64>(0)? as u64;
        let who: String = row.get(1)?;
        let change = match row.get::<_, i64>(4)? {
            ADDED => {
                counts.added += 1;
                RecipientChange::Added { line, who }
            }
            REMOVED => {
                counts.removed += 1;
                RecipientChange::Removed { line, who }
            }
            _ => {
                counts.changed += 1;
                let params = changed_params(
                    &old_header.param_labels,
                    &row.get::<_, Vec<u8>>(3)?,
                    &new_header.param_labels,
                    &row.get::<_, Vec<u8>>(2)?,
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

/// The kinds of a change, in the order changes on one line are shown.
const CHANGED: i64 = 0;
const ADDED: i64 = 1;
const REMOVED: i64 = 2;

/// One plan's recipient as the merge reads it.
struct Keyed {
    key: i64,
    line: i64,
    digest: String,
    who: String,
    params: Vec<u8>,
}

/// Merges both plans by key into `changes`, counting the unchanged. A key
/// a plan holds twice counts once, at its first line. Each plan is read
/// sorted on a thread of its own.
fn merge(
    old_plan: Connection,
    new_plan: Connection,
    conn: &Connection,
    counts: &mut DiffCounts,
) -> anyhow::Result<()> {
    let mut insert = conn
        .prepare("INSERT INTO changes (line, kind, who, old, new) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    std::thread::scope(|scope| {
        let mut old_rows = sorted_rows(scope, old_plan);
        let mut new_rows = sorted_rows(scope, new_plan);
        let mut old = old_rows.receive()?;
        let mut new = new_rows.receive()?;
        loop {
            match (old.take(), new.take()) {
                (None, None) => return Ok(()),
                (Some(o), n) if n.as_ref().is_none_or(|n| o.key < n.key) => {
                    insert.execute(params![o.line, REMOVED, o.who, o.params, None::<Vec<u8>>])?;
                    (old, new) = (old_rows.receive()?, n);
                }
                (o, Some(n)) if o.as_ref().is_none_or(|o| n.key < o.key) => {
                    insert.execute(params![n.line, ADDED, n.who, None::<Vec<u8>>, n.params])?;
                    (old, new) = (o, new_rows.receive()?);
                }
                (Some(o), Some(n)) => {
                    if o.digest == n.digest {
                        counts.unchanged += 1;
                    } else {
                        insert.execute(params![n.line, CHANGED, n.who, o.params, n.params])?;
                    }
                    (old, new) = (old_rows.receive()?, new_rows.receive()?);
                }
                (Some(_), None) | (None, Some(_)) => {
                    unreachable!("a recipient on one side only is added or removed above")
                }
            }
        }
    })
}

/// One plan's recipients sorted by key, each key once (at its first line),
/// read on a thread of its own.
fn sorted_rows<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    plan: Connection,
) -> BatchReceiver<Keyed> {
    let (mut rows, received) = crate::batched::channel();
    scope.spawn(move || match read_sorted(&plan, &mut rows) {
        Ok(()) => rows.finish(),
        Err(error) => rows.fail(error),
    });
    received
}

/// Hands `plan`'s recipients sorted by key to `rows`, a repeated key
/// skipped; stops when the merge stops taking them.
fn read_sorted(plan: &Connection, rows: &mut BatchSender<Keyed>) -> anyhow::Result<()> {
    let mut statement =
        plan.prepare("SELECT key, line, digest, who, params FROM recipients ORDER BY key, line")?;
    let mut found = statement.query([])?;
    let mut last = None;
    while let Some(row) = found.next()? {
        let key: i64 = row.get(0)?;
        if Some(key) == last {
            continue;
        }
        last = Some(key);
        let keyed = Keyed {
            key,
            line: row.get(1)?,
            digest: row.get(2)?,
            who: row.get(3)?,
            params: row.get(4)?,
        };
        if !rows.push(keyed) {
            return Ok(());
        }
    }
    Ok(())
}

/// A scratch database at `path`: no journal, no syncing, a cache of
/// `cache_kib` (the three of a diff hold about what one of 16 MB did, when
/// one database held both plans).
fn scratch_database(path: &Path, cache_kib: u32) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = FILE;
         PRAGMA cache_size = -{cache_kib};"
    ))?;
    Ok(conn)
}

/// Reads the plan file at `path` into a scratch database at `database`;
/// returns it and the plan's header. The scratch rows are kept small, as
/// the sort's speed is how many of them a page holds: the recipient key (8
/// bytes of hash) as an integer, the parameters length-prefixed rather than
/// as JSON.
fn load(database: &Path, path: &Path) -> anyhow::Result<(Connection, PlanHeader)> {
    let (header, lines) = plan_file::read(path)?;
    let conn = scratch_database(database, 8_000)?;
    conn.execute_batch(
        "CREATE TABLE recipients (key INTEGER, line INTEGER, digest TEXT, who TEXT, params BLOB);
         BEGIN",
    )?;
    {
        let mut insert = conn.prepare(
            "INSERT INTO recipients (key, line, digest, who, params) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut values = Vec::new();
        for line in lines {
            let line = line?;
            let key = u64::from_str_radix(line.key(), 16).map_err(|_| {
                anyhow::anyhow!(
                    "`{}` line {} has a malformed recipient key `{}`: plan again to write it anew",
                    path.display(),
                    line.line(),
                    line.key()
                )
            })?;
            values.clear();
            encode_params(line.params(), &mut values);
            insert.execute(params![
                key as i64,
                line.line() as i64,
                line.digest(),
                line.who(),
                values
            ])?;
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok((conn, header))
}

/// Each value as its length (4 bytes, little-endian), then its bytes.
fn encode_params(values: &[String], out: &mut Vec<u8>) {
    for value in values {
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value.as_bytes());
    }
}

/// The values [`encode_params`] wrote.
fn decode_params(mut bytes: &[u8]) -> anyhow::Result<Vec<String>> {
    let mut values = Vec::new();
    while !bytes.is_empty() {
        let (length, rest) = bytes
            .split_first_chunk::<4>()
            .ok_or_else(|| anyhow::anyhow!("the diff's scratch file is damaged"))?;
        let length = u32::from_le_bytes(*length) as usize;
        anyhow::ensure!(rest.len() >= length, "the diff's scratch file is damaged");
        values.push(String::from_utf8(rest[..length].to_vec())?);
        bytes = &rest[length..];
    }
    Ok(values)
}

fn changed_params(
    old_labels: &[String],
    old: &[u8],
    new_labels: &[String],
    new: &[u8],
) -> anyhow::Result<Vec<SettingChange>> {
    let pair = |labels: &[String], values: &[u8]| -> anyhow::Result<Vec<(String, String)>> {
        Ok(labels.iter().cloned().zip(decode_params(values)?).collect())
    };
    Ok(labelled(&pair(old_labels, old)?, &pair(new_labels, new)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_read_back_as_written_whatever_they_hold() {
        let values = vec![
            String::new(),
            "Ann".to_owned(),
            "a\u{1f}b\",\n]".to_owned(),
            "ü😀".to_owned(),
        ];
        let mut bytes = Vec::new();
        encode_params(&values, &mut bytes);
        assert_eq!(decode_params(&bytes).unwrap(), values);
        assert!(decode_params(&bytes[..bytes.len() - 1]).is_err());
    }
}
