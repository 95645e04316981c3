//! A request's worth of recipients: the same message for as many numbers as
//! one request of the transport may carry, grouped from pending rows in
//! audience order.

use crate::journal::PendingRow;
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use crate::transport::Transport;

/// One request: the recipients and the exact bytes of its body (shared, not
/// copied, by each attempt to send it).
#[derive(Clone, Debug)]
pub struct Batch {
    pub phones: Vec<Phone>,
    pub body: bytes::Bytes,
}

impl Batch {
    /// The request sending `message`, exactly as the plan staged it (the
    /// bytes its digest covers), to `phones`, in `transport`'s shape.
    pub fn new(transport: &impl Transport, phones: Vec<Phone>, message: &str) -> Batch {
        Batch {
            body: transport.body(message, &phones),
            phones,
        }
    }
}

/// The rate limiter's burst at `rate_per_second`, for requests of at most
/// `max_recipients`. With a burst of `b`, no
/// one-second window holds more than `rate + b - 1` recipients at the sender;
/// on the way to the provider, scheduling jitter bunches a few more (about 1%
/// at 1,000 per second). So the burst is half a percent of the rate plus two,
/// from 50 per second up: one cell more than the largest batch, to absorb
/// timer lateness that would otherwise drag the mean rate below the setting.
/// Below 50 per second, requests are 20 ms or more apart and the burst is 1.
/// With one recipient per request the batch is always 1 and the whole burst
/// is slack: capped at two it ran 9–11% slow at 1,000 per second.
pub fn burst(rate_per_second: u32, max_recipients: usize) -> usize {
    if rate_per_second < 50 {
        return 1;
    }
    let burst = rate_per_second as usize / 200 + 2;
    match max_recipients {
        0 | 1 => burst,
        _ => burst.min(max_recipients + 1),
    }
}

/// The largest batch at `rate_per_second`: one less than the burst, so (with
/// 20 recipients per request at most) 1 up to 199 per second, 6 at 1,000, 20
/// from 3,800 up.
pub fn largest(rate_per_second: u32, max_recipients: usize) -> usize {
    burst(rate_per_second, max_recipients)
        .saturating_sub(1)
        .clamp(1, max_recipients.max(1))
}

/// Groups `rows` by message, keeping the order in which messages first appear,
/// into groups of at most `largest`.
pub fn group(rows: Vec<PendingRow>, largest: usize) -> Vec<(String, Vec<Phone>)> {
    let mut groups: Vec<(String, Vec<Phone>)> = Vec::new();
    let mut open: std::collections::HashMap<MessageDigest, usize> =
        std::collections::HashMap::new();
    for row in rows {
        match open.get(&row.digest) {
            Some(&index) if groups[index].1.len() < largest => groups[index].1.push(row.phone),
            _ => {
                open.insert(row.digest, groups.len());
                groups.push((row.body, vec![row.phone]));
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most recipients per request that the rates above were tuned for.
    const MAX: usize = 20;

    #[test]
    fn batches_follow_the_rate() {
        for (rate, burst_size, batch) in [
            (1, 1, 1),
            (20, 1, 1),
            (80, 2, 1),
            (200, 3, 2),
            (1000, 7, 6),
            (3800, 21, 20),
            (100_000, 21, 20),
        ] {
            assert_eq!(
                (burst(rate, MAX), largest(rate, MAX)),
                (burst_size, batch),
                "at {rate}/s"
            );
        }
        assert_eq!(largest(10_000, MAX), 20);
        assert_eq!((burst(10_000, 1), largest(10_000, 1)), (52, 1));
        assert_eq!((burst(1000, 1), largest(1000, 1)), (7, 1));
    }

    #[test]
    fn identical_messages_share_a_request() {
        let a = MessageDigest::of_bytes(b"a");
        let b = MessageDigest::of_bytes(b"b");
        let row = |n: u64, digest: MessageDigest| PendingRow {
            line: n,
            phone: Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap(),
            digest,
            body: if digest == a { "A".into() } else { "B".into() },
        };
        let groups = group(vec![row(1, a), row(2, b), row(3, a), row(4, a)], 2);
        let sizes: Vec<(&str, usize)> = groups.iter().map(|(m, p)| (m.as_str(), p.len())).collect();
        assert_eq!(sizes, vec![("A", 2), ("B", 1), ("A", 1)]);
    }
}
