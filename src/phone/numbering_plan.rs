//! The numbering plans of the `phonenumber` crate (libphonenumber's metadata),
//! compiled once into our own automata (`digit_pattern.rs`) so that checking
//! a number is a few lock-free matches.
//!
//! The crate keeps every pattern as a string and, on each use, looks it up in a
//! global `Mutex`-guarded LRU keyed by that string; with a dozen patterns per
//! number that costs about 15 µs a number and serialises threads. Here each
//! calling code's regions are compiled the first time a number needs them and
//! kept for the life of the process, read without locks.
//!
//! The rules are the crate's, not a cleaner reading of libphonenumber: a
//! pattern "matches" when the descriptor's possible lengths (if any) contain the
//! length and a match starts at the first digit, and a number belongs to the
//! first region of its calling code whose leading digits match (or, for a
//! region without leading digits, whose patterns accept it). `Phone::parse`
//! must accept and reject exactly what the crate does.

use crate::phone::digit_pattern::{DigitPattern, as_the_crate_compiles};
use phonenumber::country::Id as CountryId;
use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::Regex;
use std::sync::OnceLock;

/// Calling codes are one to three digits.
const CODES: usize = 1000;

static PLANS: [OnceLock<Option<NumberingPlan>>; CODES] = [const { OnceLock::new() }; CODES];

/// The numbering plan of one country calling code: its regions, main region first.
pub struct NumberingPlan {
    code: u16,
    regions: Vec<Region>,
}

/// One region's rules: a territory, or the non-geographic entity `001`.
pub struct Region {
    id: String,
    id_is_known: bool,
    country_code: u16,
    general: Pattern,
    general_local_lengths: Vec<u16>,
    types: Vec<Pattern>,
    leading_digits: Option<DigitPattern>,
    international_prefix: Option<DigitPattern>,
    national_prefix: Option<String>,
    prefix_for_parsing: Option<Regex>,
    transform_rule: Option<String>,
}

/// A descriptor's pattern, anchored at the first digit, and its possible lengths.
struct Pattern {
    regex: DigitPattern,
    lengths: Vec<u16>,
}

impl NumberingPlan {
    /// The plan for calling code `code`, compiled on first use; `None` if no region uses it.
    pub fn get(code: u16) -> Option<&'static NumberingPlan> {
        let slot = PLANS.get(usize::from(code))?;
        slot.get_or_init(|| NumberingPlan::compile(code)).as_ref()
    }

    /// The plan of the region `country` (`GB`), if the metadata has one.
    pub fn region_of(country: CountryId) -> Option<&'static Region> {
        let id: &str = country.as_ref();
        let code = DATABASE.by_id(id)?.country_code();
        NumberingPlan::get(code)?
            .regions
            .iter()
            .find(|r| r.id == id)
    }

    fn compile(code: u16) -> Option<NumberingPlan> {
        let regions = DATABASE.by_code(&code)?;
        Some(NumberingPlan {
            code,
            regions: regions.into_iter().map(Region::compile).collect(),
        })
    }

    pub fn code(&self) -> u16 {
        self.code
    }

    /// Whether `national` (the national significant number, leading zeros
    /// included) is a valid number of this calling code.
    pub fn is_valid(&self, national: &str) -> bool {
        self.region_for(national)
            .is_some_and(|region| region.accepts(national))
    }

    /// The region whose rules decide `national`, chosen as the crate chooses it.
    pub fn region_for(&self, national: &str) -> Option<&Region> {
        if let [only] = self.regions.as_slice() {
            return (only.id == "001" || only.id_is_known).then_some(only);
        }
        self.regions
            .iter()
            .find(|region| match &region.leading_digits {
                Some(leading) => leading.is_match(national),
                None => region.accepts(national),
            })
    }
}

