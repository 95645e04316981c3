//! UTC timestamps in the RFC 3339 form Sinch uses in delivery reports
//! (`2020-05-02T18:40:42Z`), for the sandbox's reports and the journal's
//! columns alike, without pulling in a date library for one format.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds the one clock runs ahead of the system's (behind when negative).
static CLOCK_OFFSET: AtomicI64 = AtomicI64::new(0);

/// Sets the one clock to read `unix_seconds` now and run on from there, for
/// every time wacast records (the journal's columns on either backend) as
/// for schedules: `WACAST_NOW`, set once by the command line's edge, so a
/// schedule rehearsed across runs reads the times it wrote on the same
/// clock.
pub fn set_clock(unix_seconds: i64) {
    let system = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64);
    CLOCK_OFFSET.store(unix_seconds - system, Ordering::Relaxed);
}

/// How many seconds the one clock runs ahead of the system's.
pub fn clock_offset() -> i64 {
    CLOCK_OFFSET.load(Ordering::Relaxed)
}

/// The time on the one clock.
pub fn now() -> SystemTime {
    let offset = clock_offset();
    let system = SystemTime::now();
    let magnitude = Duration::from_secs(offset.unsigned_abs());
    match offset {
        0 => system,
        o if o > 0 => system + magnitude,
        _ => system.checked_sub(magnitude).unwrap_or(UNIX_EPOCH),
    }
}

/// `time` as `YYYY-MM-DDTHH:MM:SSZ`; times before 1970 read as 1970.
pub fn rfc3339(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let (days, day_seconds) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        day_seconds / 3600,
        day_seconds / 60 % 60,
        day_seconds % 60
    )
}

/// The calendar date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_known_instants() {
        let at = |seconds| rfc3339(UNIX_EPOCH + Duration::from_secs(seconds));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(1_588_444_842), "2020-05-02T18:40:42Z");
        assert_eq!(at(951_825_600), "2000-02-29T12:00:00Z");
    }
}
