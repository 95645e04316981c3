//! Planning into the journal, in two readings of the same audience (a
//! private copy of the file, so both read the same bytes):
//!
//! 1. [`check`] runs the pipeline as plan does, writing nothing: counts,
//!    problems, skipped rows and who this run will send. An invalid plan
//!    ends here with nothing written.
//! 2. [`stage`] runs it again while apply sends, publishing each recipient to
//!    send in chunks (the first small, so the first request leaves soon);
//!    every row must come out as the check saw it (same first line, same
//!    message), so what is sent is exactly what was checked.
//!
//! A recipient the journal already settled is left as it is, with nothing
//! written: sent (whatever the message now), failed (unless `--retry-failed`)
//! or unknown (unless `--resend-unknown`). Both readings know them from the
//! campaign's recipients read once ([`KnownRecipients`]); repeated numbers
//! are found in memory, from each number's first line and message.

use crate::audience::Audience;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::journal::{KnownRecipients, SkippedRow, Stage, State};
use crate::message::digest::MessageDigest;
use crate::phone::{NumberMap, Phone};
use crate::pipeline::{FirstSeen, Loaded, RowOutcome};
use crate::plan::Counts;
use crate::schedule::ColumnZones;
use std::cell::Cell;
use std::sync::OnceLock;

/// Recipients published before the first request can leave.
const FIRST_CHUNK: usize = 256;
/// The most recipients published in one transaction. Each chunk's bodies
/// land all over the journal's `messages` (keyed by digest), so every
/// commit rewrites pages that earlier ones wrote: at 8,192 an apply of
/// 1,000,000 took 66.9 s (45.7 s of it in the kernel), at 32,768 51.1 s
/// (28.8 s); 65,536 gained little more (50.0 s) for a longer hold of the
/// write lock and about 5 MB more memory.
const LARGEST_CHUNK: usize = 32_768;

/// What the journal already holds, and which of its recipients this run
/// sends again.
pub struct Settled {
    pub known: KnownRecipients,
    pub resend_unknown: bool,
    pub retry_failed: bool,
}

impl Settled {
    /// Whether `phone` stays as the journal has them (whatever their message
    /// now), so this run writes nothing of them.
    fn leaves_alone(&self, phone: Phone) -> bool {
        match self.known.state(phone) {
            Some(state) => match state {
                State::Sent => true,
                State::Failed => !self.retry_failed,
                State::Unknown | State::InFlight => !self.resend_unknown,
                State::Pending | State::Skipped => false,
            },
            None => false,
        }
    }
}

/// Each number's first line and the first 32 bits of its message digest, as
/// the check read them: 8 bytes each beside the number, in a table sized up
/// front for the audience's lines (so it never grows, and never holds two
/// tables at once while it does). The digest bits only decide whether a
/// repeat's message differs from the first's, for its warning.
pub struct FirstLines(NumberMap<u64>);

impl FirstLines {
    /// Room for `rows` numbers.
    pub fn with_capacity(rows: usize) -> FirstLines {
        let mut map = NumberMap::default();
        map.reserve(rows);
        FirstLines(map)
    }

    /// The 32 bits of `digest` kept.
    fn bits(digest: &MessageDigest) -> u64 {
        digest.prefix() >> 32
    }

    fn pack(line: u64, digest: &MessageDigest) -> u64 {
        u64::from(u32::try_from(line).unwrap_or(u32::MAX)) << 32 | FirstLines::bits(digest)
    }

    /// The first line and digest bits packed in `packed`.
    fn unpack(packed: u64) -> (u64, u64) {
        (packed >> 32, packed & 0xFFFF_FFFF)
    }

    /// The first line of `phone`, if seen, and whether its message is `digest`.
    fn get(&self, phone: Phone, digest: &MessageDigest) -> Option<(u64, bool)> {
        let (line, bits) = FirstLines::unpack(*self.0.get(&phone.as_u64())?);
        Some((line, bits == FirstLines::bits(digest)))
    }
}

