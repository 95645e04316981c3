//! The saved plan (`plan --out`): the campaign's inputs pinned by SHA-256 and a
//! digest of every recipient's message, so a later apply can prove it sends
//! exactly what was reviewed (`apply PLAN_FILE` re-renders from the pinned
//! inputs and compares digests: the digests are the proof).
//!
//! The file is JSON Lines: a header object, then one array per recipient in
//! audience order:
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
//! The header also records what the plan saw in the journal (class counts and
//! a digest over every recipient's line and class), so a plan applied after
//! the journal moved on is refused. Recipients stream to a temporary log while
//! the plan is built, so saving a plan never holds the audience in memory.

use crate::pipeline::Input;
use crate::plan::counts::Counts;
use crate::plan::recipient_class::{ClassCounts, RecipientClass};
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufWriter, Read as _, Seek, Write};
use std::path::Path;

pub const FORMAT: &str = "wacast-plan";
pub const VERSION: u32 = 2;

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

/// One recipient line of a plan file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlanLine(
    pub u64,
    pub String,
    pub String,
    pub String,
    pub String,
    pub Vec<String>,
);

impl PlanLine {
    pub fn line(&self) -> u64 {
        self.0
    }

    /// The recipient's digest (number and message), in hex.
    pub fn digest(&self) -> &str {
        &self.1
    }

    pub fn key(&self) -> &str {
        &self.2
    }

    /// The number as shown: masked unless planned with `--show-numbers`.
    pub fn who(&self) -> &str {
        &self.3
    }

    pub fn class(&self) -> Option<RecipientClass> {
        let mut chars = self.4.chars();
        let sign = chars.next()?;
        chars
            .next()
            .is_none()
            .then(|| RecipientClass::from_sign(sign))
            .flatten()
    }

    pub fn params(&self) -> &[String] {
        &self.5
    }
}

/// Where a plan's recipient lines go as they are planned: a saved plan's log,
/// or a check against an earlier plan.
pub trait RecipientSink {
    fn push(&mut self, line: &PlanLine) -> anyhow::Result<()>;
}

/// Recipient lines written while a plan is built, kept in a temporary file
/// beside the plan file until the plan is saved.
pub struct RecipientLog {
    file: BufWriter<tempfile::NamedTempFile>,
}

impl RecipientLog {
    /// A log in the folder the plan file `path` will be written to.
    pub fn beside(path: &Path) -> anyhow::Result<RecipientLog> {
        let file = tempfile::NamedTempFile::new_in(folder(path))
            .with_context(|| format!("cannot create a file beside `{}`", path.display()))?;
        Ok(RecipientLog {
            file: BufWriter::new(file),
        })
    }
}

impl RecipientSink for RecipientLog {
    fn push(&mut self, line: &PlanLine) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.file, line)
            .map_err(anyhow::Error::from)
            .and_then(|()| Ok(self.file.write_all(b"\n")?))
            .context("cannot write the plan's recipient log")
    }
}

impl RecipientLog {
    /// Writes the plan file: `header`, then the logged recipients. It goes to
    /// a temporary file renamed into place, so a reader never sees half a plan.
    pub fn save(self, header: &PlanHeader, path: &Path) -> anyhow::Result<()> {
        let mut log = self.file.into_inner().map_err(|e| e.into_error())?;
        log.as_file_mut().rewind()?;
        let mut out = tempfile::NamedTempFile::new_in(folder(path))
            .with_context(|| format!("cannot create a file beside `{}`", path.display()))?;
        {
            let mut writer = BufWriter::new(&mut out);
            serde_json::to_writer(&mut writer, header)?;
            writer.write_all(b"\n")?;
            std::io::copy(&mut std::io::BufReader::new(log.as_file_mut()), &mut writer)?;
            writer.flush()?;
        }
        out.as_file().sync_all()?;
        out.persist(path)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok(())
    }
}

/// Reads a plan file's header and its recipients, in order.
pub fn read(
    path: &Path,
) -> anyhow::Result<(PlanHeader, impl Iterator<Item = anyhow::Result<PlanLine>>)> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let first = lines.next().transpose()?.unwrap_or_default();
    let header = parse_header(&first, path)?;
    let shown = path.display().to_string();
    let recipients = lines.enumerate().map(move |(index, line)| {
        serde_json::from_str::<PlanLine>(&line?)
            .with_context(|| format!("`{shown}` line {}: not a plan recipient line", index + 2))
    });
    Ok((header, recipients))
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
        format == FORMAT && version == u64::from(VERSION),
        "`{}` is a plan of format `{}` version {}; this wacast reads `{FORMAT}` version {VERSION}",
        path.display(),
        format,
        version
    );
    serde_json::from_value(value)
        .with_context(|| format!("`{}` has a malformed plan header", path.display()))
}

fn folder(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}
