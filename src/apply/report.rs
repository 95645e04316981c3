//! The results report: a CSV with one row per recipient of the campaign,
//! written from the journal after every apply so it is complete across runs,
//! with what delivery reports said of each message (`wacast listen`).
//! Cells a spreadsheet would run as a formula are neutralised, and the file
//! is written to a temporary file and renamed, readable by its owner only.

use crate::journal::{Backend, Delivery, ReportRow};
use anyhow::Context as _;
use std::io::Write as _;
use std::path::Path;

pub const COLUMNS: [&str; 11] = [
    "line",
    "phone",
    "status",
    "message_id",
    "attempts",
    "http_status",
    "error",
    "delivery_state",
    "delivered_at",
    "read_at",
    "failure_details",
];

/// Writes the report for the journal's campaign to `path`; returns the row count.
pub fn write(journal: &dyn Backend, path: &Path) -> anyhow::Result<u64> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create `{}`", folder.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(folder)
        .with_context(|| format!("cannot create a file in `{}`", folder.display()))?;
    let mut rows = 0;
    {
        let mut csv = csv::Writer::from_writer(std::io::BufWriter::new(&mut file));
        csv.write_record(COLUMNS)?;
        journal.report_rows(&mut |row| {
            rows += 1;
            csv.write_record(cells(&row).iter().map(|cell| neutralise(cell)))?;
            Ok(())
        })?;
        csv.flush()?;
    }
    file.flush()?;
    file.as_file().sync_all()?;
    crate::fs::restrict_to_owner(file.path())?;
    file.persist(path)
        .with_context(|| format!("cannot write the report `{}`", path.display()))?;
    Ok(rows)
}

fn cells(row: &ReportRow) -> [String; 11] {
    let delivery_field = |field: fn(&Delivery) -> Option<&str>| {
        row.delivery
            .as_ref()
            .and_then(field)
            .unwrap_or_default()
            .to_owned()
    };
    [
        row.line.to_string(),
        row.phone.map(|p| p.digits()).unwrap_or_default(),
        row.state.as_str().to_owned(),
        row.message_id.clone().unwrap_or_default(),
        row.attempts.to_string(),
        row.http_status.map(|s| s.to_string()).unwrap_or_default(),
        row.error.clone().unwrap_or_default(),
        delivery_field(|d| Some(d.delivery_state.as_str())),
        delivery_field(|d| d.delivered_at.as_deref()),
        delivery_field(|d| d.read_at.as_deref()),
        delivery_field(|d| d.failure_details.as_deref()),
    ]
}

/// A cell that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) gets a
/// leading `'`, so spreadsheets show it as text instead of running it.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+447400000000"), "'+447400000000");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM"), "'@SUM");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("plain"), "plain");
    }
}
