//! The results report's rows as CSV text, kept in the order the journal gave
//! them and written out by line: the journal reads its rows in its own order
//! without sorting them, and ordering 32 bytes a row here costs far less
//! than the journal's sort of whole rows. The text is kept in blocks of
//! 1 MiB, so it is never copied to grow, and every 524,288 rows (about 50 MB)
//! the rows held are sorted and written to an unlinked temporary file; the
//! files are then merged by line, so memory stays bounded whatever the
//! audience. The states are counted on the way, so the summary needs no
//! second pass.

use crate::journal::{ReportRow, State, StateCounts};
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

pub struct ReportTable {
    /// The block being written.
    block: csv::Writer<Vec<u8>>,
    /// The full blocks: the rows' CSV text, one after another, in blocks a
    /// row never spans.
    blocks: Vec<Vec<u8>>,
    /// Where each row's text is, with what orders it.
    rows: Vec<Entry>,
    /// Rows written out sorted, a file for each time `rows` filled.
    runs: Vec<std::fs::File>,
    /// How many rows `rows` holds before they are written out.
    run_rows: usize,
    /// How many rows there are in all.
    total: u64,
    counts: StateCounts,
}

/// Rows held in memory before they are written out sorted.
const RUN_ROWS: usize = 1 << 19;

/// One row: ordered by line, then number (a skipped row without one first),
/// then the journal's order, so the report is the same whichever order the
/// journal gave.
#[derive(Clone, Copy)]
struct Entry {
    line: u64,
    phone: u64,
    block: u32,
    start: u32,
    length: u32,
}

/// A block's size: a block is full once it holds this much.
const BLOCK: usize = 1 << 20;

/// A new block, with room for its last row to go past [`BLOCK`] without
/// being moved (unless that row is very long).
fn block() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::with_capacity(BLOCK + (64 << 10)))
}

impl Default for ReportTable {
    fn default() -> Self {
        ReportTable {
            block: block(),
            blocks: Vec::new(),
            rows: Vec::new(),
            runs: Vec::new(),
            run_rows: RUN_ROWS,
            total: 0,
            counts: StateCounts::default(),
        }
    }
}

impl ReportTable {
    /// Adds `row`, its text cells neutralised for spreadsheets.
    pub fn push(&mut self, row: &ReportRow) -> anyhow::Result<()> {
        let start = self.block.get_ref().len();
        let mut number = itoa::Buffer::new();
        self.block.write_field(number.format(row.line))?;
        match row.phone {
            Some(phone) => self.block.write_field(number.format(phone.as_u64()))?,
            None => self.block.write_field("")?,
        }
        self.block.write_field(row.state.as_str())?;
        self.cell(row.message_id.as_deref())?;
        self.block.write_field(number.format(row.attempts))?;
        match row.http_status {
            Some(status) => self.block.write_field(number.format(status))?,
            None => self.block.write_field("")?,
        }
        self.cell(row.error.as_deref())?;
        let delivery = row.delivery.as_ref();
        self.cell(delivery.map(|d| d.delivery_state.as_str()))?;
        self.cell(delivery.and_then(|d| d.delivered_at.as_deref()))?;
        self.cell(delivery.and_then(|d| d.read_at.as_deref()))?;
        self.cell(delivery.and_then(|d| d.failure_details.as_deref()))?;
        self.block.write_record(None::<&[u8]>)?;
        self.block.flush()?;
        let end = self.block.get_ref().len();
        let too_large = || anyhow::anyhow!("the report's row at line {} is too large", row.line);
        self.rows.push(Entry {
            line: row.line,
            phone: row.phone.map_or(0, |p| p.as_u64()),
            block: u32::try_from(self.blocks.len()).map_err(|_| too_large())?,
            start: u32::try_from(start).map_err(|_| too_large())?,
            length: u32::try_from(end - start).map_err(|_| too_large())?,
        });
        if end >= BLOCK {
            self.retire_block()?;
        }
        match row.state {
            State::Skipped => self.counts.skipped += 1,
            state => self.counts.add(state, 1),
        }
        self.total += 1;
        if self.rows.len() >= self.run_rows {
            self.write_run()?;
        }
        Ok(())
    }

