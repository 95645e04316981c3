//! `Phone::parse` must accept, reject and normalise exactly as the
//! implementation it replaced, which parsed with `phonenumber::parse` and
//! validated with `phonenumber::is_valid`. The corpus is every example number in
//! the metadata, written in the ways people write numbers, with one-digit
//! mutations, read with and without a default country.

use super::*;
use phonenumber::Metadata;
use phonenumber::metadata::DATABASE;

/// The implementation before numbers were read through `NumberingPlan`.
mod reference {
    use super::super::{Country, Phone, PhoneError, looks_scientific};

    pub fn parse(raw: &str, default_country: Option<Country>) -> Result<Phone, PhoneError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        if looks_scientific(trimmed) {
            return Err(PhoneError::Scientific(trimmed.to_owned()));
        }
        let international = trimmed.starts_with('+') || trimmed.starts_with("00");
        match default_country {
            _ if international => parse_valid(trimmed, default_country)
                .ok_or_else(|| PhoneError::Invalid(trimmed.to_owned())),
            Some(country) => parse_valid(trimmed, Some(country))
                .ok_or_else(|| diagnose_national(trimmed, country)),
            None => parse_valid(&format!("+{trimmed}"), None)
                .ok_or_else(|| PhoneError::NoCountry(trimmed.to_owned())),
        }
    }

    fn parse_valid(text: &str, country: Option<Country>) -> Option<Phone> {
        let number = phonenumber::parse(country.map(|c| c.0), text).ok()?;
        if !phonenumber::is_valid(&number) {
            return None;
        }
        Phone::from_digits(&number.format().mode(phonenumber::Mode::E164).to_string())
    }

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
        PhoneError::Invalid(raw.to_owned())
    }
}

/// Default countries tried besides none and the number's own region.
const OTHER_COUNTRIES: [&str; 12] = [
    "GB", "US", "DE", "IT", "BR", "AR", "MX", "AU", "IN", "FR", "RU", "JP",
];

/// How many written forms of each example number, and of each mutation, are read.
const FORMS_PER_EXAMPLE: usize = 4;
const FORMS_PER_MUTATION: usize = 2;

/// A fixed-seed xorshift generator: the corpus is the same on every run.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Every region of every calling code, non-geographic entities included.
fn regions() -> Vec<&'static Metadata> {
    (1..1000u16)
        .filter_map(|code| DATABASE.by_code(&code))
        .flatten()
        .collect()
}

