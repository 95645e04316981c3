//! A recipient waiting to be sent, with the message (JSON) planned for them.

use crate::message::digest::MessageDigest;
use crate::phone::Phone;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRow {
    pub line: u64,
    pub phone: Phone,
    pub digest: MessageDigest,
    pub body: String,
}
