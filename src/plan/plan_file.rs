//! The saved plan (`plan --out`): the campaign's inputs pinned by SHA-256 and a
//! digest of every recipient's message, so a later apply can prove it sends
//! exactly what was reviewed (`apply PLAN_FILE` re-renders from the pinned
//! inputs and compares digests: the digests are the proof).
//!
//! The file is a header line (a JSON object), then every recipient in
//! audience order, each one
//!
//! ```text
//! [line, "digest", "key", "who", "class", ["param", ...]]
//! ```
//!
//! `digest` covers the number and the exact message; `key` joins the same
//! recipient across two plans ([`MessageDigest::recipient_key`]); `who` is the
//! masked number (the full one only with `plan --show-numbers`); `class` is the
//! recipient's sign against the journal (`+ = ~ ? !`); the parameters, labelled
//! once in the header's `param_labels`, are what `wacast diff` compares, since
//! the inputs of an old plan are usually gone by the time it is diffed. A plan
//! file therefore holds what the messages say, like the audience does.
//!
//! Version 3 writes the recipients after the header as one gzip stream of
//! blocks of columns ([`crate::plan::recipient_block`]); version 2 wrote them
//! as JSON lines, and is still read. The digest is 16 bytes of SHA-256 in
//! both ([`MessageDigest`]): with the 8-byte key, all of a recipient that no
//! compression shrinks, and enough for what it proves. Its job is to catch a
//! message that would render differently, not to resist a forger (whoever
//! can write the plan file can write the campaign), and a changed message
//! keeps its old digest by chance once in 2^128. Besides, the header's
//! `messages_digest`, a whole SHA-256 over every line and digest, is checked
//! too; the per-recipient digest names the first recipient that differs.
//!
//! The header also records what the plan saw in the journal (class counts and
//! a digest over every recipient's line and class), so a plan applied after
//! the journal moved on is refused, and the plan as `plan` printed it, which
//! `wacast show` prints back. Recipients stream, compressed, to a temporary
//! log while the plan is built ([`crate::plan::recipient_log`]), and are read
//! back a block at a time, so neither saving nor reading a plan holds the
//! audience in memory.
//!
//! [`MessageDigest`]: crate::message::digest::MessageDigest
//! [`MessageDigest::recipient_key`]: crate::message::digest::MessageDigest::recipient_key

use crate::pipeline::Input;
use crate::plan::counts::Counts;
use crate::plan::plan_line::{PlanLine, PlannedRecipient};
use crate::plan::recipient_block;
use crate::plan::recipient_class::ClassCounts;
use anyhow::Context as _;
use flate2::bufread::GzDecoder;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read as _};
use std::path::Path;

pub const FORMAT: &str = "wacast-plan";
/// The version plan files are written in.
pub const VERSION: u32 = 3;
/// The versions this wacast reads.
const READS: [u32; 2] = [2, VERSION];

/// The first line of a plan file.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlanHeader {
    pub format: String,
    pub version: u32,
    pub campaign: String,
    /// The campaign file as it was given to `plan`.
    pub campaign_file: String,
    pub inputs: Vec<Input>,
    pub counts: Counts,
    /// SHA-256 over every recipient's line and digest, in order.
    pub messages_digest: String,
    /// The settings every recipient shares, labelled, for diffs.
    pub settings: Vec<(String, String)>,
    /// The labels of each recipient line's parameters.
    pub param_labels: Vec<String>,
    /// What the plan saw in the journal.
    pub state: PlanState,
    /// The plan as `plan` printed it, for `wacast show` (none in version 2,
    /// nor in the plan files `diff --rev` writes for itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<ShownPlan>,
}

/// The plan as `plan` printed it in each format, byte for byte. What `plan`
/// prints reads the loaded campaign (sender, template, catalog), the first
/// recipients' whole messages and the diagnostics, which the recipient lines
/// do not hold and the inputs may no longer give; a few kilobytes in the
/// header keep `show` exact whatever became of them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShownPlan {
    pub text: String,
    pub json: String,
    pub markdown: String,
}

/// The journal as a plan saw it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlanState {
    /// Whether there was a journal at all.
    pub journal: bool,
    /// Planned with `--resend-unknown`: `?` recipients count as `+`.
    pub resend_unknown: bool,
    /// Planned with `--retry-failed`: `!` recipients count as `+`.
    pub retry_failed: bool,
    pub classes: ClassCounts,
    /// SHA-256 over every recipient's line and class sign, in order.
    pub digest: String,
}

