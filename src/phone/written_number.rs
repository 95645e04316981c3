//! A phone number as people write it in a spreadsheet — an optional `+`, digits
//! and visual separators — read without the `phonenumber` crate's parser.
//!
//! `Phone::parse` tries this first. For these common shapes it repeats the
//! crate's parsing steps (international prefix, country code, national prefix)
//! against the compiled [`NumberingPlan`], and gives a number only when the
//! crate would give the same valid number. Anything else — other characters,
//! unusual shapes, numbers that look invalid — goes to the crate's parser, so
//! what is rejected, and why, stays exactly as it was.

use crate::phone::numbering_plan::{NumberingPlan, Region};
use phonenumber::country::Id as CountryId;

/// The national significant number is at most 17 digits.
const MAX_NATIONAL_LEN: usize = 17;

/// The digits of a number written as `+`, digits and separators.
pub struct WrittenNumber {
    plus: bool,
    digits: String,
    /// Digits before the first `-`, `.`, `(` or `)` when the crate would read the
    /// text as an RFC 3966 number (`+44-7400-000000`): it takes them as the country code.
    rfc3966_code_len: Option<usize>,
}

/// Where the country code comes from, as the crate's parser decides it.
enum Source {
    /// After a `+`.
    Plus,
    /// After the default country's international prefix (`00`).
    InternationalPrefix,
    /// The default country's.
    DefaultCountry,
}

impl WrittenNumber {
    /// Reads `text` if it is an optional `+` followed by a digit, then digits and
    /// separators (space, `-`, `.`, `(`, `)`, `/`, no-break space) only.
    pub fn read(text: &str) -> Option<WrittenNumber> {
        let (plus, body) = match text.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if !body.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let mut digits = String::with_capacity(body.len());
        let (mut space, mut first_separator, mut slash_after) = (false, None, false);
        for c in body.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' => space = true,
                '-' | '.' | '(' | ')' => {
                    first_separator.get_or_insert(digits.len());
                }
                '/' | '\u{a0}' => slash_after |= first_separator.is_some(),
                _ => return None,
            }
        }
        // The crate's RFC 3966 reader refuses spaces, and needs the rest of the
        // text after the first separator to be digits and `-.()` only.
        let rfc3966_code_len = first_separator.filter(|_| plus && !space && !slash_after);
        Some(WrittenNumber {
            plus,
            digits,
            rfc3966_code_len,
        })
    }

    /// The international digits of the valid number the crate would make of
    /// this text with `country` as the default; `None` when it would not, or
    /// when only the crate can tell.
    pub fn resolve(&self, country: Option<CountryId>) -> Option<String> {
        if self.digits.len() < 3 {
            return None;
        }
        let default = match country {
            Some(id) => Some(NumberingPlan::region_of(id)?),
            None => None,
        };
        let (plan, national) = match self.rfc3966_code_len {
            Some(len) => self.split_rfc3966(len)?,
            None => self.split(default)?,
        };
        let national = strip_national_prefix(plan, national, default);
        if national.len() < 2 || national.len() > MAX_NATIONAL_LEN || !fits(&national) {
            return None;
        }
        if !plan.is_valid(&national) {
            return None;
        }
        Some(format!("{}{national}", plan.code()))
    }

    /// `+44-7400-000000`: the country code is the digits before the first separator.
    fn split_rfc3966(&self, len: usize) -> Option<(&'static NumberingPlan, &str)> {
        let (code, national) = self.digits.split_at(len);
        if !(1..=3).contains(&code.len()) || code.starts_with('0') || national.len() <= 2 {
            return None;
        }
        Some((NumberingPlan::get(code.parse().ok()?)?, national))
    }

    /// The calling code's plan and the national number, as the crate splits them.
    fn split(&self, default: Option<&Region>) -> Option<(&'static NumberingPlan, &str)> {
        let (source, digits) = self.source(default)?;
        match source {
            Source::Plus | Source::InternationalPrefix => split_country_code(digits),
            Source::DefaultCountry => {
                let region = default?;
                let plan = NumberingPlan::get(region.country_code())?;
                let code = region.country_code().to_string();
                let includes_code = digits.starts_with(&code)
                    && (!region.general_matches(digits)
                        || !region.is_possible_length(digits.len()));
                Some((
                    plan,
                    if includes_code {
                        &digits[code.len()..]
                    } else {
                        digits
                    },
                ))
            }
        }
    }

    /// Where the country code comes from, and the digits after any `00`.
    fn source(&self, default: Option<&Region>) -> Option<(Source, &str)> {
        let prefix_len = default.and_then(|r| r.international_prefix_len(&self.digits));
        if self.plus {
            // `+00 44…`: the crate strips the international prefix too; leave that to it.
            return prefix_len.is_none().then_some((Source::Plus, &self.digits));
        }
        Some(match prefix_len {
            Some(len) if !self.digits[len..].starts_with('0') => {
                (Source::InternationalPrefix, &self.digits[len..])
            }
            _ => (Source::DefaultCountry, &self.digits),
        })
    }
}

/// `447400000000` → the plan of `44` and `7400000000`: the shortest known code wins.
fn split_country_code(digits: &str) -> Option<(&'static NumberingPlan, &str)> {
    if digits.len() <= 2 || digits.starts_with('0') {
        return None;
    }
    (1..=3).find_map(|len| {
        let plan = NumberingPlan::get(digits[..len].parse().ok()?)?;
        Some((plan, &digits[len..]))
    })
}

/// The national number without its national prefix, by the rules of the default
/// country if there is one (as the crate does, even for another country's
/// number), else of the region the number belongs to.
fn strip_national_prefix(plan: &NumberingPlan, national: &str, default: Option<&Region>) -> String {
    let region = default.or_else(|| plan.region_for(national.trim_start_matches('0')));
    let Some(region) = region else {
        return national.to_owned();
    };
    let stripped = region.strip_national_prefix(national);
    if region.is_too_short(stripped.len()) {
        national.to_owned()
    } else {
        stripped
    }
}

/// Whether the crate can hold `national`: some digit other than leading zeros,
/// and a value below 2⁵⁶.
fn fits(national: &str) -> bool {
    let value = national.trim_start_matches('0');
    !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit())
        && value.parse::<u64>().is_ok_and(|v| v < 1 << 56)
}
