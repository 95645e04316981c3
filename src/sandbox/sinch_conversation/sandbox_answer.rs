//! The answers a local Conversation API sandbox gives, in the documented
//! shapes: the token endpoint's, the 2xx of `messages:send`
//! (`{message_id, accepted_time}`; J test `SendMessageResponseDto.json`) and
//! every error, Google-RPC style (`{"error": {code, message, status, details}}`;
//! SD `conversation.md`).

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::bearer_check::BearerCheck;
use super::sandbox_check::Problem;
use super::token_check::TokenRefusal;
use crate::timestamp::rfc3339;
use crate::transport::sinch_conversation::api_error::RETRY_INFO_TYPE;

/// An HTTP answer as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Headers beyond `content-type: application/json`, which every answer has.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: Vec<u8>,
}

impl Answer {
    fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: body.to_string().into_bytes(),
        }
    }

    fn with_header(mut self, name: &'static str, value: String) -> Answer {
        self.headers.push((name, value));
        self
    }
}

/// The token endpoint's 200: the shape of J test `BearerAuthResponse.json`,
/// with the lifetime the sandbox chooses (short ones test refreshing).
pub fn token(access_token: &str, expires_in: Duration) -> Answer {
    Answer::json(
        200,
        json!({"access_token": access_token, "expires_in": expires_in.as_secs(), "scope": "", "token_type": "bearer"}),
    )
}

/// The token endpoint's refusal in the OAuth2 shape (RFC 6749 §5.2): 401
/// `invalid_client` for credentials, 400 otherwise. Sinch's own error body
/// here is undocumented; clients rely on the status only.
pub fn token_refused(refusal: TokenRefusal) -> Answer {
    let (status, error) = match refusal {
        TokenRefusal::MissingCredentials | TokenRefusal::WrongCredentials => {
            (401, "invalid_client")
        }
        TokenRefusal::NotAForm => (400, "invalid_request"),
        TokenRefusal::WrongGrant => (400, "unsupported_grant_type"),
    };
    let answer = Answer::json(
        status,
        json!({"error": error, "error_description": refusal.to_string()}),
    );
    if status == 401 {
        answer.with_header("www-authenticate", "Basic realm=\"sinch\"".into())
    } else {
        answer
    }
}

/// The 200 of `messages:send`.
pub fn accepted(message_id: &str, accepted_time: SystemTime) -> Answer {
    Answer::json(
        200,
        json!({"message_id": message_id, "accepted_time": rfc3339(accepted_time)}),
    )
}

/// A ULID-like id (26 Crockford base32 characters: 48 bits of milliseconds,
/// then 80 bits of `entropy`), the shape of Sinch's message ids.
pub fn message_id(unix_millis: u64, entropy: u128) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let value = (u128::from(unix_millis & 0xFFFF_FFFF_FFFF) << 80) | (entropy & ((1 << 80) - 1));
    (0..26)
        .rev()
        .map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// A Google-RPC error answer.
pub fn error(code: u16, status: &str, message: &str, details: Vec<Value>) -> Answer {
    Answer::json(
        code,
        json!({"error": {"code": code, "message": message, "status": status, "details": details}}),
    )
}

/// 400: the body failed first-stage validation; each problem becomes a
/// `google.rpc.BadRequest` field violation.
pub fn bad_request(problems: &[Problem]) -> Answer {
    let violations: Vec<Value> = problems
        .iter()
        .map(|p| json!({"field": p.path, "description": p.message}))
        .collect();
    let message = match problems {
        [only] => format!("{}: {}", only.path, only.message),
        _ => format!("{} invalid fields", problems.len()),
    };
    let detail = json!({"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": violations});
    error(400, "INVALID_ARGUMENT", &message, vec![detail])
}

/// 401 for an expired token, with the `www-authenticate` that makes clients
/// fetch a new token and resend (J, N look for `expired`).
pub fn token_expired() -> Answer {
    error(
        401,
        "UNAUTHENTICATED",
        "Request had invalid credentials.",
        Vec::new(),
    )
    .with_header(
        "www-authenticate",
        "Bearer error=\"invalid_token\", error_description=\"The access token expired\"".into(),
    )
}

/// 401 for missing or unknown credentials.
pub fn unauthenticated() -> Answer {
    error(
        401,
        "UNAUTHENTICATED",
        "Request had invalid credentials.",
        Vec::new(),
    )
    .with_header("www-authenticate", "Bearer".into())
}

/// The 401 for a failed [`BearerCheck`], or `None` when it passed.
pub fn for_bearer(check: BearerCheck) -> Option<Answer> {
    match check {
        BearerCheck::Valid => None,
        BearerCheck::Expired => Some(token_expired()),
        BearerCheck::Missing | BearerCheck::Unknown => Some(unauthenticated()),
    }
}

/// 403: the credentials have no access to the project.
pub fn forbidden(project_id: &str) -> Answer {
    error(
        403,
        "PERMISSION_DENIED",
        &format!("Permission denied on project {project_id}"),
        Vec::new(),
    )
}

/// 404: the project or app is unknown here.
pub fn not_found(what: &str) -> Answer {
    error(404, "NOT_FOUND", &format!("{what} not found"), Vec::new())
}

/// 429 with a `Retry-After` header in seconds, a `RetryInfo` detail, both or
/// neither.
pub fn throttled(retry_after: Option<Duration>, retry_info: Option<Duration>) -> Answer {
    let details = retry_info
        .map(|d| vec![json!({"@type": RETRY_INFO_TYPE, "retryDelay": proto_duration(d)})])
        .unwrap_or_default();
    let answer = error(429, "RESOURCE_EXHAUSTED", "Too many requests", details);
    match retry_after {
        Some(wait) => answer.with_header("retry-after", wait.as_secs().to_string()),
        None => answer,
    }
}

