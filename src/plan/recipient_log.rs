//! A saved plan's recipients as the plan is built: [`RecipientLog`] hands
//! them, in batches, to a thread of its own that writes them as version 3's
//! compressed blocks ([`crate::plan::recipient_block`]) to a temporary file
//! beside the plan file; [`RecipientLog::save`] then writes the plan file,
//! header first ([`crate::plan::plan_file`]).

use crate::plan::plan_file::{PlanHeader, RecipientSink};
use crate::plan::plan_line::PlannedRecipient;
use crate::plan::recipient_block::BlockEncoder;
use anyhow::Context as _;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

/// The compression level of the recipient blocks (0 to 9): the fastest.
/// Front-coded columns leave little for a higher level to find (on the plan
/// benchmark's audience, level 6 saves about 1% of the file for more time).
const COMPRESSION: u32 = 1;

/// Recipient lines written while a plan is built, in compressed blocks
/// ([`crate::plan::recipient_block`]) to a temporary file beside the plan
/// file until the plan is saved. A thread of its own encodes and compresses
/// them, handed over in batches (a few in flight at most), so the plan's
/// pipeline does not wait for it.
pub struct RecipientLog {
    batch: Vec<PlannedRecipient>,
    sender: Option<SyncSender<Vec<PlannedRecipient>>>,
    /// Batches the thread wrote, handed back to be emptied here: memory is
    /// then freed by the thread that took it, which the allocator serves
    /// much faster than memory freed by another thread.
    written: Receiver<Vec<PlannedRecipient>>,
    writer: Option<JoinHandle<anyhow::Result<tempfile::NamedTempFile>>>,
}

/// Recipient lines handed to the log's thread at a time, and batches in flight.
const BATCH: usize = 1024;
const BATCHES_IN_FLIGHT: usize = 4;

impl RecipientLog {
    /// A log in the folder the plan file `path` will be written to.
    pub fn beside(path: &Path) -> anyhow::Result<RecipientLog> {
        let file = tempfile::NamedTempFile::new_in(folder(path))
            .with_context(|| format!("cannot create a file beside `{}`", path.display()))?;
        let (sender, receiver) = std::sync::mpsc::sync_channel(BATCHES_IN_FLIGHT);
        let (written_sender, written) = std::sync::mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("plan-file".to_owned())
            .spawn(move || write_log(receiver, written_sender, file))?;
        Ok(RecipientLog {
            batch: Vec::with_capacity(BATCH),
            sender: Some(sender),
            written,
            writer: Some(writer),
        })
    }

    /// Hands the batch to the log's thread; its error if it stopped.
    fn hand_over(&mut self) -> anyhow::Result<()> {
        let next = match self.written.try_recv() {
            Ok(mut written) => {
                written.clear();
                written
            }
            Err(_) => Vec::with_capacity(BATCH),
        };
        let batch = std::mem::replace(&mut self.batch, next);
        let sent = self.sender.as_ref().map(|sender| sender.send(batch));
        if let Some(Ok(())) = sent {
            return Ok(());
        }
        self.sender = None;
        self.finish_writing().map(drop)
    }

    /// Ends the log's thread: the finished, compressed log.
    fn finish_writing(&mut self) -> anyhow::Result<tempfile::NamedTempFile> {
        self.sender = None;
        let writer = self
            .writer
            .take()
            .context("the plan's recipient log is already closed")?;
        match writer.join() {
            Ok(log) => log.context("cannot write the plan's recipient log"),
            Err(_) => anyhow::bail!("the plan's recipient log stopped"),
        }
    }
}

/// The log's thread: lines in, blocks out, compressed, until the log closes;
/// each batch, once written, goes back to `written`.
fn write_log(
    receiver: Receiver<Vec<PlannedRecipient>>,
    written: Sender<Vec<PlannedRecipient>>,
    file: tempfile::NamedTempFile,
) -> anyhow::Result<tempfile::NamedTempFile> {
    let mut blocks = BlockEncoder::default();
    let mut out = GzEncoder::new(BufWriter::new(file), Compression::new(COMPRESSION));
    for batch in receiver {
        for recipient in &batch {
            blocks.push(recipient);
            if blocks.is_full() {
                blocks.flush(&mut out)?;
            }
        }
        let _ = written.send(batch);
    }
    blocks.finish(&mut out)?;
    Ok(out.finish()?.into_inner().map_err(|e| e.into_error())?)
}

