//! The one clock schedules are read on: the system's, or one set by
//! `WACAST_NOW` (or `plan --at`) that runs on from the time given, so a
//! schedule can be rehearsed, and `apply --wait` still waits real seconds.

use jiff::Timestamp;
use std::time::Instant;

#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// The time given and when it was given; `None` is the system clock.
    set: Option<(Timestamp, Instant)>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { set: None }
    }

    /// A clock that reads `at` now and runs on from there.
    pub fn starting_at(at: Timestamp) -> Clock {
        Clock {
            set: Some((at, Instant::now())),
        }
    }

    /// `at` if given, else the system clock.
    pub fn at_or_system(at: Option<Timestamp>) -> Clock {
        at.map_or_else(Clock::system, Clock::starting_at)
    }

    pub fn now(&self) -> Timestamp {
        match self.set {
            None => Timestamp::now(),
            Some((at, since)) => {
                let elapsed = jiff::SignedDuration::try_from(since.elapsed()).unwrap_or_default();
                at.checked_add(elapsed).unwrap_or(at)
            }
        }
    }

    /// The time as the clock reads it, to whole seconds (what plans show).
    pub fn now_seconds(&self) -> Timestamp {
        let now = self.now();
        Timestamp::from_second(now.as_second()).unwrap_or(now)
    }
}

/// Reads an RFC 3339 time such as `2026-05-04T09:30:00Z` or
/// `2026-05-04T11:30:00+02:00`.
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    text.trim().parse::<Timestamp>().map_err(|error| {
        format!("`{text}` is not an RFC 3339 time such as `2026-05-04T09:30:00Z`: {error}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_runs_on_from_its_time() {
        let at = parse_time("2026-05-04T11:30:00+02:00").unwrap();
        assert_eq!(at.to_string(), "2026-05-04T09:30:00Z");
        let clock = Clock::starting_at(at);
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(clock.now() > at);
        assert_eq!(clock.now_seconds(), at);
        assert!(parse_time("yesterday").is_err());
    }
}
