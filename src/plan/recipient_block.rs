//! A version 3 plan file's recipient lines, in blocks of columns: each block
//! holds up to [`BLOCK`] recipients, written column by column (lines, digests,
//! keys, who, classes, parameters), so that what repeats from one recipient
//! to the next sits side by side for the compressor that wraps the blocks.
//!
//! - lines are varint deltas from the previous line (audience order, so 1);
//! - digests (16 bytes) and keys (8 bytes) are raw bytes, not hex: they are
//!   hashes, which nothing compresses, so they should cost no more than their
//!   bytes;
//! - `who`, the class sign and each parameter are front-coded strings: the
//!   bytes shared with the same column's previous value, then the rest
//!   (`+44 •••• ••0124` after `+44 •••• ••0123` is 14 bytes shared and `4`).
//!
//! A block is `varint count`, `varint length`, the CRC-32 of its columns
//! (4 bytes, little-endian), then `length` bytes of columns, each `varint
//! length` then its bytes; a count of 0 ends the recipients. The checksum
//! lets a reader refuse a damaged block before it hands out any of its lines
//! (the gzip stream's own checksum is only read at its end).
//! Memory is one block's columns while writing and one block's lines while
//! reading, whatever the audience's size.

use crate::message::digest::MessageDigest;
use crate::plan::plan_line::{PlanLine, PlannedRecipient};
use anyhow::{Context as _, bail, ensure};
use std::io::{Read, Write};

/// Recipients per block.
pub const BLOCK: usize = 8192;
/// The largest block a reader accepts, so a corrupt length cannot ask for
/// more memory than a real block needs.
const MAX_BLOCK_BYTES: u64 = 256 * 1024 * 1024;
const DIGEST_BYTES: usize = 16;
const KEY_BYTES: usize = 8;

/// Gathers recipient lines into a block of columns.
#[derive(Default)]
pub struct BlockEncoder {
    count: usize,
    last_line: u64,
    lines: Vec<u8>,
    digests: Vec<u8>,
    keys: Vec<u8>,
    who: Column,
    classes: Column,
    arity: Vec<u8>,
    params: Vec<Column>,
}

impl BlockEncoder {
    /// Adds `recipient`'s plan line.
    pub fn push(&mut self, recipient: &PlannedRecipient) {
        varint(
            &mut self.lines,
            zigzag(recipient.line.wrapping_sub(self.last_line)),
        );
        self.last_line = recipient.line;
        self.digests.extend_from_slice(&recipient.digest().0);
        self.keys
            .extend_from_slice(&MessageDigest::recipient_key_bytes(recipient.phone));
        self.who.push(&recipient.who());
        let mut sign = [0; 4];
        self.classes
            .push(recipient.class.sign().encode_utf8(&mut sign));
        varint(&mut self.arity, recipient.params.len() as u64);
        for (index, param) in recipient.params.iter().enumerate() {
            if self.params.len() == index {
                self.params.push(Column::default());
            }
            self.params[index].push(param);
        }
        self.count += 1;
    }

    pub fn is_full(&self) -> bool {
        self.count >= BLOCK
    }

    /// Writes the block gathered so far to `out` (nothing when it is empty)
    /// and starts the next one.
    pub fn flush(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        if self.count == 0 {
            return Ok(());
        }
        let mut body = Vec::new();
        for column in [
            &self.lines,
            &self.digests,
            &self.keys,
            &self.who.bytes,
            &self.classes.bytes,
            &self.arity,
        ] {
            put_column(&mut body, column);
        }
        varint(&mut body, self.params.len() as u64);
        for column in &self.params {
            put_column(&mut body, &column.bytes);
        }
        let mut head = Vec::new();
        varint(&mut head, self.count as u64);
        varint(&mut head, body.len() as u64);
        head.extend_from_slice(&crc32(&body).to_le_bytes());
        out.write_all(&head)?;
        out.write_all(&body)?;
        self.clear();
        Ok(())
    }

