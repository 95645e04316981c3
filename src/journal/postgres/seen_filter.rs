//! Which numbers a stage may have planned already, in a fixed 8 MiB: a Bloom
//! filter over the numbers written so far. "No" is certain, so a new number
//! (nearly every one) costs no round trip; "maybe" is checked against the
//! journal. With a million numbers about one in ten thousand is checked in
//! vain, with ten million about one in twenty; memory stays the same.

use crate::phone::Phone;

/// Bits in the filter: 2^26, 8 MiB.
const BITS: u64 = 1 << 26;
/// Bits set per number.
const HASHES: u64 = 4;

pub struct SeenFilter {
    words: Vec<u64>,
}

impl SeenFilter {
    pub fn new() -> SeenFilter {
        SeenFilter {
            words: vec![0; (BITS / 64) as usize],
        }
    }

    /// Records `phone`.
    pub fn insert(&mut self, phone: Phone) {
        for bit in bits(phone) {
            self.words[(bit / 64) as usize] |= 1 << (bit % 64);
        }
    }

    /// False when `phone` was certainly never inserted.
    pub fn may_contain(&self, phone: Phone) -> bool {
        bits(phone).all(|bit| self.words[(bit / 64) as usize] & (1 << (bit % 64)) != 0)
    }
}

/// The filter's bits for `phone`: double hashing over two mixes of its digits.
fn bits(phone: Phone) -> impl Iterator<Item = u64> {
    let first = mix(phone.as_u64());
    let second = mix(first) | 1;
    (0..HASHES).map(move |i| first.wrapping_add(i.wrapping_mul(second)) % BITS)
}

/// splitmix64's finaliser.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_inserted_is_found_and_few_others_are() {
        let phone = |n: u64| Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap();
        let mut filter = SeenFilter::new();
        for n in 0..100_000 {
            filter.insert(phone(n));
        }
        assert!((0..100_000).all(|n| filter.may_contain(phone(n))));
        let false_positives = (100_000..200_000)
            .filter(|n| filter.may_contain(phone(*n)))
            .count();
        assert!(false_positives < 10, "{false_positives} in vain");
    }
}
