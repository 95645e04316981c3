//! A run's problems, gathered in one pass. Each kind of problem keeps its first
//! few instances for display and a count of all of them, so a million bad rows
//! cost a counter, not a million messages.

use crate::diagnostic::{Diagnostic, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

/// How many problems of one kind are kept for display.
pub const SHOWN_PER_KIND: usize = 20;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Diagnostics {
    shown: Vec<Diagnostic>,
    /// Every problem counted, by severity and kind.
    totals: BTreeMap<(Severity, &'static str), u64>,
    /// Whether the problem pushed last was kept for display.
    #[serde(skip)]
    last_kept: bool,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        let count = self
            .totals
            .entry((diagnostic.severity, diagnostic.code))
            .or_default();
        *count += 1;
        self.last_kept = *count <= SHOWN_PER_KIND as u64;
        if self.last_kept {
            self.shown.push(diagnostic);
        }
    }

    pub fn extend(&mut self, other: Diagnostics) {
        for diagnostic in other.shown {
            self.push(diagnostic);
        }
        for (key, count) in other.totals {
            let shown = (count as usize).min(SHOWN_PER_KIND) as u64;
            *self.totals.entry(key).or_default() += count - shown;
        }
    }

    /// Adds help to the problem pushed last, if it was kept.
    pub fn help_last(&mut self, help: String) {
        if let Some(last) = self.shown.last_mut().filter(|_| self.last_kept) {
            last.help = Some(help);
        }
    }

    pub fn error_count(&self) -> u64 {
        self.count(Severity::Error)
    }

    pub fn warning_count(&self) -> u64 {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> u64 {
        self.totals
            .iter()
            .filter(|((s, _), _)| *s == severity)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// The problems kept for display, in the order found.
    pub fn shown(&self) -> &[Diagnostic] {
        &self.shown
    }

    /// Kinds with more problems than were kept: (severity, kind, total, shown).
    pub fn truncated(&self) -> Vec<(Severity, &'static str, u64, u64)> {
        self.totals
            .iter()
            .filter(|(_, n)| **n > SHOWN_PER_KIND as u64)
            .map(|((severity, code), n)| (*severity, *code, *n, SHOWN_PER_KIND as u64))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.totals.is_empty()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Diagnostics {
        let mut all = Diagnostics::new();
        all.push(diagnostic);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_few_of_each_kind_and_counts_all() {
        let mut all = Diagnostics::new();
        for _ in 0..1000 {
            all.push(Diagnostic::error("audience.phone", "bad"));
        }
        all.push(Diagnostic::warning("audience.duplicate", "dup"));
        assert_eq!(all.shown().len(), SHOWN_PER_KIND + 1);
        assert_eq!(all.error_count(), 1000);
        assert_eq!(all.warning_count(), 1);
        assert_eq!(
            all.truncated(),
            vec![(
                Severity::Error,
                "audience.phone",
                1000,
                SHOWN_PER_KIND as u64
            )]
        );
    }
}
