//! When a window is open in one zone, and in all zones of a set at once, read
//! on each zone's own wall clock with the zone's rules (daylight saving
//! included), never with a fixed offset.
//!
//! A time is in the window when its local time of day is in `[opens,
//! closes)` on a listed day; a window crossing midnight belongs to the day it
//! opened. An opening time that a clock change skips (`02:30` on the night
//! clocks go forward) opens at the first instant after the gap, and one that
//! happens twice opens at its first occurrence: jiff's `compatible`
//! disambiguation, RFC 5545's rule.

use crate::campaign::Window;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// How many days ahead openings are looked for: a week, and the day before.
const DAYS_AHEAD: i32 = 8;

/// Whether `window` is open at `at` in `zone`.
pub fn is_open(window: &Window, zone: &TimeZone, at: Timestamp) -> bool {
    let local = zone.to_datetime(at);
    let minute = local.hour() as u16 * 60 + local.minute() as u16;
    let date = local.date();
    if !window.crosses_midnight() {
        return listed(window, date) && window.opens <= minute && minute < window.closes;
    }
    (minute >= window.opens && listed(window, date))
        || (minute < window.closes && date.yesterday().is_ok_and(|d| listed(window, d)))
}

/// When the window next opens in every zone of `zones` at once, from `at`
/// on (`at` itself when open now); `None` when it never does within a week
/// (zones too far apart for the hours).
pub fn next_open_in_all(window: &Window, zones: &[TimeZone], at: Timestamp) -> Option<Timestamp> {
    if zones.iter().all(|zone| is_open(window, zone, at)) {
        return Some(at);
    }
    // The windows' common part opens when the last of them opens: at one
    // zone's opening.
    let mut candidates: Vec<Timestamp> = zones
        .iter()
        .flat_map(|zone| openings_after(window, zone, at))
        .collect();
    candidates.sort_unstable();
    candidates
        .into_iter()
        .find(|&c| zones.iter().all(|zone| is_open(window, zone, c)))
}

/// The instants the window opens in `zone` after `at`, over the next week.
fn openings_after(window: &Window, zone: &TimeZone, at: Timestamp) -> Vec<Timestamp> {
    let today = zone.to_datetime(at).date();
    (-1..=DAYS_AHEAD)
        .filter_map(|offset| today.checked_add(jiff::Span::new().days(offset)).ok())
        .filter(|date| listed(window, *date))
        .filter_map(|date| zone.to_timestamp(local(date, window.opens)).ok())
        .filter(|&opening| opening > at)
        .collect()
}

/// `date` at `minutes` after its midnight (1440 is the next midnight).
fn local(date: Date, minutes: u16) -> DateTime {
    let (hour, minute) = ((minutes / 60) as i8, (minutes % 60) as i8);
    match hour {
        24 => date.tomorrow().unwrap_or(date).at(0, 0, 0, 0),
        _ => date.at(hour, minute, 0, 0),
    }
}

