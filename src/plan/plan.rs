//! The Plan: what `apply` would send, built from the pipeline's row outcomes.
//! Memory grows only with the number of distinct recipients (the duplicate
//! check); everything else is a count, the first few samples, or lines
//! streamed to a saved plan's recipient log.
//!
//! Each recipient is also classified against the journal (see
//! [`crate::plan::recipient_class`]), so the plan counts what apply would really
//! send, not just who is in the audience.

use crate::campaign::template_catalog::CatalogStatus;
use crate::campaign::{Campaign, InvalidRows};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::diagnostics::{Diagnostics, SHOWN_PER_KIND};
use crate::message::TemplateMessage;
use crate::message::digest::{MessageDigest, SequenceDigest};
use crate::phone::{NumberMap, Phone};
use crate::pipeline::{FirstSeen, Input, Loaded, RowOutcome};
use crate::plan::counts::Counts;
use crate::plan::journal_classes::JournalClasses;
use crate::plan::plan_file::{PlanHeader, PlanState, RecipientSink};
use crate::plan::plan_line::PlannedRecipient;
use crate::plan::recipient_class::{ClassCounts, RecipientClass};
use crate::schedule::{ScheduleSummary, ScheduleTally, Scheduler};
use jiff::Timestamp;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeSet;
use std::hash::{DefaultHasher, Hash, Hasher};

/// How many recipients' messages a plan shows in full.
pub const SAMPLES: usize = 3;
/// How many distinct media URLs a plan keeps for `--check-media`.
pub const MEDIA_URLS_KEPT: usize = 10_000;

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
    pub class: RecipientClass,
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
    /// The first skipped rows, for display; `counts.skipped` has them all.
    pub skipped: Vec<Skipped>,
    /// SHA-256 over every recipient's line and digest, in order.
    pub messages_digest: String,
    /// The first distinct media URLs, sorted, for `--check-media`.
    pub media_urls: BTreeSet<String>,
    pub diagnostics: Diagnostics,
    /// What the journal says of the recipients: counts per class and a digest.
    pub state: PlanState,
    /// The labels of each recipient's parameters (from the first recipient).
    pub param_labels: Vec<String>,
    /// Who of those to send may go now, when the campaign declares a
    /// schedule; read at [`Review::schedule`]'s time, so it is not part of a
    /// saved plan's pins.
    pub schedule: Option<ScheduleSummary>,
}

/// Where a plan looks and what it writes besides the plan itself.
pub struct Review<'a> {
    /// The journal to classify recipients against.
    pub journal: JournalClasses,
    /// Where each recipient's plan line goes, if anywhere.
    pub sink: Option<&'a mut dyn RecipientSink>,
    /// Whether plan lines carry full numbers instead of masked ones.
    pub show_numbers: bool,
    /// The campaign's schedule and the time to read it at, when it has one.
    pub schedule: Option<(Scheduler, Timestamp)>,
}

impl Review<'_> {
    /// No journal and no plan lines: the plan of the audience alone.
    pub fn none() -> Review<'static> {
        Review {
            journal: JournalClasses::none(),
            sink: None,
            show_numbers: false,
            schedule: None,
        }
    }
}

/// The campaign's schedule read at `at` (default now on the one clock),
/// with what the journal says its sender reached for the messaging limit;
/// `None` when the campaign declares no schedule.
pub fn rehearsal(
    campaign: &Campaign,
    journal: &JournalClasses,
    at: Option<Timestamp>,
) -> anyhow::Result<Option<(Scheduler, Timestamp)>> {
    let now = crate::schedule::Clock::at_or_system(at).now_seconds();
    let reached = match campaign.messaging_limit {
        Some(_) => {
            let since = crate::schedule::capacity::since(now);
            crate::schedule::capacity::times(&journal.reached(&campaign.sender.identity(), &since)?)
        }
        None => Vec::new(),
    };
    Ok(Scheduler::of(campaign, reached).map(|scheduler| (scheduler, now)))
}

