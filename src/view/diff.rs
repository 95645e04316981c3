//! How a plan diff reads: one change per line, stable and sorted, so the
//! output itself reads well under `git diff` and in a pull request.
//!
//! ```text
//! campaign  template: "spring_sale" → "spring_sale_v2"
//! input     audience audience.csv: sha256:9f90e10d6725fd60 → sha256:4b22c2402202ba7b
//! + line 6  +44 •••• ••3460
//! ~ line 3  +44 •••• ••3457  button 1: "url SPRING-BOB" → "url SPRING-BOB2"
//! - line 4  +44 •••• ••3458
//! Diff: 1 added, 1 removed, 1 changed, 2 unchanged; 2 campaign-level change(s).
//! ```
//!
//! Numbers are as the plans hold them: masked unless the plans were made with
//! `--show-numbers`.

use crate::plan::plan_diff::{DiffCounts, RecipientChange, SettingChange};
use std::fmt::Write as _;

/// A campaign-level change as a line.
pub fn setting(change: &SettingChange) -> String {
    let (kind, label) = match change.label.strip_prefix("input ") {
        Some(input) => ("input", input),
        None => ("campaign", change.label.as_str()),
    };
    format!(
        "{kind:<9} {label}: {} → {}\n",
        value(change.old.as_deref()),
        value(change.new.as_deref())
    )
}

/// A recipient's change as one line per changed parameter.
pub fn recipient(change: &RecipientChange) -> String {
    match change {
        RecipientChange::Added { line, who } => format!("+ line {line}  {who}\n"),
        RecipientChange::Removed { line, who } => format!("- line {line}  {who}\n"),
        RecipientChange::Changed { params, .. } if params.is_empty() => String::new(),
        RecipientChange::Changed { line, who, params } => {
            let mut out = String::new();
            for param in params {
                let _ = writeln!(
                    out,
                    "~ line {line}  {who}  {}: {} → {}",
                    param.label,
                    value(param.old.as_deref()),
                    value(param.new.as_deref())
                );
            }
            out
        }
    }
}

/// The closing lines: recipients changed only by settings, then the counts.
pub fn totals(counts: &DiffCounts, settings: usize) -> String {
    let mut out = String::new();
    if counts.changed_by_settings > 0 {
        let _ = writeln!(
            out,
            "~ {} recipient(s) changed only through the campaign-level changes above",
            counts.changed_by_settings
        );
    }
    let _ = writeln!(
        out,
        "Diff: {} added, {} removed, {} changed, {} unchanged; {settings} campaign-level change(s).",
        counts.added, counts.removed, counts.changed, counts.unchanged
    );
    out
}

fn value(value: Option<&str>) -> String {
    value.map_or_else(
        || "(none)".to_owned(),
        |v| serde_json::to_string(v).expect("strings serialise"),
    )
}
