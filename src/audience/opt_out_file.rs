//! Appending an opted-out number to a campaign's suppression list: a `phone`
//! header when the file is new, one `+digits` line per number, flushed to disk
//! before the callback carrying it is acknowledged.

use crate::phone::Phone;
use anyhow::Context as _;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Appends `phone` to the suppression list at `path`, creating it if needed.
pub fn append(path: &Path, phone: Phone) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the opt-out file `{}`", path.display()))?;
    let mut text = String::new();
    let length = file.seek(SeekFrom::End(0))?;
    if length == 0 {
        text.push_str("phone\n");
    } else {
        let mut last = [0u8];
        file.seek(SeekFrom::End(-1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            text.push('\n');
        }
    }
    text.push_str(&format!("+{}\n", phone.digits()));
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_data())
        .with_context(|| format!("cannot append to the opt-out file `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_with_a_header_and_appends_on_a_line_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("optout.csv");
        append(&path, Phone::from_digits("447700900123").unwrap()).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "phone\n+447700900123\n"
        );
        std::fs::write(&path, "phone\n+447700900123").unwrap();
        append(&path, Phone::from_digits("447700900124").unwrap()).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "phone\n+447700900123\n+447700900124\n"
        );
    }
}
