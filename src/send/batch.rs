//! A request's worth of recipients: the same message for up to 20 numbers,
//! grouped from pending rows in audience order.

use crate::catalog::RECIPIENTS_PER_REQUEST_MAX;
use crate::digest::MessageDigest;
use crate::journal::PendingRow;
use crate::phone::Phone;
use crate::sinch::wire::{SendRequest, TemplateMessage};

#[derive(Clone, Debug)]
pub struct Batch {
    pub phones: Vec<Phone>,
    pub request: SendRequest,
}

/// The largest batch at `rate_per_second`. A batch leaves the rate limiter as
/// one burst, so batches stay within 2% of a second's quota: no batching below
/// 100 recipients per second, 20 from 1,000 up.
pub fn largest(rate_per_second: u32) -> usize {
    (rate_per_second as usize / 50).clamp(1, RECIPIENTS_PER_REQUEST_MAX)
}

/// Groups `rows` by message, keeping the order in which messages first appear,
/// into groups of at most `largest`.
pub fn group(rows: Vec<PendingRow>, largest: usize) -> Vec<(MessageDigest, Vec<Phone>)> {
    let mut groups: Vec<(MessageDigest, Vec<Phone>)> = Vec::new();
    let mut open: std::collections::HashMap<MessageDigest, usize> =
        std::collections::HashMap::new();
    for row in rows {
        match open.get(&row.digest) {
            Some(&index) if groups[index].1.len() < largest => groups[index].1.push(row.phone),
            _ => {
                open.insert(row.digest, groups.len());
                groups.push((row.digest, vec![row.phone]));
            }
        }
    }
    groups
}

impl Batch {
    pub fn new(phones: Vec<Phone>, message: TemplateMessage, callback: Option<String>) -> Batch {
        let to = phones.iter().map(Phone::digits).collect();
        Batch {
            phones,
            request: SendRequest {
                to,
                message,
                callback,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_follow_the_rate() {
        assert_eq!(largest(20), 1);
        assert_eq!(largest(80), 1);
        assert_eq!(largest(100), 2);
        assert_eq!(largest(1000), 20);
        assert_eq!(largest(10_000), 20);
    }

    #[test]
    fn identical_messages_share_a_request() {
        let a = MessageDigest::of_bytes(b"a");
        let b = MessageDigest::of_bytes(b"b");
        let row = |n: u64, digest| PendingRow {
            line: n,
            phone: Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap(),
            digest,
        };
        let groups = group(vec![row(1, a), row(2, b), row(3, a), row(4, a)], 2);
        let sizes: Vec<(MessageDigest, usize)> =
            groups.iter().map(|(d, p)| (*d, p.len())).collect();
        assert_eq!(sizes, vec![(a, 2), (b, 1), (a, 1)]);
    }
}