/// Where a plan's recipients go as they are planned: a saved plan's log, or
/// a check against an earlier plan.
pub trait RecipientSink {
    fn push(&mut self, recipient: PlannedRecipient) -> anyhow::Result<()>;
}

/// Reads a plan file's header and its recipients, in order: version 3's
/// compressed blocks, or version 2's JSON lines.
pub fn read(path: &Path) -> anyhow::Result<(PlanHeader, Recipients)> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut input = std::io::BufReader::new(file);
    let mut first = String::new();
    input
        .read_line(&mut first)
        .with_context(|| format!("`{}` is not a wacast plan file", path.display()))?;
    let header = parse_header(&first, path)?;
    let shown = path.display().to_string();
    let source = if header.version == 2 {
        Source::JsonLines(input.lines().enumerate())
    } else {
        Source::Blocks(BufReader::new(GzDecoder::new(input)))
    };
    Ok((
        header,
        Recipients {
            path: shown,
            source,
            block: Vec::new().into_iter(),
            done: false,
        },
    ))
}

/// A plan file's recipient lines, read as they are needed: one block of a
/// version 3 file in memory at a time. The first error ends them.
pub struct Recipients {
    path: String,
    source: Source,
    block: std::vec::IntoIter<PlanLine>,
    done: bool,
}

enum Source {
    JsonLines(std::iter::Enumerate<std::io::Lines<BufReader<std::fs::File>>>),
    Blocks(BufReader<GzDecoder<BufReader<std::fs::File>>>),
}

impl Iterator for Recipients {
    type Item = anyhow::Result<PlanLine>;

    fn next(&mut self) -> Option<anyhow::Result<PlanLine>> {
        if self.done {
            return None;
        }
        let next = match &mut self.source {
            Source::JsonLines(lines) => {
                let (index, line) = lines.next()?;
                line.map_err(anyhow::Error::from)
                    .and_then(|line| Ok(serde_json::from_str::<PlanLine>(&line)?))
                    .with_context(|| {
                        format!(
                            "`{}` line {}: not a plan recipient line",
                            self.path,
                            index + 2
                        )
                    })
            }
            Source::Blocks(input) => {
                if let Some(line) = self.block.next() {
                    return Some(Ok(line));
                }
                match next_block(input) {
                    Ok(Some(block)) => {
                        self.block = block.into_iter();
                        return self.next();
                    }
                    Ok(None) => {
                        self.done = true;
                        return None;
                    }
                    Err(error) => Err(error.context(format!(
                        "`{}` is damaged or cut short: plan again to write it anew",
                        self.path
                    ))),
                }
            }
        };
        self.done = next.is_err();
        Some(next)
    }
}

/// The next block of a version 3 file, `None` after the last; at the end,
/// the compressed stream must end too (where its checksum is checked).
fn next_block(input: &mut impl std::io::Read) -> anyhow::Result<Option<Vec<PlanLine>>> {
    match recipient_block::read_block(input)? {
        Some(block) => Ok(Some(block)),
        None => {
            let mut after = [0];
            anyhow::ensure!(
                input.read(&mut after)? == 0,
                "bytes after the last recipient"
            );
            Ok(None)
        }
    }
}

/// Whether `path` starts like a plan file (a JSON object) rather than YAML.
pub fn is_plan_file(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut first = String::new();
    let _ = std::io::BufReader::new(file)
        .take(64 * 1024)
        .read_line(&mut first);
    first.trim_start().starts_with('{') && first.contains(&format!("\"{FORMAT}\""))
}

fn parse_header(first: &str, path: &Path) -> anyhow::Result<PlanHeader> {
    let value: serde_json::Value = serde_json::from_str(first)
        .with_context(|| format!("`{}` is not a wacast plan file", path.display()))?;
    let format = value["format"].as_str().unwrap_or_default();
    let version = value["version"].as_u64().unwrap_or_default();
    anyhow::ensure!(
        format == FORMAT && READS.iter().any(|&v| u64::from(v) == version),
        "`{}` is a plan of format `{}` version {}; this wacast reads `{FORMAT}` versions 2 and {VERSION}: plan again with this wacast",
        path.display(),
        format,
        version
    );
    serde_json::from_value(value)
        .with_context(|| format!("`{}` has a malformed plan header", path.display()))
}
