//! The saved plan (`plan --out`): the campaign's inputs pinned by SHA-256 and a
//! digest of every recipient's message, so a later apply can prove it sends
//! exactly what was reviewed. It stores digests, not bodies: re-rendering from
//! the pinned inputs is cheaper than storing a million messages. Numbers are
//! not stored, only folded into each recipient's digest.

use crate::pipeline::Input;
use crate::plan::{Counts, Plan};
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::Path;

pub const FORMAT: &str = "wacast-plan";
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlanFile {
    pub format: String,
    pub version: u32,
    pub campaign: String,
    /// The campaign file as it was given to `plan`.
    pub campaign_file: String,
    pub inputs: Vec<Input>,
    pub counts: Counts,
    /// SHA-256 over every recipient's line and digest, in order.
    pub messages_digest: String,
    /// `"<line> <digest>"` per recipient, in audience order; the digest covers the
    /// number and the exact message.
    pub recipients: Vec<String>,
}

impl PlanFile {
    pub fn from_plan(plan: &Plan) -> PlanFile {
        PlanFile {
            format: FORMAT.to_owned(),
            version: VERSION,
            campaign: plan.campaign.name.clone(),
            campaign_file: plan.campaign.source.path.display().to_string(),
            inputs: plan.inputs.clone(),
            counts: plan.counts.clone(),
            messages_digest: plan.messages_digest.clone(),
            recipients: plan
                .recipients
                .iter()
                .map(|r| {
                    let digest = crate::digest::MessageDigest::of_recipient(r.phone, &r.digest);
                    format!("{} {}", r.line, digest.to_hex())
                })
                .collect(),
        }
    }

    /// Writes the plan to `path` through a temporary file and a rename, so a
    /// reader never sees half a plan.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut file = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot create a file in `{}`", dir.display()))?;
        serde_json::to_writer(std::io::BufWriter::new(&mut file), self)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        file.write_all(b"\n")?;
        file.as_file().sync_all()?;
        file.persist(path)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok(())
    }
}