impl Plan {
    /// Streams the loaded campaign into a plan, classifying each recipient
    /// against `review.journal` and writing its plan line to `review.sink` if
    /// given. Problems in rows are in `diagnostics`; the plan is only good to
    /// apply when it has no errors.
    pub fn build(mut loaded: Loaded, review: Review<'_>) -> anyhow::Result<Plan> {
        let Review {
            mut journal,
            mut sink,
            show_numbers,
            mut schedule,
        } = review;
        loaded.suppress_opted_out(journal.opted_out_numbers()?);
        let mut tally = ScheduleTally::default();
        let mut diagnostics = std::mem::take(&mut loaded.warnings);
        let mut builder = Builder::default();
        let mut seen = SeenInMemory::default();
        let mut failed = Ok(());
        // Recipients streamed while the journal's recipients are still
        // being read, classified (in order) once they are.
        let mut waiting: Vec<Unclassified> = Vec::new();
        loaded.stream(&mut seen, &mut diagnostics, |outcome| {
            if let RowOutcome::Recipient {
                line,
                phone,
                message,
                digest,
                zone,
            } = &outcome
                && failed.is_ok()
            {
                let mut classes = Classes {
                    journal: &mut journal,
                    builder: &mut builder,
                    schedule: &mut schedule,
                    tally: &mut tally,
                };
                if sink.is_none() && waiting.len() < WAITING_AT_MOST && !classes.journal.is_ready()
                {
                    let sample = classes.builder.samples.len();
                    waiting.push(Unclassified {
                        line: *line,
                        phone: *phone,
                        digest: *digest,
                        zone: zone.clone(),
                        sample: (sample < SAMPLES).then_some(sample),
                    });
                } else {
                    failed = classes.all(&mut waiting).and_then(|()| {
                        let class = classes.one(*line, *phone, digest, zone.as_deref(), None)?;
                        let Some(sink) = sink.as_deref_mut() else {
                            return Ok(());
                        };
                        use crate::message::message_params;
                        if classes.builder.param_labels.is_none() {
                            let labelled = message_params::of_message(message);
                            classes.builder.param_labels =
                                Some(labelled.into_iter().map(|p| p.0).collect());
                        }
                        sink.push(PlannedRecipient {
                            line: *line,
                            phone: *phone,
                            message: *digest,
                            class,
                            params: message_params::values_of_message(message),
                            show_number: show_numbers,
                        })
                    });
                }
            }
            builder.add(outcome);
        });
        failed?;
        Classes {
            journal: &mut journal,
            builder: &mut builder,
            schedule: &mut schedule,
            tally: &mut tally,
        }
        .all(&mut waiting)?;
        builder.classes.removed = journal.removed()?;
        let recipients = builder.counts.recipients;
        for warning in reached_elsewhere(&journal, &seen, &loaded.campaign, recipients)? {
            diagnostics.push(warning);
        }
        let schedule = match schedule {
            Some((scheduler, now)) => {
                tally.limit = scheduler.limit();
                let tried = builder
                    .counts
                    .recipients
                    .saturating_sub(builder.classes.to_send);
                Some(schedule_summary(
                    tally,
                    &loaded.campaign.waves,
                    &journal,
                    (builder.counts.recipients, tried),
                    now,
                )?)
            }
            None => None,
        };
        let mut counts = builder.counts;
        counts.distinct_messages = seen.distinct_messages();
        counts.distinct_media_urls = distinct(builder.url_hashes);
        if loaded.campaign.audience.invalid == InvalidRows::Skip {
            counts.skipped = counts.invalid;
        } else {
            builder.skipped.clear();
        }
        Ok(Plan {
            campaign: loaded.campaign,
            catalog: loaded.catalog,
            inputs: loaded.inputs,
            counts,
            samples: builder.samples,
            skipped: builder.skipped,
            messages_digest: builder.sequence.finish(),
            media_urls: builder.kept_urls,
            diagnostics,
            state: PlanState {
                journal: journal.exists(),
                resend_unknown: journal.resend_unknown(),
                retry_failed: journal.retry_failed(),
                classes: builder.classes,
                digest: hex::encode(builder.state_sequence.finalize()),
            },
            param_labels: builder.param_labels.unwrap_or_default(),
            schedule,
        })
    }

