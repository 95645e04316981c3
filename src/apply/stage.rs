//! Planning into the journal: apply runs the same pipeline as plan, but each
//! recipient this run may send is written to the journal (in one
//! transaction, committed only if the plan is valid) instead of kept in
//! memory, so apply's memory stays flat however large the audience.
//!
//! A recipient the journal already settled is left as it is, with nothing
//! written: sent (whatever the message now), failed (unless `--retry-failed`)
//! or unknown (unless `--resend-unknown`). Staging reads the campaign's
//! recipients from the journal once ([`KnownRecipients`]); only those left
//! alone are remembered, as a number and its first line, so a repeat of one
//! is still found.

use crate::diagnostic::diagnostics::Diagnostics;
use crate::journal::{KnownRecipients, RecipientFacts, Stage, State};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use crate::pipeline::{FirstSeen, Loaded, RowOutcome};
use crate::plan::Counts;
use crate::schedule::ColumnZones;
use std::cell::RefCell;
use std::collections::HashMap;

/// What the journal already holds, and which of its recipients this run
/// sends again.
pub struct Settled<'k> {
    pub known: &'k KnownRecipients,
    pub resend_unknown: bool,
    pub retry_failed: bool,
}

impl Settled<'_> {
    /// Whether `phone`, who would now get `digest`, stays as the journal has
    /// them, so this run writes nothing of them.
    fn leaves_alone(&self, phone: Phone, digest: &MessageDigest) -> bool {
        match self.known.facts(phone, digest) {
            Some(RecipientFacts { state, .. }) => match state {
                State::Sent => true,
                State::Failed => !self.retry_failed,
                State::Unknown | State::InFlight => !self.resend_unknown,
                State::Pending | State::Skipped => false,
            },
            None => false,
        }
    }
}

/// Streams `loaded` into `stage`; returns the counts and every problem.
/// Zones the audience's time-zone column gives go into `zones`.
pub fn stage<'j>(
    loaded: &mut Loaded,
    stage: Box<dyn Stage + 'j>,
    settled: &Settled<'_>,
    zones: &mut ColumnZones,
) -> anyhow::Result<(Counts, Diagnostics, Box<dyn Stage + 'j>)> {
    let mut diagnostics = std::mem::take(&mut loaded.warnings);
    let shared = RefCell::new(stage);
    let failure: RefCell<Option<anyhow::Error>> = RefCell::new(None);
    let mut seen = JournalSeen {
        stage: &shared,
        failure: &failure,
        settled,
        left_alone: HashMap::new(),
    };
    let mut counts = Counts::default();
    loaded.stream(&mut seen, &mut diagnostics, |outcome| {
        counts.count(&outcome);
        let result = match outcome {
            RowOutcome::Recipient {
                message,
                digest,
                phone,
                zone,
                ..
            } => {
                if let Some(zone) = zone {
                    zones.insert(phone, &zone);
                }
                if settled.leaves_alone(phone, &digest) {
                    Ok(())
                } else {
                    serde_json::to_string(&message)
                        .map_err(anyhow::Error::from)
                        .and_then(|body| shared.borrow_mut().message(&digest, &body))
                }
            }
            RowOutcome::Invalid {
                line,
                phone,
                reason,
            } => shared.borrow_mut().skipped(line, phone, &reason),
            RowOutcome::Suppressed { .. } | RowOutcome::Duplicate { .. } => Ok(()),
        };
        if let Err(error) = result {
            failure.borrow_mut().get_or_insert(error);
        }
    });
    if let Some(error) = failure.into_inner() {
        return Err(error.context("cannot write the plan to the journal"));
    }
    counts.skipped = counts.invalid;
    Ok((counts, diagnostics, shared.into_inner()))
}

/// Duplicates found through the journal rather than memory, except among
/// the recipients left alone.
struct JournalSeen<'s, 'j, 'k> {
    stage: &'s RefCell<Box<dyn Stage + 'j>>,
    failure: &'s RefCell<Option<anyhow::Error>>,
    settled: &'s Settled<'k>,
    /// Numbers left alone: their first line and message digest prefix.
    left_alone: HashMap<Phone, (u64, u64)>,
}

impl FirstSeen for JournalSeen<'_, '_, '_> {
    fn first(&mut self, phone: Phone, line: u64, digest: MessageDigest) -> Option<(u64, bool)> {
        if let Some(&(first_line, first)) = self.left_alone.get(&phone) {
            return Some((first_line, first == digest.prefix()));
        }
        if self.settled.leaves_alone(phone, &digest) {
            self.left_alone.insert(phone, (line, digest.prefix()));
            return None;
        }
        match self.stage.borrow_mut().recipient(phone, line, &digest) {
            Ok(repeat) => repeat.map(|r| (r.first_line, r.same_message)),
            Err(error) => {
                self.failure.borrow_mut().get_or_insert(error);
                None
            }
        }
    }
}
