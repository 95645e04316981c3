//! The bound on one audience record: a reader between the file and the CSV
//! parser that refuses to hand over more than [`MAX_RECORD_BYTES`] (plus the
//! parser's own read-ahead) past the start of the record being parsed, so a
//! record that never ends (`/dev/zero`, an unclosed quote in a large file)
//! stops with a clear error instead of growing without limit.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The longest record read, in bytes: far beyond any real audience row, so
/// only a runaway record meets it.
pub const MAX_RECORD_BYTES: u64 = 1024 * 1024;

/// The longest cell kept, in bytes. WhatsApp's longest parameter is 1,024
/// characters; other columns get room for notes.
pub const MAX_CELL_BYTES: usize = 64 * 1024;

/// Room for the CSV parser's read-ahead past the record it parses.
const READ_AHEAD: u64 = 64 * 1024;

/// Where the record being parsed starts, set by the owner of the parser.
#[derive(Clone, Default)]
pub struct RecordStart(Arc<AtomicU64>);

impl RecordStart {
    /// The record being parsed starts at `byte` of the stream.
    pub fn set(&self, byte: u64) {
        self.0.store(byte, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The error a runaway record ends with; [`is_runaway`] recognises it.
#[derive(Debug)]
struct RunawayRecord;

impl std::fmt::Display for RunawayRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a record longer than {} MiB", MAX_RECORD_BYTES >> 20)
    }
}

impl std::error::Error for RunawayRecord {}

/// Whether `error` is a record that ran past [`MAX_RECORD_BYTES`].
pub fn is_runaway(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<RunawayRecord>())
}

pub struct RecordBound<R> {
    inner: R,
    read: u64,
    start: RecordStart,
}

impl<R: Read> RecordBound<R> {
    pub fn new(inner: R, start: RecordStart) -> RecordBound<R> {
        RecordBound {
            inner,
            read: 0,
            start,
        }
    }
}

impl<R: Read> Read for RecordBound<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let limit = self.start.get() + MAX_RECORD_BYTES + READ_AHEAD;
        let room = limit.saturating_sub(self.read);
        if room == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, RunawayRecord));
        }
        let len = out.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut out[..len])?;
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_that_never_ends_stops_near_the_bound() {
        let start = RecordStart::default();
        let mut reader = RecordBound::new(io::repeat(b'x'), start.clone());
        let mut sink = Vec::new();
        let error = reader.read_to_end(&mut sink).unwrap_err();
        assert!(is_runaway(&error), "{error}");
        assert_eq!(sink.len() as u64, MAX_RECORD_BYTES + READ_AHEAD);
    }

    #[test]
    fn each_record_gets_the_whole_bound_again() {
        let start = RecordStart::default();
        let mut reader = RecordBound::new(io::repeat(b'x'), start.clone());
        let mut buffer = vec![0; 1 << 20];
        for record in 1..5u64 {
            reader.read_exact(&mut buffer).unwrap();
            start.set(record << 20);
        }
    }
}
