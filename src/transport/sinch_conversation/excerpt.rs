//! Bounded, neutralised excerpts of bodies that did not have the expected
//! shape, safe to put in an error message, a journal or a terminal.

/// The most characters an excerpt holds, its ellipsis included.
pub const MAX_EXCERPT_CHARS: usize = 500;

/// The first [`MAX_EXCERPT_CHARS`] characters of `body`, decoded lossily as
/// UTF-8, with whitespace runs folded to one space and control or
/// bidirectional-formatting characters replaced by `\u{FFFD}`; `…` marks a cut.
pub fn excerpt(body: &[u8]) -> String {
    excerpt_with_limit(body, MAX_EXCERPT_CHARS)
}

/// Like [`excerpt`], with at most `limit` characters (at least 1).
pub fn excerpt_with_limit(body: &[u8], limit: usize) -> String {
    let limit = limit.max(1);
    // Decode a bounded prefix only: a multi-megabyte body costs nothing more.
    let prefix = &body[..body.len().min(limit.saturating_mul(4) + 4)];
    let text = String::from_utf8_lossy(prefix);
    let mut out = String::new();
    let mut count = 0;
    let mut last_space = false;
    let mut cut = prefix.len() < body.len();
    for c in text.trim().chars() {
        let c = neutral(c);
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        if count == limit {
            cut = true;
            break;
        }
        out.push(c);
        count += 1;
    }
    if cut {
        if count == limit {
            out.pop();
        }
        out.push('…');
    }
    out
}

fn neutral(c: char) -> char {
    match c {
        ' ' | '\t' | '\n' | '\r' => ' ',
        c if c.is_control() => '\u{FFFD}',
        '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => '\u{FFFD}',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_bodies_are_kept_with_whitespace_folded() {
        assert_eq!(
            excerpt(b"  <html>\r\n\t<body>oops</body>  "),
            "<html> <body>oops</body>"
        );
    }

    #[test]
    fn controls_and_bidi_overrides_are_replaced() {
        assert_eq!(
            excerpt("a\u{1b}[31mb\u{202E}c\u{7f}".as_bytes()),
            "a\u{FFFD}[31mb\u{FFFD}c\u{FFFD}"
        );
    }

    #[test]
    fn long_bodies_are_cut_to_the_limit() {
        let body = "é".repeat(2_000);
        let cut = excerpt(body.as_bytes());
        assert_eq!(cut.chars().count(), MAX_EXCERPT_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt_with_limit(b"abcdef", 4), "abc…");
        assert_eq!(excerpt_with_limit(b"abcd", 4), "abcd");
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(excerpt(b"ok \xff\xfe"), "ok \u{FFFD}\u{FFFD}");
    }
}
