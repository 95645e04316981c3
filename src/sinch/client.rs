//! The HTTP client for `POST /whatsapp/v1/{bot_id}/messages`: one reqwest
//! client with timeouts, the bearer token from a [`SecretString`], and every
//! answer turned into a success or a [`SendError`] class.

use crate::secret::SecretString;
use crate::sinch::send_error::SendError;
use crate::sinch::wire::{ErrorBody, SendResponse, messages_path};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use std::time::{Duration, SystemTime};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of an unreadable answer is kept for the report.
const BODY_KEPT: usize = 500;

/// Cheap to clone: the connection pool, the parsed URL and the headers every
/// request carries (the bearer token among them, marked sensitive) are built
/// once.
#[derive(Clone)]
pub struct SinchClient {
    http: reqwest::Client,
    url: reqwest::Url,
}

impl SinchClient {
    /// A client for `bot_id` at `base_url` (e.g. `https://eu1.whatsapp.api.sinch.com`).
    pub fn new(
        base_url: &str,
        bot_id: &str,
        token: SecretString,
        pool: usize,
    ) -> anyhow::Result<SinchClient> {
        let mut bearer = HeaderValue::try_from(format!("Bearer {}", token.expose()))
            .map_err(|_| anyhow::anyhow!("the token holds characters a header cannot carry"))?;
        bearer.set_sensitive(true);
        let headers = HeaderMap::from_iter([
            (AUTHORIZATION, bearer),
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
        ]);
        let url = format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            messages_path(bot_id)
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            // A send is never repeated behind wacast's back: no redirects
            // (a POST must not turn into another request) and no retries of
            // the HTTP layer's own; wacast decides what is safe to resend.
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(pool)
            .user_agent(concat!("wacast/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(SinchClient {
            http,
            url: reqwest::Url::parse(&url)
                .map_err(|error| anyhow::anyhow!("`{url}` is not a URL: {error}"))?,
        })
    }

    /// The full URL requests go to.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// Sends one request whose JSON body is `body` (a [`crate::sinch::wire::SendRequest`]).
    pub async fn send(&self, body: Vec<u8>) -> Result<(u16, SendResponse), SendError> {
        let answer = self
            .http
            .post(self.url.clone())
            .body(body)
            .send()
            .await
            .map_err(|error| transport_error(&error))?;
        let status = answer.status();
        let retry_after = retry_after(answer.headers());
        let body = answer.bytes().await.map_err(|error| SendError::Uncertain {
            status: Some(status.as_u16()),
            reason: format!("the answer was cut off: {}", innermost(&error)),
        })?;
        classify(status, retry_after, &body)
    }
}

fn classify(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<(u16, SendResponse), SendError> {
    let code = status.as_u16();
    if status.is_success() {
        return serde_json::from_slice::<SendResponse>(body)
            .map(|response| (code, response))
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

/// A transport error, classed by whether the request can have been written.
fn transport_error(error: &reqwest::Error) -> SendError {
    if error.is_connect() {
        return SendError::NotSent {
            reason: innermost(error),
        };
    }
    let reason = if error.is_timeout() {
        format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())
    } else {
        format!(
            "the connection failed after the request was sent: {}",
            innermost(error)
        )
    };
    SendError::Uncertain {
        status: None,
        reason,
    }
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The deepest cause of an error, which names what actually went wrong.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
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
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(60));
        headers.insert(reqwest::header::RETRY_AFTER, later.parse().unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(55) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
    }
}
