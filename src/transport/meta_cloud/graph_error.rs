//! A Graph API error body: `{"error":{message,type,code,error_subcode,error_data,fbtrace_id}}`.
//!
//! Meta's `support/error-codes`: branch on `code` and `error_data.details`, not on the title
//! in `message` nor on the HTTP status; `error_subcode` is deprecated (absent from v16.0).
//! Every field but `code` is optional here, and unknown fields are ignored.

use serde::Deserialize;

/// The `error` object of a Graph API error answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct GraphError {
    /// The error code: what to branch on.
    pub code: i64,
    /// `(#code) Title` followed, sometimes, by more text.
    #[serde(default)]
    pub message: Option<String>,
    /// The Graph exception type, e.g. `OAuthException`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Deprecated sub-code, kept when present.
    #[serde(default)]
    pub error_subcode: Option<i64>,
    /// `error_data`, whose `details` says what went wrong.
    #[serde(default)]
    pub error_data: Option<ErrorData>,
    /// Meta's trace id, for support tickets.
    #[serde(default)]
    pub fbtrace_id: Option<String>,
}

/// `error.error_data`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ErrorData {
    /// The human-readable detail Meta advises branching on with the code.
    #[serde(default)]
    pub details: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    error: GraphError,
}

impl GraphError {
    /// Reads a Graph error answer; `None` when `body` is not one.
    pub fn parse(body: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Envelope>(body)
            .ok()
            .map(|envelope| envelope.error)
    }

    /// `error_data.details`, if any.
    pub fn details(&self) -> Option<&str> {
        self.error_data.as_ref()?.details.as_deref()
    }

    /// A one-line summary for a report, e.g. `(#130429) Rate limit hit: Cloud API message
    /// throughput has been reached.` (see [`summarise`]).
    pub fn summary(&self) -> String {
        summarise(self.code, self.message.as_deref(), self.details())
    }
}

/// `(#code) message: details` for a report, from the parts of a Graph or webhook error.
///
/// The `(#code)` prefix is added unless `message` already has it; `details` are appended
/// unless `message` already contains them. Control characters are replaced and the length
/// bounded ([`super::excerpt`]).
pub fn summarise(code: i64, message: Option<&str>, details: Option<&str>) -> String {
    let prefix = format!("(#{code})");
    let message = message.unwrap_or("").trim();
    let mut text = if message.starts_with(&prefix) {
        message.to_owned()
    } else if message.is_empty() {
        prefix
    } else {
        format!("{prefix} {message}")
    };
    if let Some(details) = details.map(str::trim)
        && !details.is_empty()
        && !message.contains(details)
    {
        text.push_str(": ");
        text.push_str(details);
    }
    super::excerpt::neutralise(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The throttling example in Meta's `support/error-codes` page.
    const RATE_LIMIT: &str = r#"{"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429,
      "error_data": {"messaging_product": "whatsapp", "details": "Cloud API message throughput has been reached."},
      "fbtrace_id": "AbCdEf123"}}"#;

    #[test]
    fn reads_every_documented_field() {
        let error = GraphError::parse(RATE_LIMIT.as_bytes()).unwrap();
        assert_eq!(error.code, 130429);
        assert_eq!(error.kind.as_deref(), Some("OAuthException"));
        assert_eq!(error.fbtrace_id.as_deref(), Some("AbCdEf123"));
        assert_eq!(
            error.details(),
            Some("Cloud API message throughput has been reached.")
        );
        assert_eq!(error.error_subcode, None);
    }

    #[test]
    fn summary_reads_well_in_a_report() {
        let error = GraphError::parse(RATE_LIMIT.as_bytes()).unwrap();
        assert_eq!(
            error.summary(),
            "(#130429) Rate limit hit: Cloud API message throughput has been reached."
        );
    }

    #[test]
    fn summary_adds_a_missing_code_and_skips_repeated_details() {
        let body = r#"{"error":{"code":100,"message":"Invalid parameter","error_subcode":2494010,
            "error_data":{"details":"Invalid parameter"}}}"#;
        let error = GraphError::parse(body.as_bytes()).unwrap();
        assert_eq!(error.summary(), "(#100) Invalid parameter");
        assert_eq!(error.error_subcode, Some(2494010));
        let bare = GraphError::parse(br#"{"error":{"code":1}}"#).unwrap();
        assert_eq!(bare.summary(), "(#1)");
    }

    #[test]
    fn not_a_graph_error() {
        assert_eq!(GraphError::parse(b"<html>502</html>"), None);
        assert_eq!(GraphError::parse(br#"{"error":"nope"}"#), None);
        assert_eq!(GraphError::parse(br#"{"messages":[]}"#), None);
    }
}