fn listed(window: &Window, date: Date) -> bool {
    window.days[date.weekday().to_monday_zero_offset() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::WindowZone;

    fn window(opens: u16, closes: u16, days: [bool; 7]) -> Window {
        Window {
            opens,
            closes,
            days,
            time_zone: WindowZone::Recipient,
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn zone(name: &str) -> TimeZone {
        jiff::tz::db().get(name).unwrap()
    }

    #[test]
    fn open_on_local_hours() {
        let nine_to_eight = window(540, 1200, [true; 7]);
        let london = zone("Europe/London");
        // 2026-01-15 is a Thursday; London is on GMT.
        assert!(!is_open(
            &nine_to_eight,
            &london,
            at("2026-01-15T08:59:59Z")
        ));
        assert!(is_open(&nine_to_eight, &london, at("2026-01-15T09:00:00Z")));
        assert!(is_open(&nine_to_eight, &london, at("2026-01-15T19:59:59Z")));
        assert!(!is_open(
            &nine_to_eight,
            &london,
            at("2026-01-15T20:00:00Z")
        ));
        let tokyo = zone("Asia/Tokyo");
        assert!(is_open(&nine_to_eight, &tokyo, at("2026-01-15T00:00:00Z")));
        assert!(!is_open(&nine_to_eight, &tokyo, at("2026-01-15T11:00:00Z")));
    }

    #[test]
    fn a_night_window_belongs_to_the_day_it_opened() {
        let mut friday_night = window(1320, 360, [false; 7]);
        friday_night.days[4] = true;
        let utc = TimeZone::UTC;
        // 2026-01-16 is a Friday.
        assert!(is_open(&friday_night, &utc, at("2026-01-16T23:00:00Z")));
        assert!(is_open(&friday_night, &utc, at("2026-01-17T05:59:00Z")));
        assert!(!is_open(&friday_night, &utc, at("2026-01-17T06:00:00Z")));
        assert!(!is_open(&friday_night, &utc, at("2026-01-16T05:00:00Z")));
        assert!(!is_open(&friday_night, &utc, at("2026-01-17T22:00:00Z")));
        assert_eq!(
            next_open_in_all(&friday_night, &[utc], at("2026-01-17T06:00:00Z")),
            Some(at("2026-01-23T22:00:00Z"))
        );
    }

    #[test]
    fn the_day_clocks_go_forward_opens_by_the_new_offset() {
        let nine_to_eight = window(540, 1200, [true; 7]);
        let new_york = zone("America/New_York");
        // 2026-03-08: New York goes from EST (-5) to EDT (-4) at 02:00.
        assert_eq!(
            next_open_in_all(
                &nine_to_eight,
                std::slice::from_ref(&new_york),
                at("2026-03-08T02:00:00Z")
            ),
            Some(at("2026-03-08T13:00:00Z"))
        );
        assert_eq!(
            next_open_in_all(
                &nine_to_eight,
                std::slice::from_ref(&new_york),
                at("2026-03-07T02:00:00Z")
            ),
            Some(at("2026-03-07T14:00:00Z"))
        );
        // An opening in the skipped hour opens right after the gap.
        let half_past_two = window(150, 600, [true; 7]);
        assert_eq!(
            next_open_in_all(
                &half_past_two,
                std::slice::from_ref(&new_york),
                at("2026-03-08T05:00:00Z")
            ),
            Some(at("2026-03-08T07:30:00Z"))
        );
        assert!(is_open(
            &half_past_two,
            &new_york,
            at("2026-03-08T07:30:00Z")
        ));
    }

    #[test]
    fn the_day_clocks_go_back_closes_by_the_new_offset() {
        let nine_to_eight = window(540, 1200, [true; 7]);
        let london = zone("Europe/London");
        // 2026-10-25: London goes from BST (+1) to GMT at 02:00 local.
        assert!(is_open(&nine_to_eight, &london, at("2026-10-25T19:30:00Z")));
        assert!(!is_open(
            &nine_to_eight,
            &london,
            at("2026-10-24T19:30:00Z")
        ));
        assert_eq!(
            next_open_in_all(&nine_to_eight, &[london], at("2026-10-24T20:00:00Z")),
            Some(at("2026-10-25T09:00:00Z"))
        );
    }

    #[test]
    fn a_set_opens_when_every_zone_is_open() {
        let nine_to_eight = window(540, 1200, [true; 7]);
        let zones = [zone("America/Boise"), zone("America/Los_Angeles")];
        // Boise is an hour ahead: both open at 09:00 Los Angeles time.
        assert_eq!(
            next_open_in_all(&nine_to_eight, &zones, at("2026-01-15T15:30:00Z")),
            Some(at("2026-01-15T17:00:00Z"))
        );
        // London and Sydney never share 09:00-20:00 in January.
        let apart = [zone("Europe/London"), zone("Australia/Sydney")];
        assert_eq!(
            next_open_in_all(&nine_to_eight, &apart, at("2026-01-15T00:00:00Z")),
            None
        );
    }

    #[test]
    fn days_of_the_week_are_local_days() {
        let mut weekdays = window(540, 1200, [true, true, true, true, true, false, false]);
        weekdays.time_zone = WindowZone::Recipient;
        let tokyo = zone("Asia/Tokyo");
        // Friday 2026-01-16 23:00 UTC is Saturday 08:00 in Tokyo: next is Monday 09:00.
        assert_eq!(
            next_open_in_all(&weekdays, &[tokyo], at("2026-01-16T23:00:00Z")),
            Some(at("2026-01-19T00:00:00Z"))
        );
    }
}
