//! `delivery.window`: the hours and days a recipient may be messaged, in the
//! recipient's own local time (or one zone for everyone), as the file writes
//! it and as the checker turns it into a [`Window`].
//!
//! Hours are `[opens, closes)` in local wall-clock time. `22:00-06:00` crosses
//! midnight: the night belongs to the day it opened, so with `days: [fri]` it
//! runs from Friday 22:00 to Saturday 06:00. `closes` may be `24:00`.

use super::field_errors::FieldErrors;
use super::yaml::Spanned;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowFile {
    /// Local hours `HH:MM-HH:MM`, opening inclusive, closing exclusive, e.g.
    /// `09:00-20:00`; `22:00-06:00` crosses midnight.
    #[schemars(with = "String", regex(pattern = r"^\d\d:\d\d-\d\d:\d\d$"))]
    pub hours: Spanned<String>,
    /// The days the window opens (`mon` … `sun`); default every day.
    #[serde(default)]
    #[schemars(with = "Option<Vec<Day>>")]
    pub days: Option<Spanned<Vec<Spanned<String>>>>,
    /// `recipient` (default): each recipient's own zone, from
    /// `audience.time_zone_column` or their number; or one IANA zone for
    /// everyone, e.g. `Europe/Berlin`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub time_zone: Option<Spanned<String>>,
}

/// A day of the week.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Whose clock the window is read on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WindowZone {
    /// Each recipient's: `audience.time_zone_column`, else their number's zones.
    Recipient,
    /// One IANA zone for everyone.
    Fixed(String),
}

/// A checked `delivery.window`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Minutes after local midnight the window opens.
    pub opens: u16,
    /// Minutes after local midnight it closes (up to 1440); before `opens`
    /// when it crosses midnight.
    pub closes: u16,
    /// The days it opens, Monday first.
    pub days: [bool; 7],
    pub time_zone: WindowZone,
}

impl Window {
    pub fn crosses_midnight(&self) -> bool {
        self.closes < self.opens
    }

    /// `09:00-20:00` as written.
    pub fn hours(&self) -> String {
        let at = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        format!("{}-{}", at(self.opens), at(self.closes))
    }

    /// `mon-sat` style: the days listed, or `every day`.
    pub fn days_text(&self) -> String {
        if self.days.iter().all(|d| *d) {
            return "every day".to_owned();
        }
        DAYS.iter()
            .zip(self.days)
            .filter(|(_, on)| *on)
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Checks `file` into a [`Window`], reporting every problem through `errors`.
pub(super) fn check(file: WindowFile, errors: &mut impl FieldErrors) -> Option<Window> {
    let hours = hours(&file.hours, errors);
    let days = days(file.days.as_ref(), errors);
    let time_zone = time_zone(file.time_zone.as_ref(), errors);
    let ((opens, closes), days, time_zone) = (hours?, days?, time_zone?);
    Some(Window {
        opens,
        closes,
        days,
        time_zone,
    })
}

fn hours(written: &Spanned<String>, errors: &mut impl FieldErrors) -> Option<(u16, u16)> {
    match parse_hours(&written.value) {
        Some((opens, closes)) if opens != closes => Some((opens, closes)),
        Some(_) => {
            errors.error_help(
                written,
                "campaign.window",
                format!("`{}` opens and closes at the same time", written.value),
                "give a span such as `09:00-20:00`; for the whole day leave `window` out",
            );
            None
        }
        None => {
            errors.error_help(
                written,
                "campaign.window",
                format!("`{}` is not a span of hours", written.value),
                "write `HH:MM-HH:MM` in 24-hour time, e.g. `09:00-20:00` or `22:00-06:00`",
            );
            None
        }
    }
}

/// `HH:MM-HH:MM` as minutes; the closing time may be `24:00`.
fn parse_hours(text: &str) -> Option<(u16, u16)> {
    let (opens, closes) = text.trim().split_once('-')?;
    let opens = minutes(opens.trim())?;
    let closes = minutes(closes.trim())?;
    (opens < 1440).then_some((opens, closes))
}

fn minutes(text: &str) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(hours) || !two_digits(minutes) {
        return None;
    }
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    match (hours, minutes) {
        (24, 0) => Some(1440),
        (0..=23, 0..=59) => Some(hours * 60 + minutes),
        _ => None,
    }
}

fn days(
    written: Option<&Spanned<Vec<Spanned<String>>>>,
    errors: &mut impl FieldErrors,
) -> Option<[bool; 7]> {
    let Some(written) = written else {
        return Some([true; 7]);
    };
    if written.value.is_empty() {
        errors.error_help(
            written,
            "campaign.window",
            "`delivery.window.days` is empty",
            "list the days to send on, e.g. `[mon, tue, wed, thu, fri]`, or leave `days` out for every day",
        );
        return None;
    }
    let mut days = [false; 7];
    let mut valid = true;
    for day in &written.value {
        match DAYS
            .iter()
            .position(|d| d.eq_ignore_ascii_case(day.value.trim()))
        {
            Some(index) if days[index] => {
                errors.error(
                    day,
                    "campaign.window",
                    format!("`{}` is listed twice", day.value),
                );
                valid = false;
            }
            Some(index) => days[index] = true,
            None => {
                errors.error_help(
                    day,
                    "campaign.window",
                    format!("`{}` is not a day of the week", day.value),
                    "use `mon`, `tue`, `wed`, `thu`, `fri`, `sat` or `sun`",
                );
                valid = false;
            }
        }
    }
    valid.then_some(days)
}

fn time_zone(
    written: Option<&Spanned<String>>,
    errors: &mut impl FieldErrors,
) -> Option<WindowZone> {
    let Some(written) = written else {
        return Some(WindowZone::Recipient);
    };
    let name = written.value.trim();
    if name == "recipient" {
        return Some(WindowZone::Recipient);
    }
    if jiff::tz::db().get(name).is_err() {
        errors.error_help(
            written,
            "campaign.window",
            format!("`{name}` is not an IANA time zone"),
            "use `recipient`, or a zone such as `Europe/Berlin` or `America/New_York`",
        );
        return None;
    }
    Some(WindowZone::Fixed(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_parse_with_midnight_and_its_end() {
        assert_eq!(parse_hours("09:00-20:00"), Some((540, 1200)));
        assert_eq!(parse_hours("22:00-06:00"), Some((1320, 360)));
        assert_eq!(parse_hours("00:00-24:00"), Some((0, 1440)));
        assert_eq!(parse_hours("24:00-06:00"), None);
        assert_eq!(parse_hours("9:00-20:00"), None);
        assert_eq!(parse_hours("09:60-20:00"), None);
        assert_eq!(parse_hours("09:00"), None);
    }
}
