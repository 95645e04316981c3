//! Phone numbers: parsed and validated against the numbering plans of the
//! `phonenumber` crate (libphonenumber's metadata), normalised to international
//! digits without `+`, and held as a `u64` so a million recipients stay small.
//! Validation uses the plans compiled by [`NumberingPlan`]; common written
//! shapes are read by [`WrittenNumber`] without the crate's slower parser.
//! Numbers a spreadsheet mangled get an error that says what happened.

use crate::diagnostic::shortened;
use crate::phone::numbering_plan::NumberingPlan;
use crate::phone::written_number::WrittenNumber;
use phonenumber::country::Id as CountryId;
use std::fmt;

/// A validated number in international form (E.164 digits, no `+`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(u64);

/// Why a written number is not a valid phone number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error(
        "`{0}` is a number in scientific notation: a spreadsheet converted the phone column to numbers and may have lost digits; export the column as text"
    )]
    Scientific(String),
    #[error(
        "`{raw}` is not a valid {country} number; with a leading `+` it is `+{digits}`: the `+` was probably lost by a spreadsheet"
    )]
    LostPlus {
        raw: String,
        country: String,
        digits: String,
    },
    #[error(
        "`{raw}` is not a valid number; with a leading `0` it is a valid {country} number (`+{digits}`): the `0` was probably lost by a spreadsheet"
    )]
    LostZero {
        raw: String,
        country: String,
        digits: String,
    },
    #[error(
        "`{0}` is in national form but no `audience.default_country` is set; write it as `+<country code>…` or set a default country"
    )]
    NoCountry(String),
    #[error("`{0}` is not a valid phone number")]
    Invalid(String),
}

/// The country national numbers belong to, as a two-letter region code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Country(CountryId);

impl Country {
    /// Reads an ISO 3166 alpha-2 region code (`GB`, `us`) that has a
    /// numbering plan (a code without one could not parse national numbers).
    pub fn parse(code: &str) -> Option<Country> {
        let upper = code.trim().to_ascii_uppercase();
        if upper.len() != 2
            || phonenumber::metadata::DATABASE
                .by_id(upper.as_str())
                .is_none()
        {
            return None;
        }
        upper.parse::<CountryId>().ok().map(Country)
    }

    pub fn code(&self) -> &str {
        self.0.as_ref()
    }
}

