//! A plan being written into the journal while apply sends: recipients are
//! buffered and [`Stage::publish`] makes them visible to the senders in one
//! short transaction, chunk after chunk, so the first request need not wait
//! for the whole audience. Apply publishes only a plan it has already checked
//! in full (nothing is written for an invalid one) and finds repeated numbers
//! itself; what is published stays, and a later apply stages it again.

use crate::message::digest::MessageDigest;
use crate::phone::Phone;

/// Which settled recipients a stage puts back to pending.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requeue {
    /// `unknown` ones (`--resend-unknown`).
    pub unknown: bool,
    /// `failed` ones (`--retry-failed`).
    pub failed: bool,
}

pub trait Stage {
    /// Plans `phone` (first seen on `line`) with the message `digest`, whose
    /// body is `body`. A new number is pending; a number from an earlier run
    /// takes the new line and run and keeps its state, except that a pending
    /// one takes the new message, and an unknown or failed one the stage's
    /// [`Requeue`] names goes back to pending with it (never a number that
    /// opted out of any campaign of the journal).
    fn recipient(
        &mut self,
        phone: Phone,
        line: u64,
        digest: &MessageDigest,
        body: &str,
    ) -> anyhow::Result<()>;

    /// How many recipients wait to be published.
    fn unpublished(&self) -> usize;

    /// Commits every recipient planned since the last publish, all at once.
    fn publish(&mut self) -> anyhow::Result<()>;
}

/// A row of the audience planned as skipped, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedRow {
    pub line: u64,
    pub phone: Option<Phone>,
    pub reason: String,
}
