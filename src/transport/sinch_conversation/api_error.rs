//! The error body of the Conversation API, Google-RPC style (SD
//! `conversation.md`; D `src/Sinch/ApiError.cs`):
//! `{"error": {"code", "message", "status", "details": [{"@type": …}]}}`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::excerpt::excerpt_with_limit;
use super::retry_after::parse_proto_duration;

/// The `@type` of a retry hint (`google.rpc.RetryInfo`).
pub const RETRY_INFO_TYPE: &str = "type.googleapis.com/google.rpc.RetryInfo";
/// The most characters [`ApiError::summary`] returns.
pub const MAX_SUMMARY_CHARS: usize = 500;

/// A parsed error body.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ApiError {
    /// The HTTP status repeated, when given (a number, or digits in a string).
    #[serde(default, deserialize_with = "status_code")]
    pub code: Option<u16>,
    /// Human-readable text.
    #[serde(default)]
    pub message: String,
    /// The Google-RPC status name, e.g. `INVALID_ARGUMENT`.
    #[serde(default)]
    pub status: String,
    /// Typed details, each an object with `@type`.
    #[serde(default)]
    pub details: Vec<Map<String, Value>>,
}

fn status_code<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u16>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

#[derive(Deserialize)]
struct Envelope {
    error: ApiError,
}

impl ApiError {
    /// Reads `body` as an error, or `None` if it is not the documented shape
    /// (no `error` object, or one with neither `message` nor `status`).
    /// Unknown fields are ignored.
    pub fn parse(body: &[u8]) -> Option<ApiError> {
        let envelope: Envelope = serde_json::from_slice(body).ok()?;
        let error = envelope.error;
        (!error.message.is_empty() || !error.status.is_empty()).then_some(error)
    }

    /// The wait asked for by a `google.rpc.RetryInfo` detail: its
    /// `retryDelay` is a protobuf JSON `Duration` such as `"1.5s"`.
    pub fn retry_delay(&self) -> Option<Duration> {
        self.details
            .iter()
            .filter(|d| d.get("@type").and_then(Value::as_str) == Some(RETRY_INFO_TYPE))
            .find_map(|d| {
                d.get("retryDelay")
                    .and_then(Value::as_str)
                    .and_then(parse_proto_duration)
            })
    }

    /// `STATUS: message` and a summary of the details, bounded to
    /// [`MAX_SUMMARY_CHARS`] and neutralised.
    pub fn summary(&self) -> String {
        let mut text = match (self.status.is_empty(), self.message.is_empty()) {
            (false, false) => format!("{}: {}", self.status, self.message),
            (true, _) => self.message.clone(),
            (_, true) => self.status.clone(),
        };
        let details: Vec<String> = self.details.iter().map(detail_summary).collect();
        if !details.is_empty() {
            text.push_str(" (");
            text.push_str(&details.join("; "));
            text.push(')');
        }
        excerpt_with_limit(text.as_bytes(), MAX_SUMMARY_CHARS)
    }
}

/// One detail as `Kind: facts`, naming the facts of the Google-RPC detail
/// types (`google/rpc/error_details.proto`): `BadRequest.fieldViolations`,
/// `ErrorInfo.reason`, `QuotaFailure.violations`, `RetryInfo.retryDelay`.
fn detail_summary(detail: &Map<String, Value>) -> String {
    let type_url = detail
        .get("@type")
        .and_then(Value::as_str)
        .unwrap_or("detail");
    let kind = type_url.rsplit(['/', '.']).next().unwrap_or(type_url);
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let list = |key: &str, f: &dyn Fn(&Value) -> String| -> Vec<String> {
        detail
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(f).collect())
            .unwrap_or_default()
    };
    let facts: Vec<String> = match kind {
        "BadRequest" => list("fieldViolations", &|v| {
            format!("`{}` {}", text(v, "field"), text(v, "description"))
        }),
        "QuotaFailure" => list("violations", &|v| text(v, "description")),
        "ErrorInfo" => detail
            .get("reason")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .into_iter()
            .collect(),
        "RetryInfo" => detail
            .get("retryDelay")
            .and_then(Value::as_str)
            .map(|d| format!("retry after {d}"))
            .into_iter()
            .collect(),
        _ => vec![],
    };
    let facts: Vec<String> = facts.into_iter().filter(|f| !f.trim().is_empty()).collect();
    if facts.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {}", facts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shape() {
        // The reference's example (SD `conversation.md`).
        let body = br#"{"error": {"code": 401, "message": "Request had invalid credentials.", "status": "UNAUTHENTICATED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo"}]}}"#;
        let error = ApiError::parse(body).unwrap();
        assert_eq!(error.code, Some(401));
        assert_eq!(error.status, "UNAUTHENTICATED");
        assert_eq!(error.retry_delay(), None);
        assert_eq!(
            error.summary(),
            "UNAUTHENTICATED: Request had invalid credentials. (RetryInfo)"
        );
    }

    #[test]
    fn reads_retry_info_and_summarises_details() {
        let body = br#"{"error":{"code":400,"message":"Invalid argument","status":"INVALID_ARGUMENT","extra":1,
            "details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"app_id","description":"is required"}]},
                       {"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"BAD_APP","domain":"sinch"},
                       {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2.5s"}]}}"#;
        let error = ApiError::parse(body).unwrap();
        assert_eq!(error.retry_delay(), Some(Duration::from_millis(2500)));
        assert_eq!(
            error.summary(),
            "INVALID_ARGUMENT: Invalid argument (BadRequest: `app_id` is required; ErrorInfo: BAD_APP; RetryInfo: retry after 2.5s)"
        );
    }

    #[test]
    fn a_code_in_a_string_is_read() {
        let error = ApiError::parse(br#"{"error":{"code":"429","message":"slow down"}}"#).unwrap();
        assert_eq!(error.code, Some(429));
    }

    #[test]
    fn other_shapes_are_not_errors() {
        for body in [
            &b"<html>502</html>"[..],
            b"{}",
            br#"{"error":"invalid_client"}"#,
            br#"{"error":{}}"#,
            b"",
        ] {
            assert_eq!(ApiError::parse(body), None);
        }
    }

    #[test]
    fn summaries_are_bounded_and_neutral() {
        let message = format!("bad\u{1b}{}", "x".repeat(2000));
        let body = serde_json::json!({"error": {"message": message}}).to_string();
        let summary = ApiError::parse(body.as_bytes()).unwrap().summary();
        assert!(summary.chars().count() <= MAX_SUMMARY_CHARS);
        assert!(summary.starts_with("bad\u{FFFD}x"));
    }
}
