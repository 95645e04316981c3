//! Delivery reports and opt-outs in one SQLite transaction, each callback in
//! its own savepoint.

use super::connection::begin_write;
use super::sqlite_delivery_writer::SqliteDeliveryWriter;
use crate::journal::{DeliveryBatch, DeliveryWriter};
use rusqlite::Connection;

pub struct SqliteDeliveryBatch<'a> {
    tx: rusqlite::Transaction<'a>,
}

impl<'a> SqliteDeliveryBatch<'a> {
    /// Takes the journal's write lock (waiting for it) for the batch.
    pub fn begin(conn: &'a Connection) -> anyhow::Result<SqliteDeliveryBatch<'a>> {
        Ok(SqliteDeliveryBatch {
            tx: begin_write(conn)?,
        })
    }
}

impl DeliveryBatch for SqliteDeliveryBatch<'_> {
    fn savepoint(
        &mut self,
        write: &mut dyn FnMut(&dyn DeliveryWriter) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let savepoint = self.tx.savepoint()?;
        let result = write(&SqliteDeliveryWriter::new(&savepoint));
        if result.is_ok() {
            savepoint.commit()?;
        }
        result
    }

    fn commit(self: Box<Self>) -> anyhow::Result<()> {
        self.tx.commit()?;
        Ok(())
    }
}
