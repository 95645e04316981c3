//! Fresh message ids shaped like Meta's: `wamid.` and base64 of the recipient and a random part.
//!
//! Meta's ids decode to `1c 18 <len> <digits> 15 02 00 <kind> 18 <len> <hex chars> 00` (e.g.
//! `wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQz…` in M `webhooks/reference/messages`); clients treat
//! them as opaque, so only the look matters. Uniqueness comes from a process-wide counter
//! hashed with the clock and process id.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new `wamid.…` for a message to `to_digits`; never the same twice in one process.
pub fn fresh_wamid(to_digits: &str) -> String {
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut hash = Sha256::new();
    hash.update(count.to_le_bytes());
    hash.update(nanos.to_le_bytes());
    hash.update(std::process::id().to_le_bytes());
    let unique = hex::encode_upper(&hash.finalize()[..9]);
    let digits: Vec<u8> = to_digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .take(20)
        .collect();
    let mut raw = vec![0x1c, 0x18, digits.len() as u8];
    raw.extend_from_slice(&digits);
    raw.extend_from_slice(&[0x15, 0x02, 0x00, 0x11, 0x18, 0x12]);
    raw.extend_from_slice(unique.as_bytes());
    raw.push(0x00);
    format!("wamid.{}", base64(&raw))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_like_meta_ids() {
        let id = fresh_wamid("447700900123");
        // Meta's example id for 447700900123 starts the same way (contract reference).
        assert!(id.starts_with("wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgS"), "{id}");
        let tail = &id["wamid.".len()..];
        assert!(tail.len().is_multiple_of(4), "{id}");
        assert!(
            tail.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        );
    }

    #[test]
    fn never_repeats() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| fresh_wamid("1")).collect();
        assert_eq!(ids.len(), 1000);
    }

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
