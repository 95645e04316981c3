//! The results report: a CSV with one row per recipient of the campaign,
//! written from the journal after every apply so it is complete across runs,
//! with what delivery reports said of each message (`wacast listen`).
//! Cells a spreadsheet would run as a formula are neutralised, and the file
//! is written to a temporary file and renamed, readable by its owner only.

use super::report_table::ReportTable;
use crate::journal::{Backend, ReportRow, StateCounts};
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

/// What a written report holds.
pub struct Written {
    pub rows: u64,
    /// How many of its rows are in each state: the journal's counts when
    /// the report was read.
    pub counts: StateCounts,
}

/// Writes the report for the journal's campaign to `path`.
pub fn write(journal: &dyn Backend, path: &Path) -> anyhow::Result<Written> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create `{}`", folder.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(folder)
        .with_context(|| format!("cannot create a file in `{}`", folder.display()))?;
    let table = read(journal)?;
    let written = Written {
        rows: table.len(),
        counts: table.counts().clone(),
    };
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, &mut file);
        let mut header = csv::Writer::from_writer(&mut out);
        header.write_record(COLUMNS)?;
        header.flush()?;
        drop(header);
        table.write_by_line(&mut out)?;
        out.flush()?;
    }
    file.as_file().sync_all()?;
    crate::fs::restrict_to_owner(file.path())?;
    file.persist(path)
        .with_context(|| format!("cannot write the report `{}`", path.display()))?;
    Ok(written)
}

/// The journal's rows in a table: the journal reads them on this thread
/// while another writes their text, so the two take about as long as the
/// longer of them.
fn read(journal: &dyn Backend) -> anyhow::Result<ReportTable> {
    let (mut rows, mut received) = crate::batched::channel::<ReportRow>();
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || {
            let mut table = ReportTable::default();
            while let Some(row) = received.receive()? {
                table.push(&row)?;
            }
            anyhow::Ok(table)
        });
        let read = journal.report_rows(&mut |row| {
            if !rows.push(row) {
                // A writer that stopped has its error to give, below.
                anyhow::bail!("the report's rows are no longer taken");
            }
            Ok(())
        });
        // The writer's rows end here either way: all of them, or (the
        // reading failed) what it has.
        if read.is_ok() {
            rows.finish();
        } else {
            drop(rows);
        }
        let written = writer
            .join()
            .map_err(|_| anyhow::anyhow!("writing the report's rows panicked"))?;
        // The writer's error explains a reading that stopped for it.
        let table = written?;
        read?;
        Ok(table)
    })
}
