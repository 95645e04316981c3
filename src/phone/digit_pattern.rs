//! One pattern of the numbering plans, matched at the first digit of a string
//! of ASCII digits.
//!
//! A pattern is built into a complete deterministic automaton where one fits
//! in [`LARGEST_DFA`]: searching it reads the digits once and needs no scratch
//! space, so the threads checking an audience share it without anything to
//! take or give back. A `regex::Regex` keeps its scratch space in a pool that
//! only its first user takes without a lock; on the million-row plan the
//! other threads' trips through that pool and the meta engine's set-up cost
//! more than the search itself. A pattern too large for a dense automaton
//! keeps the regex.
//!
//! The automaton reads bytes, so `\d` is `[0-9]`; the regex's Unicode `\d`
//! would also take other scripts' digits, but every string checked here is
//! ASCII digits (a written number's digits, or the crate's national number),
//! which both read alike.

use regex::{Regex, RegexBuilder};
use regex_automata::dfa::Automaton as _;
use regex_automata::dfa::{StartKind, dense};
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input};

/// The most bytes one pattern's automaton may take. Every pattern of the
/// metadata fits: all 1,398 (each built only once a number needs its calling
/// code) take 1.9 MB together.
const LARGEST_DFA: usize = 4 << 20;

pub enum DigitPattern {
    Dfa(Box<dense::DFA<Vec<u32>>>),
    Regex(Regex),
}

impl DigitPattern {
    /// `pattern`, in the crate's syntax (whitespace insignificant), matched
    /// only at the start of the text. A match starts at the first digit
    /// exactly when the crate's unanchored leftmost match does, and the
    /// leftmost-first match found there is the same. The newline ends a `#`
    /// comment, should a pattern ever have one.
    pub fn anchored(pattern: &str) -> DigitPattern {
        let anchored = anchoring(pattern);
        let dfa = dense::Builder::new()
            .syntax(
                syntax::Config::new()
                    .ignore_whitespace(true)
                    .unicode(false)
                    .utf8(false),
            )
            .configure(
                dense::DFA::config()
                    .start_kind(StartKind::Anchored)
                    .dfa_size_limit(Some(LARGEST_DFA))
                    .determinize_size_limit(Some(LARGEST_DFA)),
            )
            .build(&anchored);
        match dfa {
            Ok(dfa) => DigitPattern::Dfa(Box::new(dfa)),
            Err(_) => DigitPattern::Regex(as_the_crate_compiles(&anchored)),
        }
    }

    /// Whether the pattern matches at the start of `digits`.
    pub fn is_match(&self, digits: &str) -> bool {
        debug_assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{digits}");
        match self {
            DigitPattern::Dfa(dfa) => {
                let input = Input::new(digits).anchored(Anchored::Yes).earliest(true);
                matches!(dfa.try_search_fwd(&input), Ok(Some(_)))
            }
            DigitPattern::Regex(regex) => regex.is_match(digits),
        }
    }

    /// Where the pattern's leftmost-first match at the start of `digits`
    /// ends, if it matches there.
    pub fn match_end(&self, digits: &str) -> Option<usize> {
        debug_assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{digits}");
        match self {
            DigitPattern::Dfa(dfa) => {
                let input = Input::new(digits).anchored(Anchored::Yes);
                dfa.try_search_fwd(&input).ok()?.map(|m| m.offset())
            }
            DigitPattern::Regex(regex) => regex.find(digits).map(|m| m.end()),
        }
    }
}

/// `pattern` matched only at the start of the text, its `#` comment (should
/// it have one) ended by the newline.
fn anchoring(pattern: &str) -> String {
    format!("^(?:{pattern}\n)")
}

/// `pattern` compiled as a regex with the crate's options.
pub fn as_the_crate_compiles(pattern: &str) -> Regex {
    RegexBuilder::new(pattern)
        .ignore_whitespace(true)
        .build()
        .expect("the phonenumber metadata patterns compile")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(pattern: &str) -> (DigitPattern, DigitPattern) {
        let regex = as_the_crate_compiles(&anchoring(pattern));
        let dfa = DigitPattern::anchored(pattern);
        assert!(matches!(dfa, DigitPattern::Dfa(_)), "{pattern} builds");
        (dfa, DigitPattern::Regex(regex))
    }

    #[test]
    fn the_automaton_answers_as_the_regex_does() {
        let patterns = [
            // Leftmost-first: the shorter alternative wins where both match.
            "0(?:0|011)",
            "7(?:[1-3]\\d\\d|4(?:[0-46-9]\\d|5[0-689]))\\d{6}",
            "(?:1[0-8]|2[1-9])\\d{2,3}",
            "8 \\d{3}  # a comment\n",
        ];
        let inputs = [
            "",
            "0",
            "00",
            "0011",
            "00112",
            "7400123456",
            "74001234567",
            "1012",
            "10123",
            "101234",
            "2934",
            "8123",
            "812",
            "9",
        ];
        for pattern in patterns {
            let (dfa, regex) = both(pattern);
            for input in inputs {
                assert_eq!(
                    dfa.is_match(input),
                    regex.is_match(input),
                    "{pattern} on {input}"
                );
                assert_eq!(
                    dfa.match_end(input),
                    regex.match_end(input),
                    "{pattern} on {input}"
                );
            }
        }
    }

    #[test]
    fn a_match_must_start_at_the_first_digit() {
        let pattern = DigitPattern::anchored("44");
        assert!(pattern.is_match("4412"));
        assert!(!pattern.is_match("0440"));
        assert_eq!(pattern.match_end("0440"), None);
    }
}
