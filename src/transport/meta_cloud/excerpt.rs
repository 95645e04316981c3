//! Bounded, neutralised text taken from what a remote party sent.
//!
//! Reasons end up in CSV reports and terminals: control characters (newlines, escapes) and
//! the invisible characters that reorder or hide text (bidirectional overrides, line and
//! paragraph separators) are replaced by spaces, and the text is cut at [`MAX_EXCERPT`]
//! characters.

/// The longest excerpt kept, in characters (an ellipsis is added when cut).
pub const MAX_EXCERPT: usize = 500;

/// `raw` made safe to show: lossily decoded, control characters replaced, at most
/// [`MAX_EXCERPT`] characters.
pub fn excerpt(raw: &[u8]) -> String {
    neutralise(&String::from_utf8_lossy(raw))
}

/// `text` with control characters replaced by spaces, cut to [`MAX_EXCERPT`] characters.
pub fn neutralise(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_EXCERPT + 3));
    for (count, c) in text.chars().enumerate() {
        if count == MAX_EXCERPT {
            out.push('…');
            break;
        }
        out.push(if is_unsafe(c) { ' ' } else { c });
    }
    out
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(neutralise("a\nb\tc\u{1b}[31m"), "a b c [31m");
        assert_eq!(neutralise("x\u{202e}y\u{2028}z"), "x y z");
    }

    #[test]
    fn long_text_is_cut_at_the_limit() {
        let cut = neutralise(&"é".repeat(MAX_EXCERPT + 10));
        assert_eq!(cut.chars().count(), MAX_EXCERPT + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(neutralise(&"x".repeat(MAX_EXCERPT)).len(), MAX_EXCERPT);
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        assert_eq!(excerpt(b"<html>\xff</html>"), "<html>\u{fffd}</html>");
    }
}