    /// Sorts the rows held and writes them to a file of their own, each as
    /// its line, number and length (8, 8 and 4 bytes) and its text.
    fn write_run(&mut self) -> anyhow::Result<()> {
        let mut file = tempfile::tempfile()?;
        {
            let mut out = BufWriter::with_capacity(1 << 16, &mut file);
            self.write_sorted(&mut |entry, text| {
                out.write_all(&entry.line.to_le_bytes())?;
                out.write_all(&entry.phone.to_le_bytes())?;
                out.write_all(&entry.length.to_le_bytes())?;
                out.write_all(text)
            })?;
            out.flush()?;
        }
        file.seek(SeekFrom::Start(0))?;
        self.runs.push(file);
        self.rows.clear();
        self.blocks.clear();
        Ok(())
    }

    /// Hands each row held to `write` in order, with its text.
    fn write_sorted(
        &mut self,
        write: &mut dyn FnMut(&Entry, &[u8]) -> std::io::Result<()>,
    ) -> anyhow::Result<()> {
        self.retire_block()?;
        self.rows
            .sort_unstable_by_key(|entry| (entry.line, entry.phone, entry.block, entry.start));
        for entry in &self.rows {
            let start = entry.start as usize;
            write(
                entry,
                &self.blocks[entry.block as usize][start..start + entry.length as usize],
            )?;
        }
        Ok(())
    }

    fn cell(&mut self, text: Option<&str>) -> csv::Result<()> {
        self.block
            .write_field(&*neutralise(text.unwrap_or_default()))
    }

    /// How many rows there are.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// How many rows are in each state.
    pub fn counts(&self) -> &StateCounts {
        &self.counts
    }

    fn retire_block(&mut self) -> anyhow::Result<()> {
        let full = std::mem::replace(&mut self.block, block());
        self.blocks
            .push(full.into_inner().map_err(|e| e.into_error())?);
        Ok(())
    }

    /// Writes the rows to `out` in line order.
    pub fn write_by_line(mut self, out: &mut dyn Write) -> anyhow::Result<()> {
        if self.runs.is_empty() {
            return self.write_sorted(&mut |_, text| out.write_all(text));
        }
        if !self.rows.is_empty() {
            self.write_run()?;
        }
        // Each file is sorted: the smallest of their first rows goes next,
        // an earlier file first between equals (the journal's order).
        let mut runs: Vec<Run> = self.runs.into_iter().map(Run::new).collect();
        let mut heads = BinaryHeap::new();
        for (index, run) in runs.iter_mut().enumerate() {
            if let Some(key) = run.advance()? {
                heads.push(Reverse((key, index)));
            }
        }
        while let Some(Reverse((_, index))) = heads.pop() {
            let run = &mut runs[index];
            out.write_all(&run.text)?;
            if let Some(key) = run.advance()? {
                heads.push(Reverse((key, index)));
            }
        }
        Ok(())
    }
}

/// One sorted file of rows, read a row at a time.
struct Run {
    reader: BufReader<std::fs::File>,
    /// The text of the row read last.
    text: Vec<u8>,
}

impl Run {
    fn new(file: std::fs::File) -> Run {
        Run {
            reader: BufReader::with_capacity(1 << 16, file),
            text: Vec::new(),
        }
    }

    /// Reads the next row: its line and number, its text into `text`.
    fn advance(&mut self) -> std::io::Result<Option<(u64, u64)>> {
        let mut line = [0; 8];
        match self.reader.read_exact(&mut line) {
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            read => read?,
        }
        let (mut phone, mut length) = ([0; 8], [0; 4]);
        self.reader.read_exact(&mut phone)?;
        self.reader.read_exact(&mut length)?;
        self.text.resize(u32::from_le_bytes(length) as usize, 0);
        self.reader.read_exact(&mut self.text)?;
        Ok(Some((u64::from_le_bytes(line), u64::from_le_bytes(phone))))
    }
}

