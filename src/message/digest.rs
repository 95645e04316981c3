//! Content digests. Inputs are pinned by the SHA-256 of their bytes; each
//! recipient's message by a 128-bit digest of its number and the exact JSON
//! `message` object sent, so a plan proves what it will send without storing it.

use crate::message::TemplateMessage;
use crate::phone::Phone;
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::path::Path;

/// A digest of one recipient's message: 16 bytes of SHA-256.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageDigest(pub [u8; 16]);

impl MessageDigest {
    /// The digest of `message` alone: equal messages, equal digests.
    pub fn of_message(message: &TemplateMessage) -> MessageDigest {
        let json = serde_json::to_vec(message).expect("wire types always serialise");
        MessageDigest::of_bytes(&json)
    }

    /// The digest of what one recipient gets: their number and their message.
    pub fn of_recipient(phone: Phone, message: &MessageDigest) -> MessageDigest {
        let mut hasher = Sha256::new();
        hasher.update(phone.as_u64().to_be_bytes());
        hasher.update(message.0);
        truncate(&hasher.finalize())
    }

    /// A key that joins the same recipient across two plan files without
    /// storing their number: 8 bytes of SHA-256 of a fixed label and the
    /// number, in hex. It is a hash, not a secret: numbers are few enough to
    /// guess, so plan files are to be kept like the audience itself.
    pub fn recipient_key(phone: Phone) -> String {
        hex::encode(MessageDigest::recipient_key_bytes(phone))
    }

    /// [`MessageDigest::recipient_key`] as bytes.
    pub fn recipient_key_bytes(phone: Phone) -> [u8; 8] {
        let mut hasher = Sha256::new();
        hasher.update(b"wacast recipient\0");
        hasher.update(phone.as_u64().to_be_bytes());
        let mut key = [0; 8];
        key.copy_from_slice(&hasher.finalize()[..8]);
        key
    }

    pub fn of_bytes(bytes: &[u8]) -> MessageDigest {
        truncate(&Sha256::digest(bytes))
    }

    /// The first 8 bytes, for compact in-memory comparisons.
    pub fn prefix(&self) -> u64 {
        u64::from_be_bytes(self.0[..8].try_into().expect("8 bytes"))
    }

    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(text: &str) -> Option<MessageDigest> {
        let bytes = hex::decode(text).ok()?;
        Some(MessageDigest(bytes.try_into().ok()?))
    }
}

fn truncate(full: &[u8]) -> MessageDigest {
    let mut bytes = [0; 16];
    bytes.copy_from_slice(&full[..16]);
    MessageDigest(bytes)
}

impl fmt::Debug for MessageDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_hex())
    }
}

/// The SHA-256 of a file's bytes, in hex.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&buffer[..read]);
    }
}

/// A running SHA-256 over the sequence of recipient digests.
#[derive(Clone, Default)]
pub struct SequenceDigest(Sha256);

impl SequenceDigest {
    pub fn push(&mut self, line: u64, digest: &MessageDigest) {
        self.0.update(line.to_be_bytes());
        self.0.update(digest.0);
    }

    pub fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}
