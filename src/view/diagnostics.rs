//! Diagnostics as stderr shows them: the message, where it is (`——▶
//! file:line:col`), the line quoted with a caret under the problem, and help;
//! then a count line for each kind that had more problems than are shown.

use crate::diagnostic::diagnostics::Diagnostics;
use crate::diagnostic::{Diagnostic, Severity};
use crate::view::neutralise;
use std::fmt::Write as _;

/// `word` in the severity's colour when `colour` is on.
pub fn paint(word: &str, severity: Severity, colour: bool) -> String {
    if !colour {
        return word.to_owned();
    }
    let code = match severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
    };
    format!("\x1b[{code}m{word}\x1b[0m")
}

/// Renders diagnostics the way stderr shows them.
pub fn render_diagnostics(diagnostics: &Diagnostics, colour: bool) -> String {
    let mut text = String::new();
    for diagnostic in diagnostics.shown() {
        text.push_str(&render_diagnostic(diagnostic, colour));
    }
    for (severity, code, total, shown) in diagnostics.truncated() {
        let word = match severity {
            Severity::Error => "errors",
            Severity::Warning => "warnings",
        };
        let _ = writeln!(
            text,
            "… and {} more {word} of kind `{code}` ({total} in all)",
            total - shown
        );
    }
    text
}

/// Renders one diagnostic: the message, where it is, a snippet with a caret, help.
pub fn render_diagnostic(diagnostic: &Diagnostic, colour: bool) -> String {
    let mut text = String::new();
    let word = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let _ = writeln!(
        text,
        "{}: {}",
        paint(word, diagnostic.severity, colour),
        neutralise(&diagnostic.message)
    );
    if let Some(location) = &diagnostic.location {
        let mut place = format!("{}:{}", location.file.display(), location.line);
        if location.column > 0 {
            let _ = write!(place, ":{}", location.column);
        }
        if let Some(field) = &diagnostic.field {
            let _ = write!(place, " ({field})");
        }
        let _ = writeln!(text, "  ——▶ {}", neutralise(&place));
        if let (Some(line), true) = (&diagnostic.source_line, location.column > 0) {
            let number = location.line.to_string();
            let pad = " ".repeat(number.len());
            let indent: String = line
                .chars()
                .take(location.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(text, "{pad} |");
            let _ = writeln!(text, "{number} | {}", neutralise(line));
            let _ = writeln!(text, "{pad} | {indent}{}", "^".repeat(diagnostic.width));
        }
    } else if let Some(field) = &diagnostic.field {
        let _ = writeln!(text, "  ——▶ {}", neutralise(field));
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(text, "  = help: {}", neutralise(help));
    }
    text
}
