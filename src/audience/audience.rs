//! The audience CSV, read as a stream: one header row, then one recipient per
//! record. Handles a UTF-8 BOM, CRLF, quoted fields with delimiters and newlines,
//! and detects `,`, `;` or tab. A broken record (invalid UTF-8, wrong number of
//! fields) is reported with its line and reading goes on, so one pass finds all.

use crate::audience::line_endings::LfReader;
use crate::audience::record_bound::{
    MAX_CELL_BYTES, MAX_RECORD_BYTES, RecordBound, RecordStart, is_runaway,
};
use crate::diagnostic::{Diagnostic, EXCERPT_CHARS, excerpt};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The header row: column names and where each is.
#[derive(Debug)]
pub struct Headers {
    pub names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Headers {
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The column name closest to `name`, for "did you mean".
    pub fn closest(&self, name: &str) -> Option<&str> {
        self.names
            .iter()
            .map(|known| {
                (
                    strsim::normalized_damerau_levenshtein(
                        &known.to_lowercase(),
                        &name.to_lowercase(),
                    ),
                    known,
                )
            })
            .filter(|(score, _)| *score >= 0.6)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, known)| known.as_str())
    }
}

/// One audience record and the line it starts on.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub record: csv::StringRecord,
}

/// An open audience file positioned after its header row.
pub struct Audience {
    pub path: PathBuf,
    pub headers: Arc<Headers>,
    reader: csv::Reader<Box<dyn Read + Send + Sync>>,
    record: csv::ByteRecord,
    /// Where the record being read starts, for the record bound.
    start: RecordStart,
    /// The line the next record starts on.
    next_line: u64,
    /// Set after an I/O error: the rest of the file cannot be read.
    broken: bool,
}

impl Audience {
    /// Opens `path` and reads its header row.
    pub fn open(path: &Path, delimiter: Option<u8>) -> Result<Audience, Diagnostic> {
        let file = File::open(path).map_err(|error| {
            Diagnostic::error(
                "audience.read",
                format!("cannot read the audience file: {error}"),
            )
            .at(path, 1, 0)
        })?;
        Audience::read(file, path, delimiter)
    }

    /// Reads the audience from `file` (a copy of `path`, from its start),
    /// naming `path` in every problem, and reads its header row.
    pub fn read(file: File, path: &Path, delimiter: Option<u8>) -> Result<Audience, Diagnostic> {
        let mut input = BufReader::with_capacity(256 * 1024, file);
        skip_bom(&mut input).map_err(|error| read_error(path, &error))?;
        let delimiter = match delimiter {
            Some(delimiter) => delimiter,
            None => detect_delimiter(input.fill_buf().map_err(|error| read_error(path, &error))?),
        };
        let start = RecordStart::default();
        let bounded = RecordBound::new(LfReader::new(input), start.clone());
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(Box::new(bounded) as Box<dyn Read + Send + Sync>);
        let headers = read_headers(path, &mut reader)?;
        let mut audience = Audience {
            path: path.to_owned(),
            headers: Arc::new(headers),
            reader,
            record: csv::ByteRecord::new(),
            start,
            next_line: 2,
            broken: false,
        };
        audience.record_ended();
        Ok(audience)
    }

    /// Moves the record bound to the record after the one just read.
    fn record_ended(&mut self) {
        let position = self.reader.position();
        self.start.set(position.byte());
        self.next_line = position.line();
    }

