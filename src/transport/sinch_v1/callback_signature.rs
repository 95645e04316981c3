//! The signature Sinch puts on callbacks: HMAC-SHA256 over `<raw body>.<nonce>`
//! with the key issued at onboarding, sent with the algorithm and the nonce in
//! three headers. The sandbox signs with it (base64); `wacast listen`
//! recomputes it to check a callback came from the sender holding the key,
//! accepting base64 or hex since Sinch does not document the encoding.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "sinch-whatsapp-callback-signature";
/// The header naming the algorithm.
pub const ALGORITHM_HEADER: &str = "sinch-whatsapp-callback-signature-algorithm";
/// The header carrying the nonce.
pub const NONCE_HEADER: &str = "sinch-whatsapp-callback-signature-nonce";
/// The only algorithm Sinch names.
pub const ALGORITHM: &str = "HMAC_SHA_256";

/// The base64 signature of `body` with `nonce` under `key`.
pub fn sign(key: &[u8], body: &[u8], nonce: &str) -> String {
    STANDARD.encode(mac(key, body, nonce).finalize().into_bytes())
}

/// Why a callback's signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the callback is not signed (`{SIGNATURE_HEADER}` or `{NONCE_HEADER}` is missing)")]
    Missing,
    #[error("the callback's signature algorithm is not `{ALGORITHM}`")]
    Algorithm,
    #[error("the callback's signature does not match its body")]
    Mismatch,
}

/// Checks `signature` (base64 or hex) over `body` and `nonce` under `key`, in
/// constant time. An absent algorithm is taken as HMAC-SHA256.
pub fn verify(
    key: &[u8],
    body: &[u8],
    signature: Option<&str>,
    nonce: Option<&str>,
    algorithm: Option<&str>,
) -> Result<(), SignatureError> {
    let (Some(signature), Some(nonce)) = (signature, nonce) else {
        return Err(SignatureError::Missing);
    };
    if algorithm.is_some_and(|a| !a.trim().eq_ignore_ascii_case(ALGORITHM)) {
        return Err(SignatureError::Algorithm);
    }
    let signature = signature.trim();
    let decoded = STANDARD
        .decode(signature)
        .ok()
        .filter(|bytes| bytes.len() == 32)
        .or_else(|| hex::decode(signature).ok())
        .ok_or(SignatureError::Mismatch)?;
    mac(key, body, nonce)
        .verify_slice(&decoded)
        .map_err(|_| SignatureError::Mismatch)
}

fn mac(key: &[u8], body: &[u8], nonce: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.update(b".");
    mac.update(nonce.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_body_dot_nonce_in_base64() {
        // Computed independently with Python's hmac module.
        let signature = sign(b"key-1", br#"{"type":"whatsapp"}"#, "01HNONCE");
        assert_eq!(signature, "mBIkjURe8PcAa6XEQfxN+jn+C2dluoYD0fP+7FnruiY=");
    }

    #[test]
    fn verifies_base64_or_hex_and_refuses_the_rest() {
        let body = br#"{"type":"whatsapp"}"#;
        let base64 = sign(b"key-1", body, "n1");
        let hex = hex::encode(STANDARD.decode(&base64).unwrap());
        let check = |sig: Option<&str>, nonce: Option<&str>, alg: Option<&str>| {
            verify(b"key-1", body, sig, nonce, alg)
        };
        assert_eq!(check(Some(&base64), Some("n1"), Some(ALGORITHM)), Ok(()));
        assert_eq!(check(Some(&hex), Some("n1"), None), Ok(()));
        assert_eq!(check(Some(&hex.to_uppercase()), Some("n1"), None), Ok(()));
        assert_eq!(
            check(Some(&base64), Some("n2"), None),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(Some("not a signature"), Some("n1"), None),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(check(None, Some("n1"), None), Err(SignatureError::Missing));
        assert_eq!(
            check(Some(&base64), None, None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            check(Some(&base64), Some("n1"), Some("HMAC_SHA_1")),
            Err(SignatureError::Algorithm)
        );
    }
}