    pub fn is_valid(&self) -> bool {
        !self.diagnostics.has_errors()
    }

    /// How many messages apply would send.
    pub fn to_send(&self) -> u64 {
        self.state.classes.to_send
    }

    /// The first line of this plan's plan file.
    pub fn header(&self) -> PlanHeader {
        PlanHeader {
            format: crate::plan::plan_file::FORMAT.to_owned(),
            version: crate::plan::plan_file::VERSION,
            campaign: self.campaign.name.clone(),
            campaign_file: self.campaign.source.path.display().to_string(),
            inputs: self.inputs.clone(),
            counts: self.counts.clone(),
            messages_digest: self.messages_digest.clone(),
            settings: crate::message::message_params::of_campaign(&self.campaign),
            param_labels: self.param_labels.clone(),
            state: self.state.clone(),
            shown: None,
        }
    }
}

/// The `schedule` object of a plan read at `now`: `tally` of every recipient
/// to send, with those past the current wave of a staged rollout deferred
/// to the next (`total` recipients, `tried` of them already tried).
fn schedule_summary(
    mut tally: ScheduleTally,
    waves: &[crate::campaign::Wave],
    journal: &JournalClasses,
    (total, tried): (u64, u64),
    now: Timestamp,
) -> anyhow::Result<ScheduleSummary> {
    if waves.is_empty() {
        return Ok(tally.summary(now));
    }
    let summary = journal.delivery_summary()?;
    let rollout = crate::plan::wave_figures::rollout(waves, total, tried, summary.as_ref(), now);
    let Some(rollout) = rollout else {
        return Ok(tally.summary(now));
    };
    tally.defer_to_next_wave(rollout.quota(), rollout.next_gate(now));
    let mut schedule = tally.summary(now);
    schedule.waves = Some(rollout.summary());
    Ok(schedule)
}

/// A warning for each other campaign of the journal that already sent most
/// of this audience the very message they would now get: this campaign was
/// most likely renamed after sending, and would message them all again.
/// (The journal keeps no sender; every campaign of one state is taken as one
/// business's.)
fn reached_elsewhere(
    journal: &JournalClasses,
    seen: &SeenInMemory,
    campaign: &Campaign,
    recipients: u64,
) -> anyhow::Result<Vec<Diagnostic>> {
    let same = |phone: Phone, digest: &MessageDigest| {
        seen.0
            .get(&phone.as_u64())
            .is_some_and(|(_, prefix)| *prefix == digest.prefix())
    };
    let reached = journal.sent_elsewhere(&same)?;
    Ok(reached
        .into_iter()
        .filter(|(name, count)| {
            count * 2 > recipients && campaign.renamed_from.as_deref() != Some(name)
        })
        .map(|(name, count)| {
            Diagnostic::warning(
                "plan.renamed",
                format!(
                    "the journal's campaign `{name}` already sent {count} of this audience's {recipients} recipient(s) the same message; `{}` would send it to them again",
                    campaign.name
                ),
            )
            .help(format!(
                "if `{}` was renamed from `{name}`, add `renamed_from: {name}` to carry its journal over",
                campaign.name
            ))
        })
        .collect())
}

/// The numbers seen so far, with the first line and a digest prefix of each:
/// 20 bytes of payload per distinct recipient.
#[derive(Default)]
struct SeenInMemory(NumberMap<(u32, u64)>);

