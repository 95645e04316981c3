//! The sandbox's token endpoint checks: HTTP Basic credentials against the
//! configured key and the form body `grant_type=client_credentials`, what
//! [`crate::transport::sinch_conversation::token_request::TokenRequest`] sends.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::transport::sinch_conversation::token_request::FORM_CONTENT_TYPE;

/// Why the token endpoint refuses a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    /// No `Authorization: Basic …` header.
    #[error("the token request has no basic credentials")]
    MissingCredentials,
    /// Basic credentials that are not the configured key.
    #[error("the token request's key id or key secret is wrong")]
    WrongCredentials,
    /// The body is not a form.
    #[error("the token request's body is not `{FORM_CONTENT_TYPE}`")]
    NotAForm,
    /// The form does not ask for `grant_type=client_credentials`.
    #[error("the token request does not ask for `grant_type=client_credentials`")]
    WrongGrant,
}

/// Checks a token request against the configured key.
pub fn check_token_request(
    authorization: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
    key_id: &str,
    key_secret: &str,
) -> Result<(), TokenRefusal> {
    let (id, secret) = authorization
        .and_then(basic_credentials)
        .ok_or(TokenRefusal::MissingCredentials)?;
    if id != key_id || secret != key_secret {
        return Err(TokenRefusal::WrongCredentials);
    }
    let media_type = content_type
        .and_then(|c| c.split(';').next())
        .map(str::trim);
    if !media_type.is_some_and(|m| m.eq_ignore_ascii_case(FORM_CONTENT_TYPE)) {
        return Err(TokenRefusal::NotAForm);
    }
    let grants: Vec<String> = form_pairs(body)
        .filter(|(k, _)| k == "grant_type")
        .map(|(_, v)| v)
        .collect();
    if grants != ["client_credentials"] {
        return Err(TokenRefusal::WrongGrant);
    }
    Ok(())
}

/// The id and secret of `Basic base64(id:secret)`; the scheme is
/// case-insensitive (RFC 7617), the secret may contain `:`.
fn basic_credentials(authorization: &str) -> Option<(String, String)> {
    let (scheme, encoded) = authorization.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// The decoded `key=value` pairs of a form body.
fn form_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |b| *b == b'=');
            let key = form_decode(parts.next().unwrap_or_default());
            let value = form_decode(parts.next().unwrap_or_default());
            (key, value)
        })
}

fn form_decode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::sinch_conversation::token_request::{TokenRequest, basic_authorization};

    #[test]
    fn accepts_the_token_request_wacast_builds() {
        let request = TokenRequest::new("http://127.0.0.1:1", "id", "se:cret");
        let header = |name: &str| {
            request
                .headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        let check = check_token_request(
            header("authorization"),
            header("content-type"),
            &request.body,
            "id",
            "se:cret",
        );
        assert_eq!(check, Ok(()));
    }

    #[test]
    fn refuses_bad_token_requests() {
        let good = basic_authorization("id", "secret");
        let form = Some("application/x-www-form-urlencoded; charset=utf-8");
        let check = |auth: Option<&str>, ct: Option<&str>, body: &str| {
            check_token_request(auth, ct, body.as_bytes(), "id", "secret")
        };
        assert_eq!(
            check(None, form, "grant_type=client_credentials"),
            Err(TokenRefusal::MissingCredentials)
        );
        assert_eq!(
            check(Some("Bearer x"), form, "grant_type=client_credentials"),
            Err(TokenRefusal::MissingCredentials)
        );
        assert_eq!(
            check(
                Some(&basic_authorization("id", "nope")),
                form,
                "grant_type=client_credentials"
            ),
            Err(TokenRefusal::WrongCredentials)
        );
        assert_eq!(
            check(
                Some(&good),
                Some("application/json"),
                "grant_type=client_credentials"
            ),
            Err(TokenRefusal::NotAForm)
        );
        assert_eq!(
            check(Some(&good), form, "grant_type=password"),
            Err(TokenRefusal::WrongGrant)
        );
        assert_eq!(
            check(
                Some(&good),
                form,
                "grant_type=client_credentials&grant_type=x"
            ),
            Err(TokenRefusal::WrongGrant)
        );
        assert_eq!(
            check(Some(&good), form, "scope=&grant_type=client%5Fcredentials"),
            Ok(())
        );
    }
}