    /// Empties the columns, keeping their memory for the next block.
    fn clear(&mut self) {
        self.count = 0;
        self.last_line = 0;
        for column in [
            &mut self.lines,
            &mut self.digests,
            &mut self.keys,
            &mut self.arity,
        ] {
            column.clear();
        }
        for column in [&mut self.who, &mut self.classes]
            .into_iter()
            .chain(&mut self.params)
        {
            column.bytes.clear();
            column.last.clear();
        }
    }

    /// Writes the last block and the end of the recipients.
    pub fn finish(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        self.flush(out)?;
        out.write_all(&[0])
    }
}

/// Reads the next block's lines from `input`; `None` at the end marker.
pub fn read_block(input: &mut impl Read) -> anyhow::Result<Option<Vec<PlanLine>>> {
    let count = read_varint(input)?;
    if count == 0 {
        return Ok(None);
    }
    ensure!(count <= BLOCK as u64, "a block of {count} recipients");
    let length = read_varint(input)?;
    ensure!(length <= MAX_BLOCK_BYTES, "a block of {length} bytes");
    let mut checksum = [0; 4];
    input.read_exact(&mut checksum)?;
    let mut body = Vec::new();
    input.take(length).read_to_end(&mut body)?;
    ensure!(body.len() as u64 == length, "the file ends inside a block");
    ensure!(
        crc32(&body) == u32::from_le_bytes(checksum),
        "a block whose checksum does not match"
    );
    decode(&body, count as usize).map(Some)
}

fn decode(body: &[u8], count: usize) -> anyhow::Result<Vec<PlanLine>> {
    let mut cursor = body;
    let mut lines = Cursor(take_column(&mut cursor)?);
    let digests = take_column(&mut cursor)?;
    let keys = take_column(&mut cursor)?;
    let mut who = Cursor(take_column(&mut cursor)?);
    let mut classes = Cursor(take_column(&mut cursor)?);
    let mut arity = Cursor(take_column(&mut cursor)?);
    let param_columns = slice_varint(&mut cursor)?;
    ensure!(param_columns <= 1024, "{param_columns} parameter columns");
    let mut params = (0..param_columns)
        .map(|_| take_column(&mut cursor).map(Cursor))
        .collect::<anyhow::Result<Vec<_>>>()?;
    ensure!(
        digests.len() == count * DIGEST_BYTES && keys.len() == count * KEY_BYTES,
        "digest or key columns of the wrong length"
    );
    let (mut last_line, mut last_who, mut last_class) = (0u64, Vec::new(), Vec::new());
    let mut last_params = vec![Vec::new(); params.len()];
    let mut out = Vec::with_capacity(count);
    for index in 0..count {
        last_line = last_line.wrapping_add(unzigzag(lines.varint()?));
        let digest = &digests[index * DIGEST_BYTES..(index + 1) * DIGEST_BYTES];
        let key = &keys[index * KEY_BYTES..(index + 1) * KEY_BYTES];
        let who = who.front_coded(&mut last_who)?;
        let class = classes.front_coded(&mut last_class)?;
        let n = arity.varint()? as usize;
        ensure!(n <= params.len(), "a recipient with {n} parameters");
        let values = params[..n]
            .iter_mut()
            .zip(&mut last_params)
            .map(|(column, last)| column.front_coded(last))
            .collect::<anyhow::Result<Vec<_>>>()?;
        out.push(PlanLine(
            last_line,
            hex::encode(digest),
            hex::encode(key),
            who,
            class,
            values,
        ));
    }
    ensure!(cursor.is_empty(), "bytes after a block's last column");
    Ok(out)
}

/// A column of strings, each written as the bytes it shares with the
/// previous one and the rest.
#[derive(Default)]
struct Column {
    bytes: Vec<u8>,
    last: Vec<u8>,
}

impl Column {
    fn push(&mut self, value: &str) {
        let value = value.as_bytes();
        let shared = value
            .iter()
            .zip(&self.last)
            .take_while(|(a, b)| a == b)
            .count();
        varint(&mut self.bytes, shared as u64);
        varint(&mut self.bytes, (value.len() - shared) as u64);
        self.bytes.extend_from_slice(&value[shared..]);
        self.last.clear();
        self.last.extend_from_slice(value);
    }
}