impl SeenInMemory {
    fn distinct_messages(&self) -> u64 {
        distinct(self.0.values().map(|(_, digest)| *digest).collect())
    }
}

impl FirstSeen for SeenInMemory {
    fn first(&mut self, phone: Phone, line: u64, digest: MessageDigest) -> Option<(u64, bool)> {
        let prefix = digest.prefix();
        match self.0.entry(phone.as_u64()) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let (first_line, first_digest) = *first.get();
                Some((u64::from(first_line), first_digest == prefix))
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((u32::try_from(line).unwrap_or(u32::MAX), prefix));
                None
            }
        }
    }
}

/// Recipients a plan may stream before the journal's recipients are read
/// without waiting for them (about 80 bytes each).
const WAITING_AT_MOST: usize = 262_144;

/// A recipient streamed before the journal's recipients were read.
struct Unclassified {
    line: u64,
    phone: Phone,
    digest: MessageDigest,
    zone: Option<Box<str>>,
    /// Its sample's place, when it is one of the samples.
    sample: Option<usize>,
}

/// What classifying a recipient updates.
struct Classes<'a> {
    journal: &'a mut JournalClasses,
    builder: &'a mut Builder,
    schedule: &'a mut Option<(Scheduler, Timestamp)>,
    tally: &'a mut ScheduleTally,
}

impl Classes<'_> {
    /// Classifies `waiting`, in the order they were streamed.
    fn all(&mut self, waiting: &mut Vec<Unclassified>) -> anyhow::Result<()> {
        for waited in waiting.drain(..) {
            let Unclassified {
                line,
                phone,
                digest,
                zone,
                sample,
            } = waited;
            self.one(line, phone, &digest, zone.as_deref(), sample)?;
        }
        Ok(())
    }

    /// Classifies the recipient at `line` against the journal, counts its
    /// class (filling in the class of its sample, the `sample`th, if it is
    /// one) and places it in the schedule.
    fn one(
        &mut self,
        line: u64,
        phone: Phone,
        digest: &MessageDigest,
        zone: Option<&str>,
        sample: Option<usize>,
    ) -> anyhow::Result<RecipientClass> {
        let class = self.journal.classify(phone, digest)?;
        self.builder.classify(line, class);
        if let Some(sample) = sample.and_then(|i| self.builder.samples.get_mut(i)) {
            sample.class = class;
        }
        if let Some((scheduler, now)) = self.schedule.as_mut()
            && class == RecipientClass::Send
        {
            self.tally.add(scheduler.place(phone, zone, *now));
        }
        Ok(class)
    }
}

/// How many different values `values` holds.
fn distinct(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values.dedup();
    values.len() as u64
}

#[derive(Default)]
struct Builder {
    counts: Counts,
    samples: Vec<Sample>,
    skipped: Vec<Skipped>,
    url_hashes: Vec<u64>,
    kept_urls: BTreeSet<String>,
    sequence: SequenceDigest,
    classes: ClassCounts,
    state_sequence: Sha256,
    param_labels: Option<Vec<String>>,
    /// The class of the recipient being added.
    last_class: RecipientClass,
}

impl Builder {
    fn classify(&mut self, line: u64, class: RecipientClass) {
        self.classes.add(class);
        self.last_class = class;
        self.state_sequence.update(line.to_be_bytes());
        self.state_sequence.update([class.sign() as u8]);
    }