impl Region {
    fn compile(meta: &Metadata) -> Region {
        let descriptors = meta.descriptors();
        // Any type will do, so the common ones go first.
        let types = [
            descriptors.mobile(),
            descriptors.fixed_line(),
            descriptors.toll_free(),
            descriptors.premium_rate(),
            descriptors.shared_cost(),
            descriptors.personal_number(),
            descriptors.voip(),
            descriptors.pager(),
            descriptors.uan(),
            descriptors.voicemail(),
        ];
        Region {
            id: meta.id().to_owned(),
            id_is_known: meta.id().parse::<CountryId>().is_ok(),
            country_code: meta.country_code(),
            general: Pattern::compile(descriptors.general()),
            general_local_lengths: descriptors.general().possible_local_length().to_vec(),
            types: types.into_iter().flatten().map(Pattern::compile).collect(),
            leading_digits: meta
                .leading_digits()
                .map(|re| DigitPattern::anchored(re.as_str())),
            international_prefix: meta
                .international_prefix()
                .map(|re| DigitPattern::anchored(re.as_str())),
            national_prefix: meta.national_prefix().map(str::to_owned),
            prefix_for_parsing: meta
                .national_prefix_for_parsing()
                .map(|re| as_the_crate_compiles(re.as_str())),
            transform_rule: meta.national_prefix_transform_rule().map(str::to_owned),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// Whether the general pattern and the pattern of some number type accept `national`.
    pub fn accepts(&self, national: &str) -> bool {
        self.general.matches(national) && self.types.iter().any(|t| t.matches(national))
    }

    /// Whether the general pattern accepts `national`.
    pub fn general_matches(&self, national: &str) -> bool {
        self.general.matches(national)
    }

    /// Length of the international dialling prefix (`00`) that starts `digits`, if one does.
    pub fn international_prefix_len(&self, digits: &str) -> Option<usize> {
        self.international_prefix.as_ref()?.match_end(digits)
    }

    /// `national` with the national prefix (and any carrier code) removed, as
    /// the crate's parser removes it: by the region's prefix-for-parsing rule
    /// (and transform rule) if it has one, then once more by the plain prefix.
    pub fn strip_national_prefix(&self, national: &str) -> String {
        let mut stripped = self.apply_prefix_for_parsing(national);
        if let Some(prefix) = &self.national_prefix
            && stripped.starts_with(prefix.as_str())
        {
            stripped.drain(..prefix.len());
        }
        stripped
    }

    fn apply_prefix_for_parsing(&self, national: &str) -> String {
        let Some(parsing) = &self.prefix_for_parsing else {
            return self.strip_plain_prefix(national).to_owned();
        };
        let Some(found) = parsing.find(national).filter(|m| m.start() == 0) else {
            return national.to_owned();
        };
        let Some(transform) = &self.transform_rule else {
            return national[found.end()..].to_owned();
        };
        let captures = parsing.captures(national).expect("the pattern matched");
        if captures.get(captures.len() - 1).is_none() {
            return national[found.end()..].to_owned();
        }
        let transformed = parsing.replace(national, transform.as_str()).into_owned();
        if self.general.matches(national) && !self.general.matches(&transformed) {
            return national.to_owned();
        }
        transformed
    }

    fn strip_plain_prefix<'a>(&self, national: &'a str) -> &'a str {
        match &self.national_prefix {
            Some(prefix) => national.strip_prefix(prefix.as_str()).unwrap_or(national),
            None => national,
        }
    }

    /// Whether a national number of `len` digits is shorter than any this region uses.
    pub fn is_too_short(&self, len: usize) -> bool {
        let possible = &self.general.lengths;
        !self.general_local_lengths.contains(&(len as u16))
            && possible.first().is_some_and(|&min| (len as u16) < min)
    }

    /// Whether a national number of `len` digits has a length this region uses.
    pub fn is_possible_length(&self, len: usize) -> bool {
        let len = len as u16;
        let possible = &self.general.lengths;
        let (Some(&min), Some(&max)) = (possible.first(), possible.last()) else {
            return false;
        };
        self.general_local_lengths.contains(&len)
            || len == min
            || (len > min && len <= max && possible.contains(&len))
    }
}

impl Pattern {
    fn compile(descriptor: &Descriptor) -> Pattern {
        Pattern {
            regex: DigitPattern::anchored(descriptor.national_number().as_str()),
            lengths: descriptor.possible_length().to_vec(),
        }
    }

    /// The crate's `Descriptor::is_match`: a possible length, and a match at the first digit.
    fn matches(&self, national: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(national.len() as u16)))
            && self.regex.is_match(national)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(code: u16, national: &str) -> bool {
        NumberingPlan::get(code).is_some_and(|plan| plan.is_valid(national))
    }

    #[test]
    fn numbers_are_checked_against_their_calling_code() {
        assert!(valid(44, "7400123456"));
        assert!(!valid(44, "7700900123"), "reserved for drama");
        assert!(!valid(44, "7911312345"));
        assert!(valid(39, "0236618300"), "Italian leading zero kept");
        assert!(valid(1, "2015550123"));
        assert!(!valid(999, "12345678"), "no such calling code");
    }

    #[test]
    fn the_region_is_the_first_whose_leading_digits_match() {
        let plan = NumberingPlan::get(44).unwrap();
        assert_eq!(plan.region_for("7400123456").map(Region::id), Some("GB"));
        assert_eq!(plan.region_for("1481256789").map(Region::id), Some("GG"));
    }

    /// libphonenumber wants a pattern to match the whole number; the crate only
    /// wants a match at the first digit, so with loose possible lengths a valid
    /// number with digits added can pass. We keep the crate's answer.
    #[test]
    fn a_match_need_only_start_at_the_first_digit() {
        assert!(valid(39, "0212345678"));
        assert!(valid(39, "021234567812"));
    }
}
