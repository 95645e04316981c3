//! What an answer to `messages:send` means for the recipient, at the
//! provider level. Success is any 2xx with a `message_id` (J test
//! `SendMessageResponseDto.json`; P); errors follow SD `conversation.md` and
//! SK `SKILL.md` as tabled in the variants below.

use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::api_error::ApiError;
use super::excerpt::excerpt;
use super::header;
use super::retry_after::parse_retry_after;

/// Where a send went, to name the likely cause of a 403 or 404.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendTarget<'a> {
    /// The base URL used, e.g. `https://eu.conversation.api.sinch.com`.
    pub base_url: &'a str,
    /// The project id in the path.
    pub project_id: &'a str,
    /// The `app_id` in the body.
    pub app_id: &'a str,
}

/// The meaning of one answer to `messages:send`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendAnswer {
    /// 2xx with a message id: queued at Sinch. No callback comes for `QUEUED`
    /// (SD `conversation-callbacks.md`); reports follow.
    Sent {
        /// Sinch's id, echoed in delivery reports.
        message_id: String,
        /// When Sinch accepted it (RFC 3339), if given.
        accepted_time: Option<String>,
    },
    /// The message may or may not have been queued: a 2xx without a message
    /// id, a 500/501, or a 5xx without a body. A resend may duplicate it:
    /// `messages:send` has no idempotency key.
    Uncertain {
        /// The HTTP status.
        status: u16,
        /// What was seen.
        reason: String,
    },
    /// 400: first-stage validation failed and the request was discarded (SD):
    /// failed for this recipient.
    Failed {
        /// Sinch's message with its details summarised.
        message: String,
    },
    /// 401 for an expired token (`www-authenticate` or the message says
    /// `expired`): fetch a new token and resend once, as J
    /// `http/HttpClientApache.java` and N `client/api-fetch-client.ts` do.
    TokenExpired {
        /// What Sinch said.
        message: String,
    },
    /// 401 otherwise: the credentials are refused; stop.
    CredentialsRefused {
        /// What Sinch said.
        message: String,
    },
    /// 403: valid credentials without access (SD), or a billing limit (SK); stop.
    Forbidden {
        /// The likely cause and what Sinch said.
        message: String,
    },
    /// 404: the project id, app id or region does not match (SK); stop.
    NotFound {
        /// The likely cause, the base URL used and what Sinch said.
        message: String,
    },
    /// 429: the project's rate (800/s) or the app's queue (500 000) overflowed
    /// (SK); back off, honouring the wait if one was given.
    Throttled {
        /// `Retry-After` if sent, else a `RetryInfo` detail's `retryDelay`.
        retry_after: Option<Duration>,
        /// What Sinch said.
        message: String,
    },
    /// 503 (or 408): not processed; retry with backoff (SD, SK).
    Unavailable {
        /// `Retry-After` if sent, else a `RetryInfo` detail's `retryDelay`.
        retry_after: Option<Duration>,
        /// What Sinch said.
        message: String,
    },
    /// Any other status (another 4xx, 1xx, 3xx): the request is not what the
    /// server expects; stop.
    Unexpected {
        /// The HTTP status.
        status: u16,
        /// What was seen.
        message: String,
    },
}

#[derive(Deserialize)]
struct Accepted {
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    accepted_time: Option<String>,
}