impl FirstSeen for FirstLines {
    fn first(&mut self, phone: Phone, line: u64, digest: MessageDigest) -> Option<(u64, bool)> {
        match self.0.entry(phone.as_u64()) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let (first_line, bits) = FirstLines::unpack(*first.get());
                Some((first_line, bits == FirstLines::bits(&digest)))
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(FirstLines::pack(line, &digest));
                None
            }
        }
    }
}

/// What checking the whole plan found.
pub struct Checked {
    pub counts: Counts,
    pub diagnostics: Diagnostics,
    /// Recipients this run sends, of those checked once the journal's
    /// recipients were read.
    pub to_send: u64,
    /// Recipients checked before the journal's recipients were read: see
    /// [`Checked::settle`].
    pub unsettled: Vec<Phone>,
    /// Rows planned as skipped.
    pub skipped: Vec<SkippedRow>,
    pub first_lines: FirstLines,
}

impl Checked {
    /// Counts who this run sends among the recipients checked before the
    /// journal's recipients were read.
    pub fn settle(&mut self, settled: &Settled) {
        let unsettled = std::mem::take(&mut self.unsettled);
        self.to_send += unsettled
            .into_iter()
            .filter(|phone| !settled.leaves_alone(*phone))
            .count() as u64;
    }
}

/// The first reading: counts, problems and who goes, writing nothing. Zones
/// the audience's time-zone column gives go into `zones`.
/// `rows` is about how many rows the audience has, to size the tables.
/// `settled` is filled in once the journal's recipients are read, meanwhile
/// on another thread: the recipients checked before are kept to
/// [`Checked::settle`] then.
pub fn check(
    loaded: &mut Loaded,
    settled: &OnceLock<Settled>,
    rows: usize,
    zones: &mut ColumnZones,
) -> Checked {
    let mut diagnostics = std::mem::take(&mut loaded.warnings);
    let mut first_lines = FirstLines::with_capacity(rows);
    let mut counts = Counts::default();
    let (mut to_send, mut skipped, mut unsettled) = (0, Vec::new(), Vec::new());
    loaded.stream_digests(&mut first_lines, &mut diagnostics, |outcome| {
        counts.count(&outcome);
        match outcome {
            RowOutcome::Recipient { phone, zone, .. } => {
                if let Some(zone) = zone {
                    zones.insert(phone, &zone);
                }
                match settled.get() {
                    Some(settled) if !settled.leaves_alone(phone) => to_send += 1,
                    Some(_) => {}
                    None => unsettled.push(phone),
                }
            }
            RowOutcome::Invalid {
                line,
                phone,
                reason,
            } => skipped.push(SkippedRow {
                line,
                phone,
                reason,
            }),
            RowOutcome::Suppressed { .. } | RowOutcome::Duplicate { .. } => {}
        }
    });
    counts.skipped = counts.invalid;
    Checked {
        counts,
        diagnostics,
        to_send,
        unsettled,
        skipped,
        first_lines,
    }
}

