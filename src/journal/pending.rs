//! Pages of recipients waiting to be sent: what send's reader asks for while
//! the writer commits beside it.

use super::PendingRow;

pub trait Pending: Send {
    /// Up to `limit` pending recipients of `run` after `after_line`, in
    /// audience order, each with its message.
    fn pending(&self, run: i64, after_line: u64, limit: usize) -> anyhow::Result<Vec<PendingRow>>;
}
