//! The sandbox's bearer check on API calls: a token it issued and that has
//! not expired. Expiry is what lets tests exercise refresh-and-resend.

use std::time::Instant;

/// The state of the bearer token on an API call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BearerCheck {
    /// A token the sandbox issued, not expired.
    Valid,
    /// No `Authorization: Bearer …` header.
    Missing,
    /// A token the sandbox issued, expired: answer 401 with an `expired`
    /// `www-authenticate` so clients refresh and resend.
    Expired,
    /// A token the sandbox never issued.
    Unknown,
}

/// Checks the bearer token of an API call; `expiry_of` gives when an issued
/// token expires.
pub fn check_bearer(
    authorization: Option<&str>,
    expiry_of: impl Fn(&str) -> Option<Instant>,
    now: Instant,
) -> BearerCheck {
    let token = authorization
        .map(str::trim)
        .and_then(|a| a.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match token {
        None | Some("") => BearerCheck::Missing,
        Some(token) => match expiry_of(token) {
            None => BearerCheck::Unknown,
            Some(expiry) if now >= expiry => BearerCheck::Expired,
            Some(_) => BearerCheck::Valid,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bearer_tokens_expire() {
        let t0 = Instant::now();
        let expiry = |token: &str| (token == "tok").then_some(t0 + Duration::from_secs(2));
        assert_eq!(
            check_bearer(Some("Bearer tok"), expiry, t0),
            BearerCheck::Valid
        );
        assert_eq!(
            check_bearer(Some("bearer tok"), expiry, t0 + Duration::from_secs(2)),
            BearerCheck::Expired
        );
        assert_eq!(
            check_bearer(Some("Bearer other"), expiry, t0),
            BearerCheck::Unknown
        );
        assert_eq!(
            check_bearer(Some("Basic abc"), expiry, t0),
            BearerCheck::Missing
        );
        assert_eq!(check_bearer(None, expiry, t0), BearerCheck::Missing);
    }
}
