//! The Plan: what `apply` would send, built from the pipeline's row outcomes.
//! It keeps a compact entry per recipient (line, number, message digest), full
//! messages only for the first few samples, and the counts a reviewer reads.

use crate::campaign::Campaign;
use crate::diagnostics::Diagnostics;
use crate::digest::{MessageDigest, SequenceDigest};
use crate::phone::Phone;
use crate::pipeline::{Input, Loaded, RowOutcome};
use crate::sinch::wire::{Media, TemplateMessage};
use crate::template_catalog::CatalogStatus;
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

/// How many recipients' messages a plan shows in full.
pub const SAMPLES: usize = 3;
/// How many distinct media URLs a plan keeps for `--check-media`.
pub const MEDIA_URLS_KEPT: usize = 10_000;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Counts {
    /// Data rows in the audience file.
    pub rows: u64,
    /// Distinct valid numbers that will be messaged.
    pub recipients: u64,
    /// Rows with problems.
    pub invalid: u64,
    /// Invalid rows planned as skipped (`audience.invalid: skip`).
    pub skipped: u64,
    /// Rows whose number an earlier row already has.
    pub duplicates: u64,
    /// Rows whose number is on a suppression list.
    pub suppressed: u64,
    /// Different messages among the recipients.
    pub distinct_messages: u64,
    /// Different media URLs among the recipients.
    pub distinct_media_urls: u64,
}

/// One recipient: where they are in the audience and what they get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planned {
    pub line: u64,
    pub phone: Phone,
    pub digest: MessageDigest,
}

/// A row planned as skipped, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub line: u64,
    pub phone: Option<Phone>,
    pub reason: String,
}

/// A recipient whose message the plan shows in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    pub line: u64,
    pub phone: Phone,
    pub message: TemplateMessage,
}

#[derive(Debug)]
pub struct Plan {
    pub campaign: Campaign,
    pub catalog: CatalogStatus,
    pub inputs: Vec<Input>,
    pub counts: Counts,
    pub samples: Vec<Sample>,
    pub recipients: Vec<Planned>,
    pub skipped: Vec<Skipped>,
    /// SHA-256 over every recipient's line and digest, in order.
    pub messages_digest: String,
    /// The first distinct media URLs, sorted, for `--check-media`.
    pub media_urls: BTreeSet<String>,
    pub diagnostics: Diagnostics,
}

impl Plan {
    /// Streams the loaded campaign into a plan. Problems in rows are in
    /// `diagnostics`; the plan is only good to apply when it has no errors.
    pub fn build(mut loaded: Loaded) -> Plan {
        let mut diagnostics = std::mem::take(&mut loaded.warnings);
        let mut builder = Builder::default();
        loaded.stream(&mut diagnostics, |outcome| builder.add(outcome));
        let skip_invalid = loaded.campaign.audience.invalid == crate::campaign::InvalidRows::Skip;
        let mut counts = builder.counts;
        counts.distinct_messages = builder.messages.len() as u64;
        counts.distinct_media_urls = builder.media_urls.len() as u64;
        if skip_invalid {
            counts.skipped = counts.invalid;
        } else {
            builder.skipped.clear();
        }
        Plan {
            campaign: loaded.campaign,
            catalog: loaded.catalog,
            inputs: loaded.inputs,
            counts,
            samples: builder.samples,
            recipients: builder.recipients,
            skipped: builder.skipped,
            messages_digest: builder.sequence.finish(),
            media_urls: builder.kept_urls,
            diagnostics,
        }
    }

    pub fn is_valid(&self) -> bool {
        !self.diagnostics.has_errors()
    }
}

#[derive(Default)]
struct Builder {
    counts: Counts,
    samples: Vec<Sample>,
    recipients: Vec<Planned>,
    skipped: Vec<Skipped>,
    messages: HashSet<MessageDigest>,
    media_urls: HashSet<u64>,
    kept_urls: BTreeSet<String>,
    sequence: SequenceDigest,
}

impl Builder {
    fn add(&mut self, outcome: RowOutcome) {
        self.counts.rows += 1;
        match outcome {
            RowOutcome::Recipient {
                line,
                phone,
                message,
                digest,
            } => {
                self.counts.recipients += 1;
                self.messages.insert(digest);
                if let Some(url) = media_url(&message.media) {
                    let mut hasher = DefaultHasher::new();
                    url.hash(&mut hasher);
                    if self.media_urls.insert(hasher.finish())
                        && self.kept_urls.len() < MEDIA_URLS_KEPT
                    {
                        self.kept_urls.insert(url.to_owned());
                    }
                }
                let recipient = MessageDigest::of_recipient(phone, &digest);
                self.sequence.push(line, &recipient);
                self.recipients.push(Planned {
                    line,
                    phone,
                    digest,
                });
                if self.samples.len() < SAMPLES {
                    self.samples.push(Sample {
                        line,
                        phone,
                        message,
                    });
                }
            }
            RowOutcome::Invalid {
                line,
                phone,
                reason,
            } => {
                self.counts.invalid += 1;
                self.skipped.push(Skipped {
                    line,
                    phone,
                    reason,
                });
            }
            RowOutcome::Suppressed { .. } => self.counts.suppressed += 1,
            RowOutcome::Duplicate { .. } => self.counts.duplicates += 1,
        }
    }
}

/// The media URL of a message, if it has a media header.
pub fn media_url(media: &Media) -> Option<&str> {
    match media {
        Media::Text => None,
        Media::Image { url } | Media::Video { url } | Media::Document { url, .. } => Some(url),
    }
}
