//! The signature Sinch puts on callbacks: HMAC-SHA256 over `<raw body>.<nonce>`
//! with the key issued at onboarding, base64-encoded, sent with the algorithm
//! and the nonce in three headers. The sandbox signs with it; a receiver
//! recomputes it to check a callback came from the sender holding the key.

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
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.update(b".");
    mac.update(nonce.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
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
}