/// 500: an internal error (the message may or may not have been queued).
pub fn internal() -> Answer {
    error(500, "INTERNAL", "Internal error", Vec::new())
}

/// 503: unavailable, retry later.
pub fn unavailable(retry_after: Option<Duration>) -> Answer {
    let answer = error(
        503,
        "UNAVAILABLE",
        "The service is currently unavailable",
        Vec::new(),
    );
    match retry_after {
        Some(wait) => answer.with_header("retry-after", wait.as_secs().to_string()),
        None => answer,
    }
}

/// A protobuf JSON `Duration`: seconds with the fraction trimmed, `s` suffix.
fn proto_duration(duration: Duration) -> String {
    match duration.subsec_nanos() {
        0 => format!("{}s", duration.as_secs()),
        nanos => {
            let fraction = format!("{nanos:09}");
            format!("{}.{}s", duration.as_secs(), fraction.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::sinch_conversation::access_token::{AccessToken, TokenError};
    use crate::transport::sinch_conversation::send_answer::{SendAnswer, SendTarget};
    use std::time::UNIX_EPOCH;

    const TARGET: SendTarget<'static> = SendTarget {
        base_url: "http://127.0.0.1:9",
        project_id: "p",
        app_id: "a",
    };

    fn classify(answer: &Answer) -> SendAnswer {
        let mut headers: Vec<(&str, &str)> = answer
            .headers
            .iter()
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        headers.push(("content-type", "application/json"));
        SendAnswer::from_response(answer.status, &headers, &answer.body, TARGET, UNIX_EPOCH)
    }

    #[test]
    fn token_answers_read_back() {
        let answer = token("tok", Duration::from_secs(5));
        let read =
            AccessToken::from_response(answer.status, &[], &answer.body, UNIX_EPOCH).unwrap();
        assert_eq!(
            (read.value.as_str(), read.expires_in),
            ("tok", Duration::from_secs(5))
        );
        let refused = token_refused(TokenRefusal::WrongCredentials);
        assert_eq!(
            AccessToken::from_response(refused.status, &[], &refused.body, UNIX_EPOCH),
            Err(TokenError::WrongKey)
        );
        assert_eq!(token_refused(TokenRefusal::WrongGrant).status, 400);
    }

    #[test]
    fn accepted_answers_read_back() {
        let id = message_id(1_718_714_096_789, 0x1234_5678_9ABC_DEF0_1234);
        assert_eq!(id.len(), 26);
        assert!(id.starts_with("01J0"));
        let answer = accepted(&id, UNIX_EPOCH + Duration::from_millis(1_718_714_096_789));
        assert_eq!(
            classify(&answer),
            SendAnswer::Sent {
                message_id: id,
                accepted_time: Some("2024-06-18T12:34:56Z".into())
            }
        );
    }

    #[test]
    fn ulid_like_ids_sort_by_time() {
        assert_eq!(message_id(0, 0), "00000000000000000000000000");
        assert!(message_id(1, u128::MAX) < message_id(2, 0));
        assert_eq!(message_id(0, 31), "0000000000000000000000000Z");
    }

    #[test]
    fn every_error_answer_reads_back_as_meant() {
        let problems = [Problem {
            path: "app_id".into(),
            message: "required string".into(),
        }];
        let SendAnswer::Failed { message } = classify(&bad_request(&problems)) else {
            panic!()
        };
        assert_eq!(
            message,
            "INVALID_ARGUMENT: app_id: required string (BadRequest: `app_id` required string)"
        );
        assert!(matches!(
            classify(&token_expired()),
            SendAnswer::TokenExpired { .. }
        ));
        assert!(matches!(
            classify(&unauthenticated()),
            SendAnswer::CredentialsRefused { .. }
        ));
        assert_eq!(for_bearer(BearerCheck::Valid), None);
        assert_eq!(for_bearer(BearerCheck::Expired), Some(token_expired()));
        assert!(matches!(
            classify(&forbidden("p")),
            SendAnswer::Forbidden { .. }
        ));
        assert!(matches!(
            classify(&not_found("app a")),
            SendAnswer::NotFound { .. }
        ));
        let wait = |a: &Answer| match classify(a) {
            SendAnswer::Throttled { retry_after, .. }
            | SendAnswer::Unavailable { retry_after, .. } => retry_after,
            other => panic!("{other:?}"),
        };
        assert_eq!(wait(&throttled(None, None)), None);
        assert_eq!(
            wait(&throttled(Some(Duration::from_secs(3)), None)),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            wait(&throttled(None, Some(Duration::from_millis(1500)))),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            wait(&unavailable(Some(Duration::from_secs(1)))),
            Some(Duration::from_secs(1))
        );
        assert!(matches!(
            classify(&internal()),
            SendAnswer::Uncertain { status: 500, .. }
        ));
    }

    #[test]
    fn errors_have_the_documented_shape() {
        let body: Value =
            serde_json::from_slice(&throttled(None, Some(Duration::from_secs(2))).body).unwrap();
        assert_eq!(
            body,
            json!({"error": {"code": 429, "message": "Too many requests", "status": "RESOURCE_EXHAUSTED",
                "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}]}})
        );
        assert_eq!(proto_duration(Duration::from_millis(1500)), "1.5s");
    }
}