/// The example numbers of every descriptor of `meta`.
fn examples(meta: &Metadata) -> Vec<String> {
    let d = meta.descriptors();
    [
        Some(d.general()),
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
        d.emergency(),
        d.short_code(),
        d.standard_rate(),
        d.no_international(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|descriptor| descriptor.example().map(str::to_owned))
    .collect()
}

/// `national` and one-digit mutations of it: a digit added, removed or changed.
fn mutations(national: &str, dice: &mut Dice) -> Vec<String> {
    let mut out = vec![national.to_owned()];
    let digit = char::from(b'0' + dice.below(10) as u8);
    let at = dice.below(national.len() + 1);
    let mut added = national.to_owned();
    added.insert(at, digit);
    out.push(added);
    if national.len() > 1 {
        let mut removed = national.to_owned();
        removed.remove(dice.below(national.len()));
        out.push(removed);
        let mut changed = national.to_owned();
        let at = dice.below(national.len());
        changed.replace_range(at..at + 1, &digit.to_string());
        out.push(changed);
    }
    out
}

/// `national` written the ways people write numbers of country code `cc`.
fn written_forms(cc: u16, prefix: &str, national: &str) -> Vec<String> {
    let split = national.len().min(3).min(national.len() / 2);
    let (a, b) = national.split_at(split);
    vec![
        format!("+{cc}{national}"),
        format!("+{cc} {national}"),
        format!("+{cc} {a} {b}"),
        format!("+{cc}-{a}-{b}"),
        format!("+{cc}{a}-{b}"),
        format!("+{cc}.{a}.{b}"),
        format!("+{cc} ({prefix}) {national}"),
        format!("+{cc}({prefix}){national}"),
        format!("+{cc}\u{a0}{a}/{b}"),
        format!("+{cc}{prefix}{national}"),
        format!("00{cc}{national}"),
        format!("00 {cc} {a}-{b}"),
        format!("011{cc}{national}"),
        national.to_owned(),
        format!("{prefix}{national}"),
        format!("({prefix}{a}) {b}"),
        format!("{prefix}{a}/{b}"),
        format!("{prefix}{a}.{b}"),
        format!("{cc}{national}"),
        format!("{cc} {national}"),
        format!("0{national}"),
        format!("+{national}"),
    ]
}

/// Every input of the corpus with the default countries to read it with.
fn corpus() -> Vec<(String, Option<Country>)> {
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15);
    let mut cases = Vec::new();
    for meta in regions() {
        let own = Country::parse(meta.id());
        let prefix = meta.national_prefix().unwrap_or("");
        for example in examples(meta) {
            for (index, national) in mutations(&example, &mut dice).into_iter().enumerate() {
                let forms = written_forms(meta.country_code(), prefix, &national);
                let picks = if index == 0 {
                    FORMS_PER_EXAMPLE
                } else {
                    FORMS_PER_MUTATION
                };
                for _ in 0..picks {
                    let raw = forms[dice.below(forms.len())].clone();
                    let other = Country::parse(OTHER_COUNTRIES[dice.below(OTHER_COUNTRIES.len())]);
                    let countries = [None, own, own, other];
                    cases.push((raw, countries[dice.below(countries.len())]));
                }
            }
        }
    }
    cases
}

/// The inputs the tests above this module use, and some that are only nearly numbers.
fn hand_picked() -> Vec<(String, Option<Country>)> {
    let gb = Country::parse("GB");
    [
        "07911 123456",
        "+44 7911 123456",
        "0044 7911 123456",
        "447911123456",
        "7911123456",
        "+1 (201) 555-0123",
        "4.47700900123E+11",
        "4915123456789",
        "12345",
        "",
        "+44 7700 900123",
        "+447911 312345",
        "07400 123456",
        "+44-7400-123456",
        "+447400-123456",
        "+4-47400123456",
        "+044-7400-123456",
        "+0044 7400 123456",
        "++44 7400 123456",
        "+44 7400 123456 ext. 12",
        "tel:+44-7400-123456",
        "0 7400 123456",
        "07400 123456)",
        "(07400) 123456",
        "00",
        "+44",
        "+4474001234567890123",
    ]
    .into_iter()
    .flat_map(|raw| {
        [None, gb, Country::parse("IT"), Country::parse("US")].map(|c| (raw.to_owned(), c))
    })
    .collect()
}

#[test]
fn parse_agrees_with_the_crate_on_the_corpus() {
    let cases: Vec<_> = hand_picked().into_iter().chain(corpus()).collect();
    let mut disagreements = Vec::new();
    let (mut accepted, mut read_directly) = (0, 0);
    for (raw, country) in &cases {
        let new = Phone::parse(raw, *country);
        let old = reference::parse(raw, *country);
        accepted += usize::from(old.is_ok());
        read_directly += usize::from(
            WrittenNumber::read(raw.trim())
                .and_then(|written| written.resolve(country.map(|c| c.0)))
                .is_some(),
        );
        if new != old {
            disagreements.push(format!("{raw:?} {country:?}: {new:?} != {old:?}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} inputs disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements[..disagreements.len().min(40)].join("\n")
    );
    assert!(
        cases.len() > 10_000 && accepted > 4_000 && read_directly * 10 > accepted * 9,
        "{} inputs, {accepted} accepted, {read_directly} read directly",
        cases.len()
    );
}
