//! The OAuth2 client-credentials request that buys a bearer token:
//! `POST <auth>/oauth2/token` with HTTP Basic credentials and the form body
//! `grant_type=client_credentials` (J `auth/adapters/OAuthManager.java`,
//! N `plugins/oauth2/oauth2-token.request.ts`, SK `SKILL.md`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;

/// The global token host, used for every region by all SDKs and SK. SD (2021)
/// names `https://eu.auth.sinch.com` for EU; keep the host configurable.
pub const DEFAULT_AUTH_BASE: &str = "https://auth.sinch.com";
/// The token endpoint's path.
pub const TOKEN_PATH: &str = "/oauth2/token";
/// The form body, the only grant Sinch issues tokens for.
pub const TOKEN_FORM: &str = "grant_type=client_credentials";
/// The form body's media type.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// A token request as data, ready for any HTTP client.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// Always `POST`.
    pub method: &'static str,
    /// The full URL: the auth base and [`TOKEN_PATH`].
    pub url: String,
    /// `Authorization`, `Content-Type` and `Accept`.
    pub headers: Vec<(&'static str, String)>,
    /// [`TOKEN_FORM`].
    pub body: Bytes,
}

impl TokenRequest {
    /// The request for `key_id`/`key_secret` against `auth_base`
    /// (e.g. [`DEFAULT_AUTH_BASE`]; a trailing `/` is ignored).
    pub fn new(auth_base: &str, key_id: &str, key_secret: &str) -> Self {
        TokenRequest {
            method: "POST",
            url: format!("{}{TOKEN_PATH}", auth_base.trim_end_matches('/')),
            headers: vec![
                ("authorization", basic_authorization(key_id, key_secret)),
                ("content-type", FORM_CONTENT_TYPE.to_owned()),
                ("accept", "application/json".to_owned()),
            ],
            body: Bytes::from_static(TOKEN_FORM.as_bytes()),
        }
    }
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("authorization", &"(redacted)")
            .finish()
    }
}

/// `Basic base64(<key_id>:<key_secret>)` (RFC 7617, standard padded base64).
pub fn basic_authorization(key_id: &str, key_secret: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{key_id}:{key_secret}"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_client_credentials_request() {
        let request = TokenRequest::new("https://auth.sinch.com/", "key-id", "s3cret");
        assert_eq!(request.method, "POST");
        assert_eq!(request.url, "https://auth.sinch.com/oauth2/token");
        assert_eq!(request.body.as_ref(), b"grant_type=client_credentials");
        // base64("key-id:s3cret"), computed independently.
        assert_eq!(
            request.headers[0],
            ("authorization", "Basic a2V5LWlkOnMzY3JldA==".to_owned())
        );
        assert_eq!(request.headers[1].1, "application/x-www-form-urlencoded");
        assert!(!format!("{request:?}").contains("a2V5"));
    }
}
