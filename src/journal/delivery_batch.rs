//! Delivery reports and opt-outs written in one transaction, where each
//! callback runs in its own savepoint: one that fails (in the journal or in
//! work the caller does inside it, such as appending to a suppression file)
//! is rolled back and leaves the others to commit.

use super::DeliveryWriter;

pub trait DeliveryBatch {
    /// Runs `write` in a savepoint: its writes are kept only if it succeeds.
    fn savepoint(
        &mut self,
        write: &mut dyn FnMut(&dyn DeliveryWriter) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;

    /// Commits every savepoint that succeeded.
    fn commit(self: Box<Self>) -> anyhow::Result<()>;
}

impl dyn DeliveryBatch + '_ {
    /// [`DeliveryBatch::savepoint`] for work that returns a value.
    pub fn job<T>(
        &mut self,
        write: impl FnOnce(&dyn DeliveryWriter) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut write = Some(write);
        let mut value = None;
        self.savepoint(&mut |writer| {
            let write = write
                .take()
                .ok_or_else(|| anyhow::anyhow!("a savepoint ran its job twice"))?;
            value = Some(write(writer)?);
            Ok(())
        })?;
        value.ok_or_else(|| anyhow::anyhow!("a savepoint did not run its job"))
    }
}
