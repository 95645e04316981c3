//! A plan being written into the journal: one transaction, kept only when
//! [`Stage::commit`] is called (dropping it keeps nothing).

use super::Repeat;
use crate::message::digest::MessageDigest;
use crate::phone::Phone;

pub trait Stage {
    /// Plans `phone` (first seen on `line`) with the message `digest`. A
    /// number already planned in this run is a repeat; a number from an
    /// earlier run keeps its state, and a pending one takes the new message.
    fn recipient(
        &mut self,
        phone: Phone,
        line: u64,
        digest: &MessageDigest,
    ) -> anyhow::Result<Option<Repeat>>;

    /// Stores a message body once per digest.
    fn message(&mut self, digest: &MessageDigest, body: &str) -> anyhow::Result<()>;

    /// Records a row planned as skipped.
    fn skipped(&mut self, line: u64, phone: Option<Phone>, reason: &str) -> anyhow::Result<()>;

    /// Keeps the plan.
    fn commit(self: Box<Self>) -> anyhow::Result<()>;
}
