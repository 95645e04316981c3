//! The saved plan (`plan --out`): the campaign's inputs pinned by SHA-256 and a
//! digest of every recipient's message, so a later apply can prove it sends
//! exactly what was reviewed. It stores digests, not bodies: re-rendering from
//! the pinned inputs is cheaper than storing a million messages. Numbers are
//! not stored, only folded into each recipient's digest.
//!
//! The file is JSON Lines: a header object, then one `[line, "digest"]` array
//! per recipient in audience order. Recipients stream to a temporary log while
//! the plan is built, so saving a plan never holds the audience in memory.

use crate::digest::MessageDigest;
use crate::pipeline::Input;
use crate::plan::{Counts, Plan};
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufWriter, Seek, Write};
use std::path::Path;

pub const FORMAT: &str = "wacast-plan";
pub const VERSION: u32 = 1;

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
}

impl PlanHeader {
    pub fn from_plan(plan: &Plan) -> PlanHeader {
        PlanHeader {
            format: FORMAT.to_owned(),
            version: VERSION,
            campaign: plan.campaign.name.clone(),
            campaign_file: plan.campaign.source.path.display().to_string(),
            inputs: plan.inputs.clone(),
            counts: plan.counts.clone(),
            messages_digest: plan.messages_digest.clone(),
        }
    }
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

    pub fn push(&mut self, line: u64, digest: &MessageDigest) -> anyhow::Result<()> {
        writeln!(self.file, "[{line},\"{}\"]", digest.to_hex())
            .context("cannot write the plan's recipient log")
    }

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
) -> anyhow::Result<(
    PlanHeader,
    impl Iterator<Item = anyhow::Result<(u64, String)>>,
)> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let first = lines.next().transpose()?.unwrap_or_default();
    let header: PlanHeader = serde_json::from_str(&first)
        .with_context(|| format!("`{}` is not a wacast plan file", path.display()))?;
    anyhow::ensure!(
        header.format == FORMAT && header.version == VERSION,
        "`{}` is a plan of format `{}` version {}; this wacast reads `{FORMAT}` version {VERSION}",
        path.display(),
        header.format,
        header.version
    );
    let recipients = lines.map(|line| {
        let (number, digest): (u64, String) = serde_json::from_str(&line?)?;
        Ok((number, digest))
    });
    Ok((header, recipients))
}

fn folder(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}
