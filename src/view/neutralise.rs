//! Text from outside (audience cells, callback details, provider answers)
//! shown on a terminal with its control characters made visible: an escape
//! sequence in a cell could otherwise erase lines or fake a plan's verdict.
//! Newlines and tabs are layout and stay; every other control character
//! (C0, DEL and C1) is written as `\u{…}`.

use std::borrow::Cow;

/// `text` with its control characters other than newline and tab escaped.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hostile) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hostile(c) {
            shown.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

fn is_hostile(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_run() {
        assert_eq!(neutralise("Plan: 0 to send"), "Plan: 0 to send");
        assert_eq!(
            neutralise("\u{1b}[1A\u{1b}[2KPlan: 0 to send\u{7}"),
            "\\u{1b}[1A\\u{1b}[2KPlan: 0 to send\\u{7}"
        );
        assert_eq!(neutralise("a\tb\nc\r"), "a\tb\nc\\u{d}");
        assert_eq!(neutralise("\u{9b}31m"), "\\u{9b}31m");
    }
}