/// Reading one column.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn varint(&mut self) -> anyhow::Result<u64> {
        slice_varint(&mut self.0)
    }

    fn front_coded(&mut self, last: &mut Vec<u8>) -> anyhow::Result<String> {
        let shared = self.varint()? as usize;
        let rest = self.varint()? as usize;
        ensure!(
            shared <= last.len() && rest <= self.0.len(),
            "a string column out of bounds"
        );
        last.truncate(shared);
        last.extend_from_slice(&self.0[..rest]);
        self.0 = &self.0[rest..];
        String::from_utf8(last.clone()).context("a string column that is not UTF-8")
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

fn put_column(out: &mut Vec<u8>, column: &[u8]) {
    varint(out, column.len() as u64);
    out.extend_from_slice(column);
}

fn take_column<'a>(cursor: &mut &'a [u8]) -> anyhow::Result<&'a [u8]> {
    let length = slice_varint(cursor)? as usize;
    ensure!(length <= cursor.len(), "a column longer than its block");
    let (column, rest) = cursor.split_at(length);
    *cursor = rest;
    Ok(column)
}

/// LEB128: seven bits a byte, low bits first.
fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn slice_varint(cursor: &mut &[u8]) -> anyhow::Result<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let Some((&byte, rest)) = cursor.split_first() else {
            bail!("a column ends inside a number");
        };
        *cursor = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Ok(value);
        }
    }
    bail!("a number longer than 64 bits")
}

fn read_varint(input: &mut impl Read) -> anyhow::Result<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let mut byte = [0];
        input.read_exact(&mut byte)?;
        value |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] < 0x80 {
            return Ok(value);
        }
    }
    bail!("a number longer than 64 bits")
}

fn zigzag(delta: u64) -> u64 {
    let signed = delta as i64;
    ((signed << 1) ^ (signed >> 63)) as u64
}

fn unzigzag(value: u64) -> u64 {
    ((value >> 1) as i64 ^ -((value & 1) as i64)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::Phone;
    use crate::plan::recipient_class::RecipientClass;

    fn recipient(line: u64, number: &str, class: char, params: &[&str]) -> PlannedRecipient {
        PlannedRecipient {
            line,
            phone: Phone::parse(number, None).unwrap(),
            message: MessageDigest::of_bytes(&line.to_be_bytes()),
            class: RecipientClass::from_sign(class).unwrap(),
            params: params.iter().map(|p| (*p).to_owned()).collect(),
            show_number: line == 7,
        }
    }

    #[test]
    fn blocks_read_back_as_written() {
        let recipients = [
            recipient(2, "+447911123456", '+', &["Ann", "20%"]),
            recipient(3, "+447911123457", '=', &["Annabel", "20%"]),
            recipient(7, "+33612345678", '+', &[]),
            recipient(5, "+12025550123", '~', &["Bo", "5%", "url C1"]),
        ];
        let lines: Vec<PlanLine> = recipients.iter().map(PlannedRecipient::to_line).collect();
        let mut encoder = BlockEncoder::default();
        let mut bytes = Vec::new();
        for recipient in &recipients {
            encoder.push(recipient);
        }
        encoder.flush(&mut bytes).unwrap();
        encoder.push(&recipients[0]);
        encoder.finish(&mut bytes).unwrap();
        let mut input = bytes.as_slice();
        assert_eq!(read_block(&mut input).unwrap().unwrap(), lines);
        assert_eq!(read_block(&mut input).unwrap().unwrap(), lines[..1]);
        assert!(read_block(&mut input).unwrap().is_none());
        assert!(input.is_empty());
    }

    #[test]
    fn a_damaged_block_is_an_error() {
        let mut encoder = BlockEncoder::default();
        let mut bytes = Vec::new();
        encoder.push(&recipient(2, "+447911123456", '+', &["Ann"]));
        encoder.finish(&mut bytes).unwrap();
        for cut in 1..bytes.len() - 1 {
            assert!(read_block(&mut &bytes[..cut]).is_err(), "cut at {cut}");
        }
        for at in 0..bytes.len() - 1 {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x10;
            assert!(
                read_block(&mut flipped.as_slice()).is_err(),
                "a bit flipped at {at}"
            );
        }
    }
}
