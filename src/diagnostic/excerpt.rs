//! A value from the user's files quoted in a message: escaped (newlines and
//! control characters shown as `\n`, `\u{1b}`, …) and cut short, so a cell
//! that swallowed the rest of a file after a stray quote is quoted in a line,
//! not in megabytes.

/// The most characters of a value a message quotes.
pub const EXCERPT_CHARS: usize = 80;

/// `value` escaped, cut at [`EXCERPT_CHARS`] characters with an ellipsis and
/// its full length when longer.
pub fn excerpt(value: &str) -> String {
    let (shown, rest) = split(value);
    let escaped = shown.escape_debug().to_string();
    match rest {
        None => escaped,
        Some(total) => format!("{escaped}… ({total} characters)"),
    }
}

/// `value` as written, cut like [`excerpt`] when longer than
/// [`EXCERPT_CHARS`] characters (for values that are shown unescaped, such
/// as a phone number as the audience wrote it).
pub fn shortened(value: &str) -> String {
    match split(value) {
        (shown, None) => shown.to_owned(),
        (shown, Some(total)) => format!("{shown}… ({total} characters)"),
    }
}

/// The first [`EXCERPT_CHARS`] characters, and the total count when there are more.
fn split(value: &str) -> (&str, Option<usize>) {
    match value.char_indices().nth(EXCERPT_CHARS) {
        None => (value, None),
        Some((end, _)) => (&value[..end], Some(value.chars().count())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_escaped_whole() {
        assert_eq!(excerpt("a\tb\u{1b}[2J"), "a\\tb\\u{1b}[2J");
    }

    #[test]
    fn long_values_are_cut_and_say_how_long_they_are() {
        let value = format!("SPRING\n{}", "x".repeat(10_000));
        let quoted = excerpt(&value);
        assert!(quoted.starts_with("SPRING\\nxxx"), "{quoted}");
        assert!(quoted.ends_with("… (10007 characters)"), "{quoted}");
        assert!(quoted.len() < 120, "{quoted}");
        let long = "0".repeat(200);
        assert_eq!(
            shortened(&long),
            format!("{}… (200 characters)", "0".repeat(80))
        );
        assert_eq!(shortened("+1\u{a0}015"), "+1\u{a0}015");
    }
}
