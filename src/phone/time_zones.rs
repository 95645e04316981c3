//! Which time zones a number may be in, from libphonenumber's time-zone data
//! (`data/libphonenumber/`, embedded): the zones of the longest prefix of the
//! number's digits (country calling code, then national digits) that the data
//! lists. A number whose prefix has one zone is unambiguous; several zones
//! (a whole country such as `+61` outside its area codes, or an area code on
//! a zone line) leave it ambiguous. Numbers are looked up by prefix only,
//! without telling mobile from fixed lines: where a country's mobile numbers
//! carry no area code the data lists no longer prefix for them, and the
//! country's zones apply.
//!
//! The map is parsed once; a lookup is at most one hash probe per digit.

use super::Phone;
use std::collections::HashMap;
use std::sync::OnceLock;

/// libphonenumber's `resources/timezones/map_data.txt` (see its README).
const MAP_DATA: &str = include_str!("../../data/libphonenumber/timezones_map_data.txt");

/// The zones one prefix of the data lists, by their index in the map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZoneListId(pub u32);

/// The parsed data: prefixes → zone lists.
pub struct TimeZoneMap {
    /// Keyed by [`key`] of the prefix's value and length.
    prefixes: HashMap<u64, ZoneListId>,
    lists: Vec<Vec<&'static str>>,
    longest: u32,
}

impl TimeZoneMap {
    /// The embedded data, parsed on first use.
    pub fn get() -> &'static TimeZoneMap {
        static MAP: OnceLock<TimeZoneMap> = OnceLock::new();
        MAP.get_or_init(|| TimeZoneMap::parse(MAP_DATA))
    }

    /// Parses lines of `prefix|Zone/One&Zone/Two`; `#` lines and blank lines
    /// are comments. A malformed line is left out (the embedded file has
    /// none; a test says so).
    fn parse(text: &'static str) -> TimeZoneMap {
        let mut map = TimeZoneMap {
            prefixes: HashMap::new(),
            lists: Vec::new(),
            longest: 0,
        };
        let mut seen: HashMap<&'static str, ZoneListId> = HashMap::new();
        for (prefix, zones) in text.lines().filter_map(entry) {
            let id = *seen.entry(zones).or_insert_with(|| {
                map.lists.push(zones.split('&').collect());
                ZoneListId(map.lists.len() as u32 - 1)
            });
            let length = prefix.len() as u32;
            let value: u64 = prefix.parse().expect("entry() checked the digits");
            map.prefixes.insert(key(value, length), id);
            map.longest = map.longest.max(length);
        }
        map
    }

    /// The zone list of the longest prefix of `phone` the data has, if any.
    pub fn lookup(&self, phone: Phone) -> Option<ZoneListId> {
        let digits = phone.as_u64();
        let length = digit_count(digits);
        let mut shift = 10u64.pow(length.saturating_sub(self.longest));
        for prefix_length in (1..=length.min(self.longest)).rev() {
            if let Some(id) = self.prefixes.get(&key(digits / shift, prefix_length)) {
                return Some(*id);
            }
            shift *= 10;
        }
        None
    }

    /// The IANA names of a zone list.
    pub fn zones(&self, id: ZoneListId) -> &[&'static str] {
        &self.lists[id.0 as usize]
    }

    /// How many prefixes the data lists.
    pub fn len(&self) -> usize {
        self.prefixes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prefixes.is_empty()
    }

    /// Every zone name the data uses, each once.
    pub fn all_zones(&self) -> impl Iterator<Item = &'static str> + '_ {
        let mut names: Vec<&'static str> = self.lists.iter().flatten().copied().collect();
        names.sort_unstable();
        names.dedup();
        names.into_iter()
    }
}

/// One line of the data as (prefix digits, zones), or `None` for a comment.
fn entry(line: &'static str) -> Option<(&'static str, &'static str)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (prefix, zones) = line.split_once('|')?;
    let digits =
        !prefix.is_empty() && prefix.len() <= 18 && prefix.bytes().all(|b| b.is_ascii_digit());
    (digits && !zones.is_empty()).then_some((prefix, zones))
}

/// A prefix's key: its value and its length, so `44` and `044` differ.
fn key(value: u64, length: u32) -> u64 {
    value * 32 + u64::from(length)
}

fn digit_count(mut value: u64) -> u32 {
    let mut count = 1;
    while value >= 10 {
        value /= 10;
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zones_of(number: &str) -> Vec<&'static str> {
        let map = TimeZoneMap::get();
        let phone = Phone::from_digits(number).unwrap();
        map.lookup(phone)
            .map(|id| map.zones(id).to_vec())
            .unwrap_or_default()
    }

    #[test]
    fn every_line_of_the_data_is_read() {
        let entries = MAP_DATA
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(TimeZoneMap::get().len(), entries);
    }

    #[test]
    fn the_longest_prefix_wins() {
        assert_eq!(zones_of("12125550100"), ["America/New_York"]);
        assert_eq!(zones_of("14155550100"), ["America/Los_Angeles"]);
        assert_eq!(
            zones_of("12082400123"),
            ["America/Boise", "America/Los_Angeles"]
        );
        assert_eq!(zones_of("919876543210"), ["Asia/Calcutta"]);
        assert_eq!(zones_of("818012345678"), ["Asia/Tokyo"]);
        assert_eq!(zones_of("61412345678"), ["Australia/Sydney"]);
        assert!(
            zones_of("61812345678").len() > 1,
            "{:?}",
            zones_of("61812345678")
        );
        assert_eq!(
            zones_of("447400123456"),
            ["Europe/Guernsey", "Europe/Isle_of_Man", "Europe/London"]
        );
    }

    #[test]
    fn every_zone_the_data_names_is_in_the_bundled_database() {
        let unknown: Vec<&str> = TimeZoneMap::get()
            .all_zones()
            .filter(|name| jiff::tz::db().get(name).is_err())
            .collect();
        assert!(unknown.is_empty(), "{unknown:?}");
    }
}
