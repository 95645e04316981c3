//! The signature on Conversation API callbacks (SD `conversation-callbacks.md`;
//! J `client/src/main/com/sinch/sdk/auth/HmacAuthenticationValidation.java`;
//! P `authentication_validation.py`):
//! `base64(HMAC-SHA256(secret, raw_body + "." + nonce + "." + timestamp))`,
//! padded standard base64, over the raw bytes as received. SD's prose lists
//! body, timestamp, nonce, but its formula, the SDKs and J's test vector put
//! the nonce first.
//!
//! Sinch signs only when the webhook has a secret. Callbacks for a message
//! sent with its own `callback_url` are signed with the app's
//! `secret_for_overridden_callback_urls` instead (J `SendMessageRequest`
//! javadoc), so [`verify`] takes every configured secret.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::header;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-sinch-webhook-signature";
/// The header carrying the nonce.
pub const NONCE_HEADER: &str = "x-sinch-webhook-signature-nonce";
/// The header carrying the timestamp, in epoch seconds.
pub const TIMESTAMP_HEADER: &str = "x-sinch-webhook-signature-timestamp";
/// The header naming the algorithm.
pub const ALGORITHM_HEADER: &str = "x-sinch-webhook-signature-algorithm";
/// The only algorithm Sinch uses.
pub const ALGORITHM: &str = "HmacSHA256";

/// Why a callback's signature was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No secret is configured to check against.
    #[error("no webhook secret is configured to check the callback's signature")]
    NoSecret,
    /// A signature header is absent.
    #[error("the callback is not signed: `{0}` is missing")]
    Missing(&'static str),
    /// A signature header is present but unreadable.
    #[error("the callback's `{header}` is malformed: {reason}")]
    Malformed {
        /// The header.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The algorithm header names another algorithm.
    #[error("the callback's signature algorithm `{0}` is not `{ALGORITHM}`")]
    Algorithm(String),
    /// No configured secret gives this signature.
    #[error("the callback's signature does not match its body under any configured secret")]
    Mismatch,
    /// The timestamp is further from now than allowed.
    #[error("the callback's signature timestamp is {0:?} away from now")]
    Stale(Duration),
}

/// The signature of `body` with `nonce` and `timestamp` under `secret`.
pub fn sign(secret: &[u8], body: &[u8], nonce: &str, timestamp: &str) -> String {
    STANDARD.encode(mac(secret, body, nonce, timestamp).finalize().into_bytes())
}

/// Checks the signature headers of a callback against each of `secrets`, in
/// constant time per secret, trying all of them. Returns the index of the
/// secret that matched. An absent algorithm header is taken as [`ALGORITHM`].
pub fn verify<S: AsRef<[u8]>>(
    secrets: &[S],
    body: &[u8],
    headers: &[(&str, &str)],
) -> Result<usize, SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let required =
        |name: &'static str| header::find(headers, name).ok_or(SignatureError::Missing(name));
    let signature = required(SIGNATURE_HEADER)?.trim();
    let nonce = required(NONCE_HEADER)?.trim();
    let timestamp = required(TIMESTAMP_HEADER)?.trim();
    if let Some(algorithm) = header::find(headers, ALGORITHM_HEADER).map(str::trim)
        && !algorithm.eq_ignore_ascii_case(ALGORITHM)
    {
        return Err(SignatureError::Algorithm(algorithm.to_owned()));
    }
    let malformed = |header, reason| SignatureError::Malformed { header, reason };
    if nonce.is_empty() {
        return Err(malformed(NONCE_HEADER, "it is empty"));
    }
    if epoch_seconds(timestamp).is_none() {
        return Err(malformed(TIMESTAMP_HEADER, "it is not epoch seconds"));
    }
    let decoded = STANDARD
        .decode(signature)
        .map_err(|_| malformed(SIGNATURE_HEADER, "it is not base64"))?;
    if decoded.len() != 32 {
        return Err(malformed(SIGNATURE_HEADER, "it is not 32 bytes long"));
    }
    let mut matched = None;
    for (index, secret) in secrets.iter().enumerate() {
        let ok = mac(secret.as_ref(), body, nonce, timestamp)
            .verify_slice(&decoded)
            .is_ok();
        if ok && matched.is_none() {
            matched = Some(index);
        }
    }
    matched.ok_or(SignatureError::Mismatch)
}

/// Refuses a signature timestamp more than `tolerance` from `now`, as SD
/// advises against replays (with a record of recent nonces).
pub fn check_timestamp(
    timestamp: &str,
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let at = epoch_seconds(timestamp.trim()).ok_or(SignatureError::Malformed {
        header: TIMESTAMP_HEADER,
        reason: "it is not epoch seconds",
    })?;
    let at = UNIX_EPOCH + Duration::from_secs(at);
    let gap = now.duration_since(at).unwrap_or_else(|e| e.duration());
    if gap > tolerance {
        Err(SignatureError::Stale(gap))
    } else {
        Ok(())
    }
}

