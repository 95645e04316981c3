//! Delivery reports and opt-outs in one PostgreSQL transaction, each callback
//! in its own savepoint. A batch dropped without its commit keeps nothing.
//!
//! A callback's savepoint is released when the next one is taken, in the
//! same round trip (`RELEASE SAVEPOINT …; SAVEPOINT …`), or by the commit:
//! a release only merges the callback's writes into the transaction, so
//! doing it later changes nothing, and a callback costs one round trip
//! less.

use super::pg_delivery_writer::PgDeliveryWriter;
use super::pg_journal::Session;
use super::{Context as _, Result};
use crate::journal::{DeliveryBatch, DeliveryWriter};
use std::cell::RefCell;
use std::sync::MutexGuard;

pub struct PgDeliveryBatch<'a> {
    session: MutexGuard<'a, Session>,
    open: bool,
    /// Whether the last callback's savepoint is still to be released.
    held: bool,
}

impl<'a> PgDeliveryBatch<'a> {
    pub fn begin(mut session: MutexGuard<'a, Session>) -> Result<PgDeliveryBatch<'a>> {
        session
            .client
            .batch_execute("BEGIN")
            .context("cannot start a delivery batch")?;
        Ok(PgDeliveryBatch {
            session,
            open: true,
            held: false,
        })
    }
}

impl DeliveryBatch for PgDeliveryBatch<'_> {
    fn savepoint(
        &mut self,
        write: &mut dyn FnMut(&dyn DeliveryWriter) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let session = &mut *self.session;
        let take = if self.held {
            "RELEASE SAVEPOINT callback; SAVEPOINT callback"
        } else {
            "SAVEPOINT callback"
        };
        self.held = false;
        session
            .client
            .batch_execute(take)
            .context("cannot start a callback's savepoint")?;
        let result = write(&PgDeliveryWriter::new(RefCell::new(&mut *session)));
        match result {
            Ok(()) => self.held = true,
            Err(_) => self
                .session
                .client
                .batch_execute("ROLLBACK TO SAVEPOINT callback; RELEASE SAVEPOINT callback")
                .context("cannot roll back a callback's savepoint")?,
        }
        result
    }

    fn commit(mut self: Box<Self>) -> anyhow::Result<()> {
        self.open = false;
        self.session
            .client
            .batch_execute("COMMIT")
            .context("cannot commit delivery reports")?;
        Ok(())
    }
}

impl Drop for PgDeliveryBatch<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.session.client.batch_execute("ROLLBACK");
        }
    }
}