impl RecipientSink for RecipientLog {
    fn push(&mut self, recipient: PlannedRecipient) -> anyhow::Result<()> {
        self.batch.push(recipient);
        if self.batch.len() >= BATCH {
            self.hand_over()?;
        }
        Ok(())
    }
}

impl Drop for RecipientLog {
    /// A log never saved (an invalid plan) ends its thread, which removes
    /// the temporary file, before the process can exit.
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = self.finish_writing();
        }
    }
}

impl RecipientLog {
    /// Writes the plan file: `header`, then the logged recipients. It goes to
    /// a temporary file renamed into place, so a reader never sees half a plan.
    pub fn save(mut self, header: &PlanHeader, path: &Path) -> anyhow::Result<()> {
        self.hand_over()?;
        let mut log = self.finish_writing()?;
        log.as_file_mut().rewind()?;
        let mut out = tempfile::NamedTempFile::new_in(folder(path))
            .with_context(|| format!("cannot create a file beside `{}`", path.display()))?;
        {
            let mut writer = BufWriter::new(&mut out);
            serde_json::to_writer(&mut writer, header)?;
            writer.write_all(b"\n")?;
            std::io::copy(log.as_file_mut(), &mut writer)?;
            writer.flush()?;
        }
        out.as_file().sync_all()?;
        out.persist(path)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok(())
    }
}

fn folder(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::digest::MessageDigest;
    use crate::phone::Phone;
    use crate::plan::counts::Counts;
    use crate::plan::plan_file::{FORMAT, PlanState, VERSION, read};
    use crate::plan::recipient_class::RecipientClass;

    /// A recipient shaped like the plan benchmark's (`benches/plan.rs`).
    fn bench_recipient(row: u64) -> PlannedRecipient {
        let cities = ["London", "Leeds", "York", "Bristol", "Cardiff", "Glasgow"];
        let segment = if row.is_multiple_of(3) {
            "vip"
        } else {
            "regular"
        };
        let params = vec![
            format!("https://cdn.example.com/{segment}/spring.jpg"),
            format!("Name{row}"),
            cities[row as usize % cities.len()].to_owned(),
            "20%".to_owned(),
            format!("url C{row:07}"),
        ];
        PlannedRecipient {
            line: row + 2,
            phone: Phone::parse(&format!("+44{}", 7_400_000_000 + row), None).unwrap(),
            message: MessageDigest::of_bytes(params.join("\0").as_bytes()),
            class: RecipientClass::Send,
            params,
            show_number: false,
        }
    }

    fn header() -> PlanHeader {
        PlanHeader {
            format: FORMAT.to_owned(),
            version: VERSION,
            campaign: "bench".to_owned(),
            campaign_file: "campaign.yaml".to_owned(),
            inputs: Vec::new(),
            counts: Counts::default(),
            messages_digest: String::new(),
            settings: Vec::new(),
            param_labels: Vec::new(),
            state: PlanState::default(),
            shown: None,
        }
    }

    #[test]
    fn a_benchmark_shaped_plan_takes_under_48_bytes_a_recipient() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.plan");
        let rows = 40_000;
        let mut log = RecipientLog::beside(&path).unwrap();
        for row in 0..rows {
            log.push(bench_recipient(row)).unwrap();
        }
        log.save(&header(), &path).unwrap();
        let bytes = std::fs::metadata(&path).unwrap().len();
        let per_recipient = bytes as f64 / rows as f64;
        assert!(
            per_recipient <= 48.0,
            "{per_recipient:.1} bytes a recipient"
        );
        let (read_header, lines) = read(&path).unwrap();
        assert_eq!(read_header, header());
        let mut count = 0;
        for (row, line) in lines.enumerate() {
            assert_eq!(line.unwrap(), bench_recipient(row as u64).to_line());
            count += 1;
        }
        assert_eq!(count, rows);
    }
}
