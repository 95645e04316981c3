//! The GET handshake Meta makes when a webhook URL is registered.
//!
//! `GET <callback>?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=<token>`: when
//! the mode is `subscribe` and the token matches, answer 200 with the challenge as the whole
//! body; otherwise refuse (M `webhooks/create-webhook-endpoint`; WhatsApp-Nodejs-SDK
//! `src/api/webhooks.ts`). Most samples refuse with 403, the Node SDK with 401.

/// The HTTP status to refuse a verification with.
pub const REFUSED_STATUS: u16 = 403;

/// The longest challenge echoed back. Meta's challenges are short integers.
const MAX_CHALLENGE: usize = 256;

/// Why a verification request was refused (answer [`REFUSED_STATUS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerificationRefused {
    /// `hub.mode` is absent or not `subscribe`.
    #[error("`hub.mode` is not `subscribe`")]
    Mode,
    /// `hub.verify_token` is absent or differs from the configured token.
    #[error("`hub.verify_token` does not match the configured verify token")]
    Token,
    /// `hub.challenge` is absent, empty, too long or not plain text.
    #[error("`hub.challenge` is missing or not a plain token")]
    Challenge,
}

/// Checks a verification request given its decoded query pairs; `Ok` holds the body to
/// answer with status 200.
///
/// The token comparison is constant-time for tokens of equal length. The challenge is echoed
/// only if it is 1 to 256 ASCII letters, digits, `-`, `_` or `.`, so the endpoint never
/// reflects markup.
pub fn verify_subscription<K, V>(
    query: &[(K, V)],
    verify_token: &str,
) -> Result<String, VerificationRefused>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let get = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key.as_ref() == name)
            .map(|(_, value)| value.as_ref())
    };
    if get("hub.mode") != Some("subscribe") {
        return Err(VerificationRefused::Mode);
    }
    let token = get("hub.verify_token").ok_or(VerificationRefused::Token)?;
    if verify_token.is_empty() || !constant_time_eq(token.as_bytes(), verify_token.as_bytes()) {
        return Err(VerificationRefused::Token);
    }
    let challenge = get("hub.challenge").ok_or(VerificationRefused::Challenge)?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if challenge.is_empty() || challenge.len() > MAX_CHALLENGE || !challenge.chars().all(plain) {
        return Err(VerificationRefused::Challenge);
    }
    Ok(challenge.to_owned())
}

/// Equality whose time depends only on the lengths, not on where the bytes differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(mode: &str, token: &str, challenge: &str) -> Vec<(String, String)> {
        vec![
            ("hub.mode".into(), mode.into()),
            ("hub.challenge".into(), challenge.into()),
            ("hub.verify_token".into(), token.into()),
        ]
    }

    #[test]
    fn matching_subscribe_echoes_the_challenge() {
        // The example request in M `webhooks/create-webhook-endpoint`.
        let q = query("subscribe", "meatyhamhock", "1158201444");
        assert_eq!(
            verify_subscription(&q, "meatyhamhock"),
            Ok("1158201444".into())
        );
        let borrowed = [
            ("hub.mode", "subscribe"),
            ("hub.verify_token", "t"),
            ("hub.challenge", "9"),
        ];
        assert_eq!(verify_subscription(&borrowed, "t"), Ok("9".into()));
    }

    #[test]
    fn anything_else_is_refused() {
        let check = |q: Vec<(String, String)>| verify_subscription(&q, "secret");
        assert_eq!(
            check(query("unsubscribe", "secret", "1")),
            Err(VerificationRefused::Mode)
        );
        assert_eq!(check(vec![]), Err(VerificationRefused::Mode));
        assert_eq!(
            check(query("subscribe", "secreT", "1")),
            Err(VerificationRefused::Token)
        );
        assert_eq!(
            check(query("subscribe", "secret2", "1")),
            Err(VerificationRefused::Token)
        );
        assert_eq!(
            check(query("subscribe", "", "1")),
            Err(VerificationRefused::Token)
        );
        assert_eq!(
            check(query("subscribe", "secret", "")),
            Err(VerificationRefused::Challenge)
        );
        assert_eq!(
            check(query("subscribe", "secret", "<script>")),
            Err(VerificationRefused::Challenge)
        );
        let q = vec![("hub.mode".to_owned(), "subscribe".to_owned())];
        assert_eq!(
            verify_subscription(&q, "secret"),
            Err(VerificationRefused::Token)
        );
    }

    #[test]
    fn an_empty_configured_token_matches_nothing() {
        assert_eq!(
            verify_subscription(&query("subscribe", "", "1"), ""),
            Err(VerificationRefused::Token)
        );
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
