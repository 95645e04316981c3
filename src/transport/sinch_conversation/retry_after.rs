//! How long the server asked us to wait: the `Retry-After` header (RFC 9110
//! §10.2.3: delta-seconds or an HTTP date) or a Google-RPC `RetryInfo`
//! detail's `retryDelay`.

use std::time::{Duration, SystemTime};

use httpdate::parse_http_date;

/// The longest wait honoured; a larger value is taken as this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The wait a `Retry-After` value asks for, seen at `now`: delta-seconds, or
/// the time left until an HTTP date (zero if past). `None` when unreadable.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        Duration::from_secs(value.parse().unwrap_or(u64::MAX))
    } else {
        let at = parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// Parses a protobuf JSON `Duration`, the encoding of `RetryInfo.retryDelay`:
/// decimal seconds with up to nine fractional digits and an `s` suffix
/// (`"3s"`, `"1.5s"`, `"0.000001s"`), per the proto3 JSON mapping of
/// `google.protobuf.Duration`. Negative or unreadable values give `None`.
pub fn parse_proto_duration(value: &str) -> Option<Duration> {
    let number = value.trim().strip_suffix('s')?;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 9 {
        return None;
    }
    let secs: u64 = whole.parse().ok()?;
    let nanos: u32 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().ok()?
    };
    Some(Duration::new(secs, nanos).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn reads_seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_770);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        let later = now + Duration::from_secs(60);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", later),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn reads_proto_durations() {
        assert_eq!(parse_proto_duration("3s"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_proto_duration("1.5s"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_proto_duration("0.000001s"),
            Some(Duration::from_micros(1))
        );
        assert_eq!(parse_proto_duration("-1s"), None);
        assert_eq!(parse_proto_duration("3"), None);
        assert_eq!(parse_proto_duration("1.0000000001s"), None);
        assert_eq!(parse_proto_duration(".5s"), None);
    }
}