impl Phone {
    /// Parses and validates `raw` as a phone number. National forms use
    /// `default_country`; international forms start with `+` or `00`.
    pub fn parse(raw: &str, default_country: Option<Country>) -> Result<Phone, PhoneError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        if looks_scientific(trimmed) {
            return Err(PhoneError::Scientific(shortened(trimmed)));
        }
        let international = trimmed.starts_with('+') || trimmed.starts_with("00");
        match default_country {
            _ if international => parse_valid(trimmed, default_country)
                .ok_or_else(|| PhoneError::Invalid(shortened(trimmed))),
            Some(country) => parse_valid(trimmed, Some(country))
                .ok_or_else(|| diagnose_national(trimmed, country)),
            None => parse_valid(&format!("+{trimmed}"), None)
                .ok_or_else(|| PhoneError::NoCountry(shortened(trimmed))),
        }
    }

    /// Reads already-normalised international digits (as journals and plans store them).
    pub fn from_digits(digits: &str) -> Option<Phone> {
        let digits = digits.strip_prefix('+').unwrap_or(digits);
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if digits.starts_with('0') {
            return None;
        }
        digits.parse().ok().map(Phone)
    }

    /// The number a journal stored as an integer ([`Phone::as_u64`]): what
    /// [`Phone::from_digits`] reads from its digits, without writing them.
    pub fn from_stored(value: i64) -> Option<Phone> {
        (1..1_000_000_000_000_000)
            .contains(&value)
            .then_some(Phone(value as u64))
    }

    /// International digits without `+`, as Sinch wants them.
    pub fn digits(&self) -> String {
        self.0.to_string()
    }

    pub fn as_u64(&self) -> u64 {
        self.0
    }

    /// The number for people to read when numbers must not be shown in full:
    /// the country calling code and the last four digits, e.g. `+44 •••• ••0123`.
    pub fn masked(&self) -> String {
        let digits = self.digits();
        let code_len = country_code_len(&digits);
        let (code, rest) = digits.split_at(code_len);
        let keep = rest.len().min(4);
        let hidden = rest.len() - keep;
        let mut dots = String::new();
        for index in 0..hidden {
            if index > 0 && index % 4 == 0 {
                dots.push(' ');
            }
            dots.push('•');
        }
        format!("+{code} {dots}{}", &rest[rest.len() - keep..])
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The number `text` names, if the numbering plans say it is valid. Common
/// shapes are read directly; the rest goes through the crate's parser.
fn parse_valid(text: &str, country: Option<Country>) -> Option<Phone> {
    let country = country.map(|c| c.0);
    WrittenNumber::read(text)
        .and_then(|written| written.resolve(country))
        .and_then(|digits| Phone::from_digits(&digits))
        .or_else(|| parse_with_crate(text, country))
}

/// `text` read by the crate's parser and checked against the compiled plans.
fn parse_with_crate(text: &str, country: Option<CountryId>) -> Option<Phone> {
    let number = phonenumber::parse(country, text).ok()?;
    let national = number.national().to_string();
    let plan = NumberingPlan::get(number.country().code())?;
    if !plan.is_valid(&national) {
        return None;
    }
    Phone::from_digits(&number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Explains why a number written for `country` failed: a lost `+` or `0`, or plainly invalid.
fn diagnose_national(raw: &str, country: Country) -> PhoneError {
    if raw.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(phone) = parse_valid(&format!("+{raw}"), None) {
            return PhoneError::LostPlus {
                raw: raw.to_owned(),
                country: country.code().to_owned(),
                digits: phone.digits(),
            };
        }
        if let Some(phone) = parse_valid(&format!("0{raw}"), Some(country)) {
            return PhoneError::LostZero {
                raw: raw.to_owned(),
                country: country.code().to_owned(),
                digits: phone.digits(),
            };
        }
    }
    PhoneError::Invalid(shortened(raw))
}

/// `4.47700900123E+11`, `4.477e11`: a number a spreadsheet wrote in scientific notation.
fn looks_scientific(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let Some((mantissa, exponent)) = lower.split_once('e') else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.bytes().any(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// Length of the ITU country calling code that starts `digits` (1 to 3 digits).
fn country_code_len(digits: &str) -> usize {
    (1..=3)
        .find(|len| {
            digits
                .get(..*len)
                .and_then(|code| code.parse::<u16>().ok())
                .is_some_and(|code| phonenumber::metadata::DATABASE.by_code(&code).is_some())
        })
        .unwrap_or(1)
        .min(digits.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_number_reads_back_as_its_digits_would() {
        for value in [
            i64::MIN,
            -447_400_000_000,
            0,
            1,
            447_400_000_000,
            999_999_999_999_999,
            1_000_000_000_000_000,
            i64::MAX,
        ] {
            assert_eq!(
                Phone::from_stored(value),
                Phone::from_digits(&value.to_string()),
                "{value}"
            );
        }
    }

    fn gb() -> Option<Country> {
        Country::parse("GB")
    }

    #[test]
    fn national_and_international_forms_normalise_to_digits() {
        for raw in [
            "07911 123456",
            "+44 7911 123456",
            "0044 7911 123456",
            "447911123456",
            "7911123456",
        ] {
            assert_eq!(
                Phone::parse(raw, gb()).unwrap().digits(),
                "447911123456",
                "{raw}"
            );
        }
        assert_eq!(
            Phone::parse("+1 (201) 555-0123", gb()).unwrap().digits(),
            "12015550123"
        );
    }

    #[test]
    fn spreadsheet_damage_is_named() {
        assert!(matches!(
            Phone::parse("4.47700900123E+11", gb()),
            Err(PhoneError::Scientific(_))
        ));
        assert!(matches!(
            Phone::parse("4915123456789", gb()),
            Err(PhoneError::LostPlus { .. })
        ));
        assert!(matches!(
            Phone::parse("612345678", Country::parse("IT")),
            Err(PhoneError::LostZero { .. })
        ));
        assert!(matches!(
            Phone::parse("12345", gb()),
            Err(PhoneError::Invalid(_))
        ));
        assert!(matches!(Phone::parse("", gb()), Err(PhoneError::Empty)));
    }

    #[test]
    fn countries_without_a_numbering_plan_are_refused() {
        assert!(Country::parse("gb").is_some());
        assert!(Country::parse("UK").is_none());
        assert!(
            Country::parse("AQ").is_none(),
            "Antarctica has no numbering plan"
        );
        assert!(Country::parse("GBR").is_none());
    }

    #[test]
    fn national_numbers_need_a_country() {
        assert!(matches!(
            Phone::parse("07911 123456", None),
            Err(PhoneError::NoCountry(_))
        ));
        assert_eq!(
            Phone::parse("447911123456", None).unwrap().digits(),
            "447911123456"
        );
    }

    #[test]
    fn masking_keeps_country_code_and_last_digits() {
        let phone = Phone::from_digits("447700900123").unwrap();
        assert_eq!(phone.masked(), "+44 •••• ••0123");
        let us = Phone::from_digits("12015550123").unwrap();
        assert_eq!(us.masked(), "+1 •••• ••0123");
    }
}

mod digit_pattern;
#[cfg(test)]
mod equivalence_tests;
mod number_map;
pub mod numbering_plan;
pub mod time_zones;
pub mod written_number;
pub use number_map::{NumberHasher, NumberMap};
