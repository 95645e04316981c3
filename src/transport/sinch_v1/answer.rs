//! What a v1 answer means. A 2xx carries a `statuses` entry per recipient:
//! `success` is sent, `failure` (or `failed`) is not, and a recipient with
//! no entry may or may not have been; any other status classes the whole
//! request as a [`SendError`], by what may follow it (429 and 503 throttle;
//! 401, 403 and 404 stop the run; other 4xx reject; the rest is unknown).

use crate::phone::Phone;
use crate::transport::send_error::SendError;
use crate::transport::sinch_v1::wire::{ErrorBody, SendResponse};
use crate::transport::{RecipientResult, Verdict};
use hyper::StatusCode;
use std::time::Duration;

/// What to check when the provider refuses the credentials and says no more.
pub const CREDENTIALS_HINT: &str = "check SINCH_TOKEN, the bot id and `sender.region`";
/// What to check when the refusal speaks of the token.
const TOKEN_HINT: &str =
    "the token is probably wrong, expired or revoked: check SINCH_TOKEN (or --token-file)";
/// What to check when the refusal speaks of the bot or the path.
const BOT_HINT: &str = "the bot id or the region is probably wrong (a bot is reached only in its own region): check `sender.bot_id` and `sender.region`";
/// How much of an unreadable answer is kept for the report.
const BODY_KEPT: usize = 500;

/// Each of `recipients`' results from an answer with `status`, `retry_after`
/// and `body`, or the class of the request's failure.
pub fn classify(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
    recipients: &[Phone],
) -> Result<Vec<RecipientResult>, SendError> {
    let code = status.as_u16();
    if status.is_success() {
        return serde_json::from_slice::<SendResponse>(body)
            .map(|response| answered(recipients, code, &response))
            .map_err(|_| SendError::Uncertain {
                status: Some(code),
                reason: format!(
                    "the provider accepted the request but its answer is unreadable: {}",
                    excerpt(body)
                ),
            });
    }
    let error = error_body(body);
    Err(match code {
        429 | 503 => SendError::Throttled {
            status: code,
            retry_after,
        },
        401 | 403 | 404 => SendError::Unauthorized {
            status: code,
            hint: credentials_hint(&error),
            message: match &error.details {
                Some(details) => format!("{} ({details})", error.message),
                None => error.message,
            },
        },
        400..=499 => SendError::Rejected {
            status: code,
            message: error.message,
            details: error.details,
        },
        _ => SendError::Uncertain {
            status: Some(code),
            reason: format!("the provider answered {code}: {}", error.message),
        },
    })
}

/// Each recipient's result from a 2xx answer; a recipient the answer does
/// not mention may or may not have been sent.
fn answered(recipients: &[Phone], status: u16, response: &SendResponse) -> Vec<RecipientResult> {
    recipients
        .iter()
        .map(|phone| {
            let digits = phone.digits();
            let entry = response
                .statuses
                .iter()
                .find(|s| s.recipient.trim_start_matches('+') == digits);
            let verdict = match entry {
                None => Verdict::Unknown {
                    reason: "the answer has no status for this recipient".to_owned(),
                },
                Some(entry) if entry.is_failure() => {
                    let what = [entry.state.as_deref(), entry.details.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(": ");
                    Verdict::Failed {
                        message_id: entry.message_id.clone(),
                        reason: format!("the provider did not send it: {what}"),
                    }
                }
                Some(entry) => Verdict::Sent {
                    message_id: entry.message_id.clone(),
                },
            };
            RecipientResult {
                http_status: status,
                verdict,
            }
        })
        .collect()
}

/// The error an answer's body carries: Sinch's `{message, details}` (or
/// `reason`), else a bounded excerpt of whatever the body is, so a refusal
/// always says something.
fn error_body(body: &[u8]) -> ErrorBody {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(error) if !error.message.trim().is_empty() => error,
        Ok(ErrorBody {
            details: Some(details),
            ..
        }) if !details.trim().is_empty() => ErrorBody {
            message: details,
            details: None,
        },
        _ => ErrorBody {
            message: if body.iter().all(u8::is_ascii_whitespace) {
                "(an empty answer)".to_owned()
            } else {
                excerpt(body)
            },
            details: None,
        },
    }
}

/// Which credential a refusal probably means, from what it says: Sinch
/// answers 401 both for a bad token and for a bot unknown in the region.
fn credentials_hint(error: &ErrorBody) -> &'static str {
    let said = format!(
        "{} {}",
        error.message,
        error.details.as_deref().unwrap_or_default()
    )
    .to_ascii_lowercase();
    if said.contains("token") || said.contains("bearer") || said.contains("expired") {
        TOKEN_HINT
    } else if said.contains("bot") || said.contains("not found") || said.contains("region") {
        BOT_HINT
    } else {
        CREDENTIALS_HINT
    }
}

