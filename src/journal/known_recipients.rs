//! Every recipient one campaign's journal holds, read in one pass and kept
//! compactly (16 bytes a recipient in a hash table), so a plan classifies a
//! million recipients against the journal without a million lookups.
//!
//! Each entry keeps the recipient's state and the first 56 bits of the digest
//! of the message they were sent: two different messages share those bits
//! with a probability of 2^-56, far below anything a campaign will meet.

use super::{RecipientFacts, State, StateCounts};
use crate::message::digest::MessageDigest;
use crate::phone::{NumberMap, Phone};

/// The bits of an entry that hold the digest prefix.
const DIGEST_BITS: u64 = (1 << 56) - 1;

#[derive(Default)]
pub struct KnownRecipients {
    /// Number → state (top byte, [`State::ALL`]'s index) and sent digest
    /// prefix (the rest; all ones when nothing was sent).
    entries: NumberMap<u64>,
}

impl KnownRecipients {
    /// Room for `count` recipients, as the journal counted them.
    pub fn with_capacity(count: usize) -> KnownRecipients {
        let mut entries = NumberMap::default();
        entries.reserve(count);
        KnownRecipients { entries }
    }

    /// Records `phone` in `state`, sent the message `sent` (if any).
    pub fn insert(&mut self, phone: u64, state: State, sent: Option<&[u8]>) {
        let index = State::ALL.iter().position(|s| *s == state).unwrap_or(0) as u64;
        let prefix = sent
            .and_then(|bytes| bytes.get(..8))
            .map_or(DIGEST_BITS, |bytes| {
                u64::from_be_bytes(bytes.try_into().expect("8 bytes")) & DIGEST_BITS
            });
        self.entries.insert(phone, index << 56 | prefix);
    }

    /// The state an entry holds.
    fn state_of(entry: u64) -> State {
        State::ALL[(entry >> 56) as usize]
    }

    /// How many of the campaign's recipients are in each state, as they
    /// were read (a state this build does not know was read as pending;
    /// skipped rows are not recipients and are not here).
    pub fn counts(&self) -> StateCounts {
        let mut counts = StateCounts::default();
        for entry in self.entries.values() {
            counts.add(KnownRecipients::state_of(*entry), 1);
        }
        counts
    }

    /// The state of `phone`, if the journal holds them.
    pub fn state(&self, phone: Phone) -> Option<State> {
        self.entries
            .get(&phone.as_u64())
            .map(|entry| KnownRecipients::state_of(*entry))
    }

    /// What the journal knows of `phone`, who would now get `digest`.
    pub fn facts(&self, phone: Phone, digest: &MessageDigest) -> Option<RecipientFacts> {
        let entry = *self.entries.get(&phone.as_u64())?;
        Some(RecipientFacts {
            state: KnownRecipients::state_of(entry),
            same_message: entry & DIGEST_BITS == digest.prefix() & DIGEST_BITS,
        })
    }

    /// How many recipients of the campaign the journal holds.
    pub fn len(&self) -> u64 {
        self.entries.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(n: u64) -> Phone {
        Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap()
    }

    #[test]
    fn a_recipient_is_known_with_its_state_and_whether_the_message_is_the_one_sent() {
        let a = MessageDigest::of_bytes(b"a");
        let b = MessageDigest::of_bytes(b"b");
        let mut known = KnownRecipients::with_capacity(3);
        known.insert(phone(1).as_u64(), State::Sent, Some(&a.0));
        known.insert(phone(2).as_u64(), State::Pending, None);
        known.insert(phone(3).as_u64(), State::Failed, None);
        known.insert(phone(4).as_u64(), State::Sent, None);
        assert_eq!(known.len(), 4);
        let counts = known.counts();
        assert_eq!(
            (counts.sent, counts.pending, counts.failed, counts.unknown),
            (2, 1, 1, 0)
        );
        let facts = |n, digest| known.facts(phone(n), digest);
        assert_eq!(
            facts(1, &a),
            Some(RecipientFacts {
                state: State::Sent,
                same_message: true
            })
        );
        assert_eq!(facts(1, &b).map(|f| f.same_message), Some(false));
        assert_eq!(
            facts(2, &a),
            Some(RecipientFacts {
                state: State::Pending,
                same_message: false
            })
        );
        assert_eq!(facts(3, &a).map(|f| f.state), Some(State::Failed));
        assert_eq!(known.state(phone(3)), Some(State::Failed));
        assert_eq!(known.state(phone(5)), None);
        assert_eq!(facts(5, &a), None);
    }

    #[test]
    fn a_million_numbers_keep_apart() {
        let mut known = KnownRecipients::with_capacity(1_000_000);
        for n in 0..1_000_000 {
            known.insert(phone(n).as_u64(), State::Failed, None);
        }
        assert_eq!(known.len(), 1_000_000);
        assert!(
            known
                .facts(phone(999_999), &MessageDigest::of_bytes(b"x"))
                .is_some()
        );
        assert!(
            known
                .facts(phone(1_000_000), &MessageDigest::of_bytes(b"x"))
                .is_none()
        );
    }
}
