//! Epoch seconds, as Meta's webhooks give them, to RFC 3339 UTC (the journal's
//! form, [`crate::timestamp::rfc3339`]).

use std::time::{Duration, UNIX_EPOCH};

/// The last second of year 9999.
const LAST: i64 = 253_402_300_799;

/// `seconds` since 1970-01-01 UTC as `YYYY-MM-DDTHH:MM:SSZ`; `None` before
/// 1970 or after year 9999.
pub fn rfc3339_from_epoch(seconds: i64) -> Option<String> {
    let seconds = u64::try_from(seconds).ok().filter(|_| seconds <= LAST)?;
    Some(crate::timestamp::rfc3339(
        UNIX_EPOCH + Duration::from_secs(seconds),
    ))
}

/// An epoch-seconds text (`"1750263773"`) to RFC 3339; `None` if it is not an integer.
pub fn rfc3339_from_epoch_text(text: &str) -> Option<String> {
    rfc3339_from_epoch(text.trim().parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(rfc3339_from_epoch(0).unwrap(), "1970-01-01T00:00:00Z");
        // `date -u -d @1750263773 +%FT%TZ`
        assert_eq!(
            rfc3339_from_epoch(1_750_263_773).unwrap(),
            "2025-06-18T16:22:53Z"
        );
        assert_eq!(
            rfc3339_from_epoch(951_782_400).unwrap(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(rfc3339_from_epoch(-1), None);
        assert_eq!(rfc3339_from_epoch(LAST).unwrap(), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn text_input() {
        assert_eq!(
            rfc3339_from_epoch_text("1698266945").unwrap(),
            "2023-10-25T20:49:05Z"
        );
        assert_eq!(rfc3339_from_epoch_text("TIMESTAMP"), None);
        assert_eq!(rfc3339_from_epoch(i64::MAX), None);
    }
}