/// At most [`BODY_KEPT`] characters of `body`, with control characters
/// (which could rewrite a terminal or a report) shown as `�`.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut short: String = text
        .chars()
        .take(BODY_KEPT)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if text.chars().count() > BODY_KEPT {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_always_say_something_and_which_credential() {
        let classify = |status, body: &[u8]| classify(status, None, body, &[]).unwrap_err();
        let odd = classify(
            StatusCode::BAD_REQUEST,
            br#"{"error":{"code":400,"text":"no"}}"#,
        );
        assert_eq!(
            odd.to_string(),
            r#"rejected (400): {"error":{"code":400,"text":"no"}}"#
        );
        let empty = classify(StatusCode::BAD_REQUEST, b"");
        assert_eq!(empty.to_string(), "rejected (400): (an empty answer)");
        let escapes = classify(StatusCode::BAD_REQUEST, b"\x1b[2Kfake\x07");
        assert_eq!(
            escapes.to_string(),
            "rejected (400): \u{fffd}[2Kfake\u{fffd}"
        );
        let token = classify(
            StatusCode::UNAUTHORIZED,
            br#"{"message":"unauthorized","details":"invalid bearer token"}"#,
        );
        assert!(matches!(
            &token,
            SendError::Unauthorized { message, hint, .. }
                if message == "unauthorized (invalid bearer token)" && *hint == TOKEN_HINT
        ));
        let bot = classify(
            StatusCode::UNAUTHORIZED,
            br#"{"message":"unauthorized","details":"unknown bot id `acme`"}"#,
        );
        assert!(matches!(bot, SendError::Unauthorized { hint, .. } if hint == BOT_HINT));
        let bare = classify(StatusCode::UNAUTHORIZED, b"{}");
        assert!(matches!(bare, SendError::Unauthorized { hint, .. } if hint == CREDENTIALS_HINT));
    }

    #[test]
    fn an_answer_without_type_is_still_read() {
        let phone = Phone::from_digits("447700900123").unwrap();
        let results = classify(
            StatusCode::CREATED,
            None,
            br#"{"statuses":[{"message_id":"m1","recipient":"+447700900123","status":"success","state":"queued"}]}"#,
            &[phone],
        )
        .unwrap();
        assert_eq!(
            results[0].verdict,
            Verdict::Sent {
                message_id: Some("m1".to_owned())
            }
        );
    }

    #[test]
    fn answers_are_classed_by_what_may_follow() {
        let classify = |status, retry_after, body: &[u8]| classify(status, retry_after, body, &[]);
        let throttled = classify(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(2)),
            b"",
        )
        .unwrap_err();
        assert!(throttled.is_retryable());
        let rejected = classify(
            StatusCode::BAD_REQUEST,
            None,
            br#"{"message":"bad","details":"why"}"#,
        )
        .unwrap_err();
        assert_eq!(rejected.to_string(), "rejected (400): bad (why)");
        assert!(!rejected.is_retryable());
        let reason = classify(
            StatusCode::BAD_REQUEST,
            None,
            br#"{"message":"bad","reason":"why"}"#,
        )
        .unwrap_err();
        assert_eq!(reason, rejected);
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, None, b"{}").unwrap_err(),
            SendError::Unauthorized { .. }
        ));
        let lost = classify(StatusCode::INTERNAL_SERVER_ERROR, None, b"oops").unwrap_err();
        assert!(matches!(
            lost,
            SendError::Uncertain {
                status: Some(500),
                ..
            }
        ));
        assert!(!lost.is_retryable());
        let garbled = classify(StatusCode::CREATED, None, b"<html>").unwrap_err();
        assert!(matches!(garbled, SendError::Uncertain { .. }));
    }

    #[test]
    fn each_recipient_is_read_from_its_status_entry() {
        let phones: Vec<Phone> = ["447400000001", "447400000002", "447400000003"]
            .iter()
            .map(|d| Phone::from_digits(d).unwrap())
            .collect();
        let body = br#"{"type":"whatsapp","statuses":[
            {"message_id":"m2","recipient":"447400000002","status":"failure","state":"no_capability"},
            {"message_id":"m1","recipient":"+447400000001","status":"success","state":"queued"}]}"#;
        let results = classify(StatusCode::CREATED, None, body, &phones).unwrap();
        let verdicts: Vec<Verdict> = results.into_iter().map(|r| r.verdict).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Sent {
                    message_id: Some("m1".into())
                },
                Verdict::Failed {
                    message_id: Some("m2".into()),
                    reason: "the provider did not send it: no_capability".into()
                },
                Verdict::Unknown {
                    reason: "the answer has no status for this recipient".into()
                },
            ]
        );
    }
}
