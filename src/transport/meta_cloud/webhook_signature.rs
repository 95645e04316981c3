//! `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>` on Meta's webhooks.
//!
//! Keyed by the Meta app secret over the raw request bytes, never re-serialised JSON (Meta
//! signs its own byte-for-byte payload, escaped non-ASCII included); compared in constant
//! time (WhatsApp-Nodejs-SDK `src/utils.ts`; pywa `pywa/utils.py` `webhook_updates_validator`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header Meta signs webhooks with.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

const PREFIX: &str = "sha256=";

/// Why a webhook signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header.
    #[error("missing `X-Hub-Signature-256` header")]
    Missing,
    /// The header is not `sha256=` followed by 64 hex digits.
    #[error("malformed `X-Hub-Signature-256` header: expected `sha256=` and 64 hex digits")]
    Malformed,
    /// The signature does not match the body and app secret.
    #[error("`X-Hub-Signature-256` does not match the body: check the app secret")]
    Mismatch,
}

/// The header value Meta would send for `body`: `sha256=` and lower-case hex.
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let tag = mac(app_secret, body).finalize().into_bytes();
    format!("{PREFIX}{}", hex::encode(tag))
}

/// Checks `header` (the `X-Hub-Signature-256` value, if any) against `body`.
///
/// Hex digits may be upper or lower case; surrounding whitespace is ignored. The comparison
/// is constant-time.
pub fn verify(app_secret: &[u8], header: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let digits = header
        .get(..PREFIX.len())
        .filter(|prefix| prefix.eq_ignore_ascii_case(PREFIX))
        .map(|_| &header[PREFIX.len()..])
        .ok_or(SignatureError::Malformed)?;
    let mut tag = [0u8; 32];
    hex::decode_to_slice(digits, &mut tag).map_err(|_| SignatureError::Malformed)?;
    mac(app_secret, body)
        .verify_slice(&tag)
        .map_err(|_| SignatureError::Mismatch)
}

fn mac(key: &[u8], body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"object":"whatsapp_business_account","entry":[]}"#;
    const SECRET: &[u8] = b"app_secret_123";
    // Checked with `printf '%s' "$BODY" | openssl dgst -sha256 -hmac app_secret_123`.
    const VECTOR: &str = "sha256=02fe0c96d28c59ddb7cf81eff0ca05809b360ba73b63c28210b5906a0a107d1f";

    #[test]
    fn sign_matches_the_vector() {
        assert_eq!(sign(SECRET, BODY), VECTOR);
    }

    #[test]
    fn verify_accepts_the_vector_in_either_case() {
        assert_eq!(verify(SECRET, Some(VECTOR), BODY), Ok(()));
        let upper = format!("sha256={}", VECTOR[7..].to_uppercase());
        assert_eq!(verify(SECRET, Some(&upper), BODY), Ok(()));
        assert_eq!(verify(SECRET, Some(&format!(" {VECTOR} ")), BODY), Ok(()));
    }

    #[test]
    fn missing_malformed_and_mismatched_are_distinct() {
        assert_eq!(verify(SECRET, None, BODY), Err(SignatureError::Missing));
        for bad in [
            "",
            "sha256=",
            "sha1=02fe0c96d28c59ddb7cf81eff0ca05809b360ba73b63c28210b5906a0a107d1f",
            "02fe0c96d28c59ddb7cf81eff0ca05809b360ba73b63c28210b5906a0a107d1f",
            "sha256=02fe0c96d28c59ddb7cf81eff0ca05809b360ba73b63c28210b5906a0a107d",
            "sha256=zzfe0c96d28c59ddb7cf81eff0ca05809b360ba73b63c28210b5906a0a107d1f",
            "sha256=é",
        ] {
            assert_eq!(
                verify(SECRET, Some(bad), BODY),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            verify(b"other_secret", Some(VECTOR), BODY),
            Err(SignatureError::Mismatch)
        );
        let mut changed = BODY.to_vec();
        changed.push(b' ');
        assert_eq!(
            verify(SECRET, Some(VECTOR), &changed),
            Err(SignatureError::Mismatch)
        );
    }
}
