//! An entry of a callback that could not be read (a report without its
//! message id, number or state, an inbound message without its sender): kept
//! with its JSON and the reason, so the readable entries beside it are
//! recorded and answered, and nothing is silently dropped. The JSON arrives
//! bounded and neutralised by the listener; it is kept once per campaign,
//! reason and JSON, so a callback received twice keeps it once.

use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// The campaign the callback's URL named, if any.
    pub campaign: Option<String>,
    /// Why the entry could not be read.
    pub reason: String,
    /// The entry's JSON, bounded and neutralised.
    pub json: String,
}

impl Unreadable {
    /// The key the entry is kept under: a SHA-256 of campaign, reason and JSON.
    pub fn key(&self) -> String {
        let mut hash = Sha256::new();
        for part in [
            self.campaign.as_deref().unwrap_or(""),
            &self.reason,
            &self.json,
        ] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        hex::encode(hash.finalize())
    }
}