    /// The next record, a problem with it, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Option<Result<Row, Diagnostic>> {
        if self.broken {
            return None;
        }
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                self.record_ended();
                Some(self.row())
            }
            Err(error) => {
                self.broken = error.is_io_error();
                if !self.broken {
                    self.record_ended();
                }
                Some(Err(self.csv_error(&error)))
            }
        }
    }

    fn row(&self) -> Result<Row, Diagnostic> {
        let line = self.record.position().map_or(0, |p| p.line());
        if let Some((index, cell)) = (0..self.record.len())
            .map(|index| (index, &self.record[index]))
            .find(|(_, cell)| cell.len() > MAX_CELL_BYTES)
        {
            let column = self.headers.names.get(index).map_or_else(
                || format!("field {}", index + 1),
                |name| format!("column `{name}`"),
            );
            let start = String::from_utf8_lossy(&cell[..EXCERPT_CHARS.min(cell.len())]);
            return Err(Diagnostic::error(
                "audience.cell_too_long",
                format!(
                    "{column} holds {} bytes, more than the {} KiB a cell may hold: `{}`",
                    cell.len(),
                    MAX_CELL_BYTES >> 10,
                    excerpt(&start),
                ),
            )
            .at(&self.path, line, 0)
            .help("a quote left open joins the lines after it into one cell: close it, or double quotes inside a quoted field (\"\")"));
        }
        let expected = self.headers.names.len();
        if self.record.len() != expected {
            return Err(Diagnostic::error(
                "audience.ragged",
                format!(
                    "the row has {} field(s) but the header has {expected}",
                    self.record.len()
                ),
            )
            .at(&self.path, line, 0)
            .help("quote fields that contain the delimiter, and give every row the same number of fields"));
        }
        match csv::StringRecord::from_byte_record(self.record.clone()) {
            Ok(record) => Ok(Row { line, record }),
            Err(error) => {
                let column = error
                    .utf8_error()
                    .field()
                    .checked_sub(0)
                    .and_then(|index| self.headers.names.get(index))
                    .map_or_else(String::new, |name| format!(" in column `{name}`"));
                Err(Diagnostic::error(
                    "audience.encoding",
                    format!("the row is not valid UTF-8{column}"),
                )
                .at(&self.path, line, 0)
                .help("save the audience as UTF-8"))
            }
        }
    }

    fn csv_error(&self, error: &csv::Error) -> Diagnostic {
        if let csv::ErrorKind::Io(io) = error.kind()
            && is_runaway(io)
        {
            return Diagnostic::error(
                "audience.record_too_long",
                format!(
                    "the record starting on line {} runs past {} MiB without ending; the rest of the audience was not read",
                    self.next_line,
                    MAX_RECORD_BYTES >> 20
                ),
            )
            .at(&self.path, self.next_line, 0)
            .help("a quote left open on this line joins everything after it into one record: close it, or double quotes inside a quoted field (\"\")");
        }
        let line = error.position().map_or(0, |p| p.line());
        Diagnostic::error(
            "audience.read",
            format!("cannot read the audience: {error}"),
        )
        .at(&self.path, line, 0)
    }
}

fn read_error(path: &Path, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        "audience.read",
        format!("cannot read the audience file: {error}"),
    )
    .at(path, 1, 0)
}

fn skip_bom(input: &mut BufReader<File>) -> std::io::Result<()> {
    if input.fill_buf()?.starts_with(&[0xEF, 0xBB, 0xBF]) {
        input.consume(3);
    }
    Ok(())
}

/// The delimiter among `,` `;` and tab that the first line uses most, outside quotes.
pub fn detect_delimiter(start: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &byte in start {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                for (delimiter, count) in &mut counts {
                    if byte == *delimiter {
                        *count += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .max_by_key(|(_, count)| *count)
        .filter(|(_, n)| *n > 0)
        .map_or(b',', |(d, _)| *d)
}

fn read_headers(
    path: &Path,
    reader: &mut csv::Reader<Box<dyn Read + Send + Sync>>,
) -> Result<Headers, Diagnostic> {
    let mut record = csv::ByteRecord::new();
    let found = reader.read_byte_record(&mut record).map_err(|error| {
        Diagnostic::error(
            "audience.read",
            format!("cannot read the header row: {error}"),
        )
        .at(path, 1, 0)
    })?;
    if !found {
        return Err(Diagnostic::error(
            "audience.header",
            "the audience file is empty; it needs a header row",
        )
        .at(path, 1, 0));
    }
    let record = csv::StringRecord::from_byte_record(record).map_err(|_| {
        Diagnostic::error("audience.encoding", "the header row is not valid UTF-8").at(path, 1, 0)
    })?;
    let names: Vec<String> = record.iter().map(|name| name.trim().to_owned()).collect();
    let mut index = HashMap::new();
    for (position, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(Diagnostic::error(
                "audience.header",
                format!("column {} of the header row has no name", position + 1),
            )
            .at(path, 1, 0));
        }
        if index.insert(name.clone(), position).is_some() {
            return Err(Diagnostic::error(
                "audience.header",
                format!("the header row names column `{name}` twice"),
            )
            .at(path, 1, 0));
        }
    }
    Ok(Headers { names, index })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_delimiter_of_the_header_line() {
        assert_eq!(detect_delimiter(b"phone;name;\"a,b,c\"\n1,2,3,4"), b';');
        assert_eq!(detect_delimiter(b"phone\tname\n"), b'\t');
        assert_eq!(detect_delimiter(b"phone,name\n"), b',');
        assert_eq!(detect_delimiter(b"phone\n"), b',');
    }
}
