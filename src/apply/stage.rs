//! Planning into the journal: apply runs the same pipeline as plan, but each
//! recipient is written to the journal (in one transaction, committed only if
//! the plan is valid) instead of kept in memory, so apply's memory stays flat
//! however large the audience.

use crate::diagnostic::diagnostics::Diagnostics;
use crate::journal::Stage;
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use crate::pipeline::{FirstSeen, Loaded, RowOutcome};
use crate::plan::Counts;
use crate::schedule::ColumnZones;
use std::cell::RefCell;

/// Streams `loaded` into `stage`; returns the counts and every problem.
/// Zones the audience's time-zone column gives go into `zones`.
pub fn stage<'j>(
    loaded: &mut Loaded,
    stage: Box<dyn Stage + 'j>,
    zones: &mut ColumnZones,
) -> anyhow::Result<(Counts, Diagnostics, Box<dyn Stage + 'j>)> {
    let mut diagnostics = std::mem::take(&mut loaded.warnings);
    let shared = RefCell::new(stage);
    let failure: RefCell<Option<anyhow::Error>> = RefCell::new(None);
    let mut seen = JournalSeen {
        stage: &shared,
        failure: &failure,
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
                serde_json::to_string(&message)
                    .map_err(anyhow::Error::from)
                    .and_then(|body| shared.borrow_mut().message(&digest, &body))
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

/// Duplicates found through the journal rather than memory.
struct JournalSeen<'s, 'j> {
    stage: &'s RefCell<Box<dyn Stage + 'j>>,
    failure: &'s RefCell<Option<anyhow::Error>>,
}

impl FirstSeen for JournalSeen<'_, '_> {
    fn first(&mut self, phone: Phone, line: u64, digest: MessageDigest) -> Option<(u64, bool)> {
        match self.stage.borrow_mut().recipient(phone, line, &digest) {
            Ok(repeat) => repeat.map(|r| (r.first_line, r.same_message)),
            Err(error) => {
                self.failure.borrow_mut().get_or_insert(error);
                None
            }
        }
    }
}