    fn add(&mut self, outcome: RowOutcome) {
        self.counts.count(&outcome);
        match outcome {
            RowOutcome::Recipient {
                line,
                phone,
                message,
                digest,
                ..
            } => {
                if let Some(url) = message.media.url() {
                    self.url(url);
                }
                self.sequence
                    .push(line, &MessageDigest::of_recipient(phone, &digest));
                if self.samples.len() < SAMPLES {
                    self.samples.push(Sample {
                        class: self.last_class,
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
                if self.skipped.len() < SHOWN_PER_KIND {
                    self.skipped.push(Skipped {
                        line,
                        phone,
                        reason,
                    });
                }
            }
            RowOutcome::Suppressed { .. } | RowOutcome::Duplicate { .. } => {}
        }
    }

    fn url(&mut self, url: &str) {
        let mut hasher = DefaultHasher::new();
        url.hash(&mut hasher);
        let hash = hasher.finish();
        if self.url_hashes.last() != Some(&hash) {
            self.url_hashes.push(hash);
        }
        if self.kept_urls.len() < MEDIA_URLS_KEPT {
            self.kept_urls.insert(url.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Change, Outcome, Requeue, State, StateLocation};
    use std::time::Duration;

    use crate::campaign::example::CAMPAIGN;

    fn phone(n: u64) -> Phone {
        Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap()
    }

    /// A plan of the campaign in `dir` against its journal, whose read of
    /// the recipients begins `pause` late.
    fn planned(dir: &std::path::Path, pause: Duration) -> Plan {
        let loaded = Loaded::load(&dir.join("campaign.yaml")).unwrap();
        let location = StateLocation::Folder(dir.join(".wacast"));
        let journal =
            JournalClasses::open_after(&location, &loaded.campaign, (false, false), pause).unwrap();
        if pause.is_zero() {
            while !journal.is_ready() {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let review = Review {
            journal,
            ..Review::none()
        };
        Plan::build(loaded, review).unwrap()
    }

    #[test]
    fn recipients_streamed_before_the_journal_is_read_are_classified_as_if_it_had_been() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("campaign.yaml"), CAMPAIGN).unwrap();
        let mut audience = String::from("phone,name\n");
        for n in 0..2_000u64 {
            audience.push_str(&format!("0{},Name {n}\n", 7_400_000_000u64 + n));
        }
        std::fs::write(dir.path().join("audience.csv"), audience).unwrap();
        // The journal: every fourth number never staged (to send), then
        // sent another message (changed), failed, unknown.
        let location = StateLocation::Folder(dir.path().join(".wacast"));
        let mut journal = crate::journal::open(&location, "spring").unwrap();
        let run = journal.begin_run().unwrap();
        let mut stage = journal.stage(run, Requeue::default()).unwrap();
        let other = MessageDigest::of_bytes(b"another message");
        let staged: Vec<u64> = (0..2_000).filter(|n| n % 4 != 0).collect();
        for &n in &staged {
            stage.recipient(phone(n), n + 2, &other, "{}").unwrap();
        }
        stage.publish().unwrap();
        drop(stage);
        let state = |n: u64| [State::Sent, State::Failed, State::Unknown][(n % 4 - 1) as usize];
        let outcomes = staged
            .iter()
            .map(|&n| Outcome {
                phone: phone(n),
                state: state(n),
                message_id: Some(format!("m{n}")),
                http_status: Some(201),
                error: None,
            })
            .collect();
        journal
            .write(&[
                Change::InFlight(staged.iter().map(|&n| phone(n)).collect()),
                Change::Outcomes(outcomes),
            ])
            .unwrap();
        journal.finish_run(run, "finished").unwrap();
        drop(journal);

        let read_first = planned(dir.path(), Duration::ZERO);
        let read_late = planned(dir.path(), Duration::from_millis(300));
        let classes = &read_first.state.classes;
        assert_eq!(
            (
                classes.to_send,
                classes.changed,
                classes.failed,
                classes.unknown
            ),
            (500, 500, 500, 500)
        );
        assert_eq!(
            read_late.state, read_first.state,
            "classes and their digest"
        );
        assert_eq!(
            read_late.samples, read_first.samples,
            "samples with their class"
        );
        assert_eq!(
            read_first
                .samples
                .iter()
                .map(|s| s.class)
                .collect::<Vec<_>>(),
            [
                RecipientClass::Send,
                RecipientClass::Changed,
                RecipientClass::Failed
            ]
        );
    }
}