impl SendAnswer {
    /// Classifies an answer. `now` dates an HTTP-date `Retry-After`.
    pub fn from_response(
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
        target: SendTarget<'_>,
        now: SystemTime,
    ) -> SendAnswer {
        if (200..300).contains(&status) {
            return accepted(status, body);
        }
        let error = ApiError::parse(body);
        let said = match &error {
            Some(error) => error.summary(),
            None if body.iter().all(u8::is_ascii_whitespace) => "no body".to_owned(),
            None => format!("unexpected body: {}", excerpt(body)),
        };
        let wait = || {
            header::find(headers, "retry-after")
                .and_then(|v| parse_retry_after(v, now))
                .or_else(|| error.as_ref().and_then(ApiError::retry_delay))
        };
        match status {
            400 => SendAnswer::Failed { message: said },
            401 if is_expired(headers, error.as_ref()) => {
                SendAnswer::TokenExpired { message: said }
            }
            401 => SendAnswer::CredentialsRefused {
                message: format!("sinch refused the credentials: {said}"),
            },
            403 => SendAnswer::Forbidden {
                message: format!(
                    "sinch denied access: the access key may have no access to project `{}`, or the account hit a billing limit: {said}",
                    target.project_id
                ),
            },
            404 => SendAnswer::NotFound {
                message: format!(
                    "sinch found nothing at `{}`: the project id `{}`, the app id `{}` or the region does not match (an app lives in one region): {said}",
                    target.base_url, target.project_id, target.app_id
                ),
            },
            429 => SendAnswer::Throttled {
                retry_after: wait(),
                message: said,
            },
            408 | 503 => SendAnswer::Unavailable {
                retry_after: wait(),
                message: said,
            },
            500..=599 => SendAnswer::Uncertain {
                status,
                reason: said,
            },
            _ => SendAnswer::Unexpected {
                status,
                message: said,
            },
        }
    }
}

fn accepted(status: u16, body: &[u8]) -> SendAnswer {
    let uncertain = |reason: String| SendAnswer::Uncertain { status, reason };
    match serde_json::from_slice::<Accepted>(body) {
        Ok(Accepted {
            message_id: Some(id),
            accepted_time,
        }) if !id.trim().is_empty() => SendAnswer::Sent {
            message_id: id,
            accepted_time,
        },
        Ok(_) => uncertain(format!("accepted without a message id: {}", excerpt(body))),
        Err(_) => uncertain(format!(
            "accepted with an unreadable body: {}",
            excerpt(body)
        )),
    }
}

