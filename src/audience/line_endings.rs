//! A reader that turns CRLF line endings into LF as bytes stream through, so
//! the CSV parser counts lines the same way for files saved on any system
//! (it otherwise reports the line before for records after a CRLF).

use std::io::{self, Read};

pub struct LfReader<R> {
    inner: R,
    buffer: Vec<u8>,
    position: usize,
    filled: usize,
}

impl<R: Read> LfReader<R> {
    pub fn new(inner: R) -> LfReader<R> {
        LfReader {
            inner,
            buffer: vec![0; 64 * 1024],
            position: 0,
            filled: 0,
        }
    }

    /// Makes sure the byte after a `\r` at the end of the buffer is there too.
    fn look_past_cr(&mut self) -> io::Result<()> {
        if self.position + 1 == self.filled {
            self.buffer[0] = b'\r';
            self.filled = 1 + self.inner.read(&mut self.buffer[1..])?;
            self.position = 0;
        }
        Ok(())
    }
}

impl<R: Read> Read for LfReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut written = 0;
        while written < out.len() {
            if self.position == self.filled {
                if written > 0 {
                    break;
                }
                self.filled = self.inner.read(&mut self.buffer)?;
                self.position = 0;
                if self.filled == 0 {
                    break;
                }
            }
            let byte = self.buffer[self.position];
            if byte == b'\r' {
                self.look_past_cr()?;
                if self.buffer.get(self.position + 1) == Some(&b'\n')
                    && self.position + 1 < self.filled
                {
                    self.position += 1;
                    continue;
                }
            }
            out[written] = byte;
            written += 1;
            self.position += 1;
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(input: &[u8], chunk: usize) -> Vec<u8> {
        let mut reader = LfReader::new(input);
        let mut out = Vec::new();
        let mut buffer = vec![0; chunk];
        loop {
            let n = reader.read(&mut buffer).unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buffer[..n]);
        }
    }

    #[test]
    fn crlf_becomes_lf_and_lone_cr_stays() {
        for chunk in [1, 2, 3, 64] {
            assert_eq!(
                convert(b"a,b\r\nc\rd\r\n\r\n", chunk),
                b"a,b\nc\rd\n\n",
                "chunk {chunk}"
            );
            assert_eq!(convert(b"x\r", chunk), b"x\r", "chunk {chunk}");
        }
    }
}
