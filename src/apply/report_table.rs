//! The results report's rows as CSV text, kept in memory in the order the
//! journal gave them and written out by line: the journal reads its rows in
//! its own order without sorting them, and ordering 32 bytes a row here
//! costs far less than the journal's sort of whole rows. The text is kept in
//! blocks of 1 MiB, so it is never copied to grow: about 95 bytes a
//! recipient in all while the report is written. The states are counted on
//! the way, so the summary needs no second pass.

use crate::journal::{ReportRow, State, StateCounts};
use std::borrow::Cow;
use std::io::Write;

pub struct ReportTable {
    /// The block being written.
    block: csv::Writer<Vec<u8>>,
    /// The full blocks: the rows' CSV text, one after another, in blocks a
    /// row never spans.
    blocks: Vec<Vec<u8>>,
    /// Where each row's text is, with what orders it.
    rows: Vec<Entry>,
    counts: StateCounts,
}

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
        Ok(())
    }

    fn cell(&mut self, text: Option<&str>) -> csv::Result<()> {
        self.block
            .write_field(&*neutralise(text.unwrap_or_default()))
    }

    /// How many rows there are.
    pub fn len(&self) -> u64 {
        self.rows.len() as u64
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
        self.retire_block()?;
        self.rows
            .sort_unstable_by_key(|entry| (entry.line, entry.phone, entry.block, entry.start));
        for entry in &self.rows {
            let start = entry.start as usize;
            let text = &self.blocks[entry.block as usize][start..start + entry.length as usize];
            out.write_all(text)?;
        }
        Ok(())
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