/// Whether a 401 is about an expired token: the `www-authenticate` header
/// (e.g. `Bearer error="invalid_token", error_description="… expired"`) or the
/// message says so, the test J and N apply.
fn is_expired(headers: &[(&str, &str)], error: Option<&ApiError>) -> bool {
    let says_expired = |text: &str| text.to_ascii_lowercase().contains("expired");
    header::find(headers, "www-authenticate").is_some_and(says_expired)
        || error.is_some_and(|e| says_expired(&e.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    const TARGET: SendTarget<'static> = SendTarget {
        base_url: "https://eu.conversation.api.sinch.com",
        project_id: "p-1",
        app_id: "APP",
    };

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> SendAnswer {
        SendAnswer::from_response(status, headers, body.as_bytes(), TARGET, UNIX_EPOCH)
    }

    fn error(code: u16, status: &str, message: &str) -> String {
        serde_json::json!({"error": {"code": code, "message": message, "status": status, "details": []}}).to_string()
    }

    #[test]
    fn a_2xx_with_an_id_is_sent() {
        // J test `SendMessageResponseDto.json` shape, plus an unknown field.
        let body = r#"{"message_id":"01EQBC1A3BEK731GY4YXEN0C2R","accepted_time":"2024-06-18T12:34:56Z","x":1}"#;
        assert_eq!(
            answer(200, &[], body),
            SendAnswer::Sent {
                message_id: "01EQBC1A3BEK731GY4YXEN0C2R".into(),
                accepted_time: Some("2024-06-18T12:34:56Z".into())
            }
        );
        assert!(matches!(
            answer(202, &[], r#"{"message_id":"X"}"#),
            SendAnswer::Sent { .. }
        ));
    }

    #[test]
    fn a_2xx_without_an_id_is_uncertain() {
        for body in ["{}", r#"{"message_id":""}"#, "", "ok"] {
            assert!(
                matches!(
                    answer(200, &[], body),
                    SendAnswer::Uncertain { status: 200, .. }
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn a_400_fails_the_recipient_with_the_message() {
        let SendAnswer::Failed { message } = answer(
            400,
            &[],
            &error(400, "INVALID_ARGUMENT", "app_id is required"),
        ) else {
            panic!()
        };
        assert_eq!(message, "INVALID_ARGUMENT: app_id is required");
    }

    #[test]
    fn a_401_tells_expiry_from_refusal() {
        let body = error(401, "UNAUTHENTICATED", "Request had invalid credentials.");
        let expired = [(
            "WWW-Authenticate",
            r#"Bearer error="invalid_token", error_description="Jwt expired at 2024-06-18T12:00:00Z""#,
        )];
        assert!(matches!(
            answer(401, &expired, &body),
            SendAnswer::TokenExpired { .. }
        ));
        assert!(matches!(
            answer(401, &[], &error(401, "UNAUTHENTICATED", "Token Expired")),
            SendAnswer::TokenExpired { .. }
        ));
        assert!(matches!(
            answer(401, &[("www-authenticate", "Bearer")], &body),
            SendAnswer::CredentialsRefused { .. }
        ));
        assert!(matches!(
            answer(401, &[], ""),
            SendAnswer::CredentialsRefused { .. }
        ));
    }

    #[test]
    fn a_403_or_404_stops_naming_the_cause() {
        let SendAnswer::Forbidden { message } =
            answer(403, &[], &error(403, "PERMISSION_DENIED", "denied"))
        else {
            panic!()
        };
        assert!(
            message.contains("project `p-1`")
                && message.contains("billing limit")
                && message.contains("denied")
        );
        let SendAnswer::NotFound { message } = answer(404, &[], "") else {
            panic!()
        };
        assert!(message.contains("`https://eu.conversation.api.sinch.com`"));
        assert!(message.contains("app id `APP`") && message.contains("region"));
    }

    #[test]
    fn a_429_backs_off_as_told() {
        let body = r#"{"error":{"code":429,"message":"Too many","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"4s"}]}}"#;
        let wait = |a: SendAnswer| match a {
            SendAnswer::Throttled { retry_after, .. } => retry_after,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            wait(answer(429, &[("Retry-After", "7")], body)),
            Some(Duration::from_secs(7))
        );
        assert_eq!(wait(answer(429, &[], body)), Some(Duration::from_secs(4)));
        assert_eq!(
            wait(answer(
                429,
                &[("retry-after", "Thu, 01 Jan 1970 00:00:30 GMT")],
                ""
            )),
            Some(Duration::from_secs(30))
        );
        assert_eq!(wait(answer(429, &[], "")), None);
    }

    #[test]
    fn server_errors_retry_or_are_uncertain() {
        assert!(matches!(
            answer(503, &[("retry-after", "2")], ""),
            SendAnswer::Unavailable {
                retry_after: Some(_),
                ..
            }
        ));
        assert!(matches!(
            answer(500, &[], &error(500, "INTERNAL", "boom")),
            SendAnswer::Uncertain { status: 500, .. }
        ));
        assert!(matches!(
            answer(501, &[], ""),
            SendAnswer::Uncertain { status: 501, .. }
        ));
        let SendAnswer::Uncertain { reason, .. } = answer(502, &[], "") else {
            panic!()
        };
        assert_eq!(reason, "no body");
    }

    #[test]
    fn foreign_bodies_are_kept_as_bounded_excerpts() {
        let body = format!("<html>\n{}\u{7}</html>", "y".repeat(5000));
        let SendAnswer::Uncertain { reason, .. } = answer(504, &[], &body) else {
            panic!()
        };
        assert!(reason.starts_with("unexpected body: <html> yyy"));
        assert!(reason.chars().count() <= 500 + "unexpected body: ".len());
        assert!(!reason.contains('\n'));
        assert!(matches!(
            answer(405, &[], ""),
            SendAnswer::Unexpected { status: 405, .. }
        ));
    }
}