/// A cell that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) gets a
/// leading `'`, so spreadsheets show it as text instead of running it.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Delivery;
    use crate::phone::Phone;

    fn row(line: u64, phone: Option<u64>, state: State) -> ReportRow {
        ReportRow {
            line,
            phone: phone.map(|p| Phone::from_stored(p as i64).unwrap()),
            state,
            message_id: None,
            attempts: 0,
            http_status: None,
            error: None,
            delivery: None,
        }
    }

    fn written(table: ReportTable) -> String {
        let mut out = Vec::new();
        table.write_by_line(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+447400000000"), "'+447400000000");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM"), "'@SUM");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("plain"), "plain");
    }

    #[test]
    fn rows_come_out_by_line_then_number_whatever_order_they_came_in() {
        let mut table = ReportTable::default();
        table
            .push(&row(7, Some(447_400_000_002), State::Sent))
            .unwrap();
        table
            .push(&row(3, Some(447_400_000_009), State::Pending))
            .unwrap();
        table
            .push(&row(3, Some(447_400_000_001), State::Failed))
            .unwrap();
        table.push(&row(3, None, State::Skipped)).unwrap();
        table
            .push(&row(12, Some(447_400_000_003), State::Skipped))
            .unwrap();
        assert_eq!(table.len(), 5);
        let counts = table.counts().clone();
        assert_eq!(
            (
                counts.sent,
                counts.pending,
                counts.failed,
                counts.skipped,
                counts.unknown
            ),
            (1, 1, 1, 2, 0)
        );
        assert_eq!(
            written(table),
            "3,,skipped,,0,,,,,,\n\
             3,447400000001,failed,,0,,,,,,\n\
             3,447400000009,pending,,0,,,,,,\n\
             7,447400000002,sent,,0,,,,,,\n\
             12,447400000003,skipped,,0,,,,,,\n"
        );
    }

    #[test]
    fn rows_written_out_in_several_files_merge_to_the_same_report() {
        let rows: Vec<ReportRow> = (0..1_000u64)
            .map(|n| {
                let line = (n * 7_919) % 1_000 + 2;
                let state = if n % 3 == 0 {
                    State::Skipped
                } else {
                    State::Sent
                };
                let phone = (n % 5 != 0).then_some(447_400_000_000 + (n * 31) % 997);
                row(line / 2, phone, state)
            })
            .collect();
        let mut in_memory = ReportTable::default();
        let mut in_files = ReportTable {
            run_rows: 64,
            ..ReportTable::default()
        };
        for row in &rows {
            in_memory.push(row).unwrap();
            in_files.push(row).unwrap();
        }
        assert!(in_memory.runs.is_empty());
        assert_eq!(in_files.runs.len(), 15, "1,000 rows, 64 at a time");
        assert_eq!(in_files.len(), 1_000);
        assert_eq!(in_files.counts(), in_memory.counts());
        let merged = written(in_files);
        assert_eq!(merged, written(in_memory));
        let lines: Vec<u64> = merged
            .lines()
            .map(|l| l.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert!(lines.is_sorted(), "by line");
    }

    #[test]
    fn every_column_is_written_quoted_where_csv_needs_it_and_neutralised() {
        let mut table = ReportTable::default();
        table
            .push(&ReportRow {
                message_id: Some("=cmd".into()),
                attempts: 2,
                http_status: Some(400),
                error: Some("bad, \"quoted\"\nvalue".into()),
                delivery: Some(Delivery {
                    message_id: "m1".into(),
                    delivery_state: "failed".into(),
                    delivered_at: Some("2026-11-21T10:00:05Z".into()),
                    read_at: None,
                    failure_details: Some("+1 reason".into()),
                }),
                ..row(2, Some(447_400_000_001), State::Failed)
            })
            .unwrap();
        assert_eq!(
            written(table),
            "2,447400000001,failed,'=cmd,2,400,\"bad, \"\"quoted\"\"\nvalue\",failed,2026-11-21T10:00:05Z,,'+1 reason\n"
        );
    }
}
