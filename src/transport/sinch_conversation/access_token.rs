//! The token endpoint's answer: `{access_token, expires_in, token_type}` on
//! 200 (J test `BearerAuthResponse.json`), or why there is no token.

use std::time::Duration;

use serde::Deserialize;

use super::excerpt::excerpt;
use super::header;
use super::retry_after::parse_retry_after;

/// A bearer token and how long it lives from when it was requested.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The JWT sent as `Authorization: Bearer <value>`.
    pub value: String,
    /// Its lifetime as announced (`expires_in`); about an hour in production.
    pub expires_in: Duration,
}

impl AccessToken {
    /// The `Authorization` header value for API calls.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.value)
    }

    /// Reads the token endpoint's answer. `now` dates an HTTP-date
    /// `Retry-After`, which Sinch does not send today (N).
    pub fn from_response(
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
        now: std::time::SystemTime,
    ) -> Result<AccessToken, TokenError> {
        match status {
            200..=299 => parse(body),
            401 => Err(TokenError::WrongKey),
            429 => Err(TokenError::RateLimited {
                retry_after: header::find(headers, "retry-after")
                    .and_then(|v| parse_retry_after(v, now)),
            }),
            _ => Err(TokenError::Unexpected {
                status,
                excerpt: excerpt(body),
            }),
        }
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &"(redacted)")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Why no token was obtained.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// 401: the key id or key secret is wrong, or the key was deleted.
    #[error("sinch refused the access key (401): check the key id and key secret")]
    WrongKey,
    /// 429: the token endpoint is a token bucket of 30 refilled at 10/s and
    /// sends no `Retry-After` (N); back off with [`super::token_backoff`].
    #[error("sinch's token endpoint is rate limited (429)")]
    RateLimited {
        /// The server's `Retry-After`, if it ever sends one.
        retry_after: Option<Duration>,
    },
    /// Any other status.
    #[error("sinch's token endpoint answered {status}: {excerpt}")]
    Unexpected {
        /// The HTTP status.
        status: u16,
        /// A bounded, neutralised excerpt of the body.
        excerpt: String,
    },
    /// A 2xx whose body is not a token.
    #[error("sinch's token endpoint answered without a usable token ({reason}): {excerpt}")]
    Malformed {
        /// What was wrong.
        reason: String,
        /// A bounded, neutralised excerpt of the body.
        excerpt: String,
    },
}

impl TokenError {
    /// Whether asking again later can succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            TokenError::RateLimited { .. } => true,
            TokenError::Unexpected { status, .. } => *status >= 500 || *status == 408,
            TokenError::WrongKey | TokenError::Malformed { .. } => false,
        }
    }
}

#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    token_type: Option<String>,
}

fn parse(body: &[u8]) -> Result<AccessToken, TokenError> {
    let malformed = |reason: &str| TokenError::Malformed {
        reason: reason.to_owned(),
        excerpt: excerpt(body),
    };
    let wire: Wire = serde_json::from_slice(body).map_err(|e| malformed(&e.to_string()))?;
    let value = wire
        .access_token
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| malformed("no `access_token`"))?;
    if wire
        .token_type
        .as_deref()
        .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
    {
        return Err(malformed("`token_type` is not `bearer`"));
    }
    let expires_in = wire
        .expires_in
        .ok_or_else(|| malformed("no `expires_in`"))?;
    Ok(AccessToken {
        value,
        expires_in: Duration::from_secs(expires_in),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn answer(
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<AccessToken, TokenError> {
        AccessToken::from_response(status, headers, body.as_bytes(), UNIX_EPOCH)
    }

    #[test]
    fn reads_a_token_ignoring_unknown_fields() {
        // Shape of J test `BearerAuthResponse.json` / the reference's example.
        let token = answer(
            200,
            &[],
            r#"{"access_token":"eyJ.x.y","expires_in":3599,"scope":"","token_type":"bearer"}"#,
        )
        .unwrap();
        assert_eq!(token.value, "eyJ.x.y");
        assert_eq!(token.expires_in, Duration::from_secs(3599));
        assert_eq!(token.authorization(), "Bearer eyJ.x.y");
        assert!(!format!("{token:?}").contains("eyJ"));
    }

    #[test]
    fn refuses_bodies_without_a_token() {
        for body in [
            r#"{"expires_in":3600}"#,
            r#"{"access_token":" ","expires_in":3600}"#,
            r#"{"access_token":"a"}"#,
            "<html>",
            r#"{"access_token":"a","expires_in":1,"token_type":"mac"}"#,
        ] {
            assert!(
                matches!(answer(200, &[], body), Err(TokenError::Malformed { .. })),
                "{body}"
            );
        }
    }

    #[test]
    fn classifies_failures() {
        assert_eq!(answer(401, &[], "{}"), Err(TokenError::WrongKey));
        assert_eq!(
            answer(429, &[], ""),
            Err(TokenError::RateLimited { retry_after: None })
        );
        assert_eq!(
            answer(429, &[("Retry-After", "2")], ""),
            Err(TokenError::RateLimited {
                retry_after: Some(Duration::from_secs(2))
            })
        );
        let long = "x".repeat(10_000);
        let Err(TokenError::Unexpected {
            status: 502,
            excerpt,
        }) = answer(502, &[], &long)
        else {
            panic!()
        };
        assert!(excerpt.chars().count() <= 500);
        assert!(TokenError::RateLimited { retry_after: None }.is_retryable());
        assert!(!TokenError::WrongKey.is_retryable());
    }
}
