//! Secrets that cannot leak by accident: a bearer token whose `Debug` and
//! `Display` print `(redacted)` (the only way to the text is
//! [`SecretString::expose`]), and URLs shown with any password masked.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(secret: impl Into<String>) -> SecretString {
        SecretString(secret.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

/// `url` as it may be shown: a password in its authority
/// (`http://user:password@host/`) becomes `***`. Text that is not a URL is
/// returned as it is.
pub fn masked_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let authority_start = scheme_end + 3;
    let authority_end = url[authority_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |at| authority_start + at);
    let authority = &url[authority_start..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let Some(colon) = authority[..at].find(':') else {
        return url.to_owned();
    };
    let password_start = authority_start + colon + 1;
    format!(
        "{}***{}",
        &url[..password_start],
        &url[authority_start + at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            masked_url("https://user:pa55@eu1.example.com:8443/path?x=1"),
            "https://user:***@eu1.example.com:8443/path?x=1"
        );
        assert_eq!(masked_url("http://user@host/"), "http://user@host/");
        assert_eq!(masked_url("http://host/a@b"), "http://host/a@b");
        assert_eq!(masked_url("http://u:p:q@host"), "http://u:***@host");
        assert_eq!(masked_url("not a url"), "not a url");
    }

    #[test]
    fn never_prints_the_secret() {
        let token = SecretString::new("s3cr3t-token");
        assert_eq!(format!("{token:?} {token}"), "(redacted) (redacted)");
        assert_eq!(token.expose(), "s3cr3t-token");
    }
}