fn epoch_seconds(text: &str) -> Option<u64> {
    (!text.is_empty() && text.len() <= 19 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn mac(secret: &[u8], body: &[u8], nonce: &str, timestamp: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.update(b".");
    mac.update(nonce.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    // J test `client/src/test/java/com/sinch/sdk/auth/HmacAuthenticationValidationTest.java`.
    const BODY: &[u8] =
        include_bytes!("../../../tests/fixtures/sinch_conversation/contact_create_signed.json");
    const SECRET: &[u8] = b"foo_secret1234";
    const NONCE: &str = "01FJA8B4A7BM43YGWSG9GBV067";
    const TIMESTAMP: &str = "1634579353";
    const SIGNATURE: &str = "6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=";

    fn headers<'a>(
        signature: &'a str,
        nonce: &'a str,
        timestamp: &'a str,
    ) -> Vec<(&'a str, &'a str)> {
        vec![
            ("X-Sinch-Webhook-Signature", signature),
            ("x-sinch-webhook-signature-nonce", nonce),
            ("x-sinch-webhook-signature-timestamp", timestamp),
            ("x-sinch-webhook-signature-algorithm", "HmacSHA256"),
        ]
    }

    #[test]
    fn the_java_sdk_vector_passes() {
        assert_eq!(BODY.len(), 405);
        assert_eq!(sign(SECRET, BODY, NONCE, TIMESTAMP), SIGNATURE);
        assert_eq!(
            verify(&[SECRET], BODY, &headers(SIGNATURE, NONCE, TIMESTAMP)),
            Ok(0)
        );
    }

    #[test]
    fn any_configured_secret_may_match() {
        let secrets: [&[u8]; 2] = [b"webhook secret", SECRET];
        assert_eq!(
            verify(&secrets, BODY, &headers(SIGNATURE, NONCE, TIMESTAMP)),
            Ok(1)
        );
        let none: [&[u8]; 0] = [];
        assert_eq!(
            verify(&none, BODY, &headers(SIGNATURE, NONCE, TIMESTAMP)),
            Err(SignatureError::NoSecret)
        );
    }

    #[test]
    fn order_and_bytes_matter() {
        // Swapping nonce and timestamp (SD's prose order) must not pass.
        let swapped = sign(SECRET, BODY, TIMESTAMP, NONCE);
        assert_eq!(
            verify(&[SECRET], BODY, &headers(&swapped, NONCE, TIMESTAMP)),
            Err(SignatureError::Mismatch)
        );
        let mut body = BODY.to_vec();
        body.push(b'\n');
        assert_eq!(
            verify(&[SECRET], &body, &headers(SIGNATURE, NONCE, TIMESTAMP)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&[b"other"], BODY, &headers(SIGNATURE, NONCE, TIMESTAMP)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_distinct() {
        let all = headers(SIGNATURE, NONCE, TIMESTAMP);
        for (skip, name) in [
            (0, SIGNATURE_HEADER),
            (1, NONCE_HEADER),
            (2, TIMESTAMP_HEADER),
        ] {
            let some: Vec<_> = all
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, h)| *h)
                .collect();
            assert_eq!(
                verify(&[SECRET], BODY, &some),
                Err(SignatureError::Missing(name))
            );
        }
        let check = |h: Vec<(&str, &str)>| verify(&[SECRET], BODY, &h);
        assert!(matches!(
            check(headers("not base64!", NONCE, TIMESTAMP)),
            Err(SignatureError::Malformed {
                header: SIGNATURE_HEADER,
                ..
            })
        ));
        assert!(matches!(
            check(headers("YWJj", NONCE, TIMESTAMP)),
            Err(SignatureError::Malformed {
                header: SIGNATURE_HEADER,
                ..
            })
        ));
        assert!(matches!(
            check(headers(SIGNATURE, NONCE, "yesterday")),
            Err(SignatureError::Malformed {
                header: TIMESTAMP_HEADER,
                ..
            })
        ));
        assert!(matches!(
            check(headers(SIGNATURE, "", TIMESTAMP)),
            Err(SignatureError::Malformed {
                header: NONCE_HEADER,
                ..
            })
        ));
        let mut sha1 = all.clone();
        sha1[3].1 = "HmacSHA1";
        assert_eq!(
            check(sha1),
            Err(SignatureError::Algorithm("HmacSHA1".into()))
        );
        assert_eq!(check(all[..3].to_vec()), Ok(0));
    }

    #[test]
    fn old_timestamps_can_be_refused() {
        let now = UNIX_EPOCH + Duration::from_secs(1_634_579_353 + 10);
        assert_eq!(
            check_timestamp(TIMESTAMP, now, Duration::from_secs(300)),
            Ok(())
        );
        assert_eq!(
            check_timestamp(TIMESTAMP, now, Duration::from_secs(5)),
            Err(SignatureError::Stale(Duration::from_secs(10)))
        );
        let before = UNIX_EPOCH + Duration::from_secs(1_634_579_353 - 10);
        assert_eq!(
            check_timestamp(TIMESTAMP, before, Duration::from_secs(5)),
            Err(SignatureError::Stale(Duration::from_secs(10)))
        );
    }
}