/// The second reading: publishes every recipient to send into `stage`, in
/// chunks, telling `published` how many so far after each; stops early (with
/// what was published kept) once `stopped` says so.
pub fn stage(
    loaded: &Loaded,
    mut audience: Audience,
    stage: &mut dyn Stage,
    settled: &Settled,
    first_lines: &FirstLines,
    stopped: &dyn Fn() -> bool,
    published: &mut dyn FnMut(u64),
) -> anyhow::Result<()> {
    let changed = Cell::new(None);
    let mut replay = Replay {
        first_lines,
        changed: &changed,
    };
    let mut failure: Option<anyhow::Error> = None;
    let mut halted = false;
    let (mut chunk, mut total) = (FIRST_CHUNK, 0);
    let mut ignored = Diagnostics::default();
    loaded.stream_from(&mut audience, &mut replay, &mut ignored, |outcome| {
        if failure.is_some() || halted || changed.get().is_some() {
            return;
        }
        if stopped() {
            halted = true;
            return;
        }
        let RowOutcome::Recipient {
            line,
            phone,
            message,
            digest,
            ..
        } = outcome
        else {
            return;
        };
        if settled.leaves_alone(phone) {
            return;
        }
        let written = serde_json::to_string(&message)
            .map_err(anyhow::Error::from)
            .and_then(|body| stage.recipient(phone, line, &digest, &body));
        let result = written.and_then(|()| match stage.unpublished() >= chunk {
            true => {
                total += stage.unpublished() as u64;
                stage.publish().map(|()| {
                    published(total);
                    chunk = (chunk * 4).min(LARGEST_CHUNK);
                })
            }
            false => Ok(()),
        });
        if let Err(error) = result {
            failure = Some(error);
        }
    });
    if let Some(line) = changed.get() {
        anyhow::bail!(
            "line {line} of the audience did not read back as it was checked; nothing more is staged"
        );
    }
    if let Some(error) = failure {
        return Err(error.context("cannot write the plan to the journal"));
    }
    if halted {
        return Ok(());
    }
    total += stage.unpublished() as u64;
    stage.publish()?;
    published(total);
    Ok(())
}

/// The second reading's repeats, from the first: a row whose number or
/// message differs from what the check saw is a change, noted by line.
struct Replay<'f> {
    first_lines: &'f FirstLines,
    changed: &'f Cell<Option<u64>>,
}

