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

/// What to check when the provider refuses the credentials.
pub const CREDENTIALS_HINT: &str = "check SINCH_TOKEN, the bot id and `sender.region`";
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
    let error: ErrorBody = serde_json::from_slice(body).unwrap_or_else(|_| ErrorBody {
        message: excerpt(body),
        details: None,
    });
    Err(match code {
        429 | 503 => SendError::Throttled {
            status: code,
            retry_after,
        },
        401 | 403 | 404 => SendError::Unauthorized {
            status: code,
            message: error.message,
            hint: CREDENTIALS_HINT,
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

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut short: String = text.chars().take(BODY_KEPT).collect();
    if text.chars().count() > BODY_KEPT {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

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