impl FirstSeen for Replay<'_> {
    fn first(&mut self, phone: Phone, line: u64, digest: MessageDigest) -> Option<(u64, bool)> {
        match self.first_lines.get(phone, &digest) {
            Some((first_line, same)) if first_line != line => Some((first_line, same)),
            Some((_, true)) => None,
            _ => {
                if self.changed.get().is_none() {
                    self.changed.set(Some(line));
                }
                // Counted as a repeat, so nothing is staged for it.
                Some((line, false))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{KnownRecipients, State};
    use std::path::Path;

    use crate::campaign::example::CAMPAIGN;

    /// Recipients `range` (line n + 2 is `0740000000n`), then `extra` rows.
    fn audience(range: std::ops::Range<u64>, extra: &str) -> String {
        let mut text = String::from("phone,name\n");
        for n in range {
            text.push_str(&format!("0{},Name {n}\n", 7_400_000_000u64 + n));
        }
        text + extra
    }

    fn loaded(dir: &Path, audience: &str) -> Loaded {
        std::fs::write(dir.join("campaign.yaml"), CAMPAIGN).unwrap();
        std::fs::write(dir.join("audience.csv"), audience).unwrap();
        Loaded::load(&dir.join("campaign.yaml")).unwrap()
    }

    fn phone(n: u64) -> Phone {
        Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap()
    }

    /// A stage that keeps what it is given, and each chunk's size.
    #[derive(Default)]
    struct Kept {
        unpublished: Vec<(Phone, u64)>,
        chunks: Vec<Vec<(Phone, u64)>>,
    }

    impl Stage for Kept {
        fn recipient(
            &mut self,
            phone: Phone,
            line: u64,
            _: &MessageDigest,
            body: &str,
        ) -> anyhow::Result<()> {
            assert!(body.contains("template_name"), "{body}");
            self.unpublished.push((phone, line));
            Ok(())
        }

        fn unpublished(&self) -> usize {
            self.unpublished.len()
        }

        fn publish(&mut self) -> anyhow::Result<()> {
            self.chunks.push(std::mem::take(&mut self.unpublished));
            Ok(())
        }
    }

    fn settled(known: KnownRecipients) -> Settled {
        Settled {
            known,
            resend_unknown: false,
            retry_failed: false,
        }
    }

    fn staged(
        loaded: &Loaded,
        read: &str,
        settled: &Settled,
        first: &FirstLines,
    ) -> (Kept, anyhow::Result<()>) {
        let copy = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(copy.path(), read).unwrap();
        let audience = loaded
            .read_audience(std::fs::File::open(copy.path()).unwrap())
            .unwrap();
        let mut kept = Kept::default();
        let mut counts = Vec::new();
        let result = stage(
            loaded,
            audience,
            &mut kept,
            settled,
            first,
            &|| false,
            &mut |count| counts.push(count),
        );
        if result.is_ok() {
            assert_eq!(
                counts.last().copied(),
                Some(kept.chunks.iter().map(Vec::len).sum::<usize>() as u64)
            );
        }
        (kept, result)
    }

    #[test]
    fn staging_publishes_what_the_check_counted_in_growing_chunks_leaving_settled_ones_alone() {
        let dir = tempfile::tempdir().unwrap();
        let text = audience(0..3_000, "07400000005,again\n");
        let mut loaded = loaded(dir.path(), &text);
        let mut known = KnownRecipients::with_capacity(2);
        known.insert(phone(7).as_u64(), State::Sent, None);
        known.insert(phone(8).as_u64(), State::Failed, None);
        let read = OnceLock::from(settled(known));
        let checked = check(&mut loaded, &read, 16, &mut ColumnZones::default());
        let settled = read.get().unwrap();
        assert!(!checked.diagnostics.has_errors());
        assert_eq!(checked.to_send, 2_998, "the sent and the failed stay");
        assert!(checked.unsettled.is_empty());
        assert_eq!(checked.counts.duplicates, 1);
        let (kept, result) = staged(&loaded, &text, settled, &checked.first_lines);
        result.unwrap();
        let sizes: Vec<usize> = kept.chunks.iter().map(Vec::len).collect();
        assert_eq!(sizes, [256, 1_024, 1_718], "the first chunk is small");
        let all: Vec<(Phone, u64)> = kept.chunks.concat();
        assert_eq!(all.len() as u64, checked.to_send);
        assert!(
            all.contains(&(phone(5), 7)),
            "a repeat keeps its first line"
        );
        assert!(!all.iter().any(|(p, _)| *p == phone(7) || *p == phone(8)));
    }

    #[test]
    fn an_audience_that_reads_back_otherwise_stops_staging_at_the_changed_line() {
        let dir = tempfile::tempdir().unwrap();
        let text = audience(0..600, "");
        let mut loaded = loaded(dir.path(), &text);
        let read = OnceLock::from(settled(KnownRecipients::default()));
        let checked = check(&mut loaded, &read, 16, &mut ColumnZones::default());
        let settled = read.get().unwrap();
        let changed = text.replace("Name 400\n", "Name 400 changed\n");
        let (kept, result) = staged(&loaded, &changed, settled, &checked.first_lines);
        let error = result.unwrap_err().to_string();
        assert!(error.contains("line 402 of the audience"), "{error}");
        let published: usize = kept.chunks.iter().map(Vec::len).sum();
        assert_eq!(published, 256, "only chunks read before the change");
        assert!(kept.unpublished.iter().all(|(_, line)| *line < 402));
    }

    #[test]
    fn recipients_checked_before_the_journal_is_read_are_counted_once_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let text = audience(0..3_000, "07400000005,again\n");
        let mut loaded = loaded(dir.path(), &text);
        let mut known = KnownRecipients::with_capacity(2);
        known.insert(phone(7).as_u64(), State::Sent, None);
        known.insert(phone(8).as_u64(), State::Unknown, None);
        let mut checked = check(
            &mut loaded,
            &OnceLock::new(),
            16,
            &mut ColumnZones::default(),
        );
        assert_eq!(checked.to_send, 0);
        assert_eq!(checked.unsettled.len(), 3_000, "each number once");
        checked.settle(&settled(known));
        assert_eq!(checked.to_send, 2_998, "the sent and the unknown stay");
        assert!(checked.unsettled.is_empty());
    }
}
