//! The SQLite journal read table by table for `state push`, on a read-only
//! connection; nothing here writes.

use super::connection::{FILE, open_reader};
use super::sqlite_journal::SENT_DIGEST;
use crate::journal::state_push::{Kind, Table, Value};
use anyhow::Context as _;
use rusqlite::Connection;
use std::path::Path;

pub struct Export {
    conn: Connection,
}

impl Export {
    /// The journal in `state_dir`; an error when there is none.
    pub fn open(state_dir: &Path) -> anyhow::Result<Export> {
        let path = state_dir.join(FILE);
        anyhow::ensure!(
            path.is_file(),
            "no journal in `{}`: there is no `{FILE}` to push",
            state_dir.display()
        );
        Ok(Export {
            conn: open_reader(&path, "read")?,
        })
    }

    /// Every campaign the journal holds anything of, by name.
    pub fn campaigns(&self) -> anyhow::Result<Vec<String>> {
        let mut statement = self.conn.prepare(
            "SELECT campaign FROM recipients UNION SELECT campaign FROM skipped
             UNION SELECT campaign FROM runs UNION SELECT campaign FROM opt_outs
             UNION SELECT campaign FROM deliveries ORDER BY 1",
        )?;
        let names = statement.query_map([], |row| row.get(0))?;
        Ok(names.collect::<Result<_, _>>()?)
    }

    /// Every row of `table`, its columns in the table's order.
    pub fn rows(
        &self,
        table: &Table,
        visit: &mut dyn FnMut(Vec<Value>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let present = self.columns_of(table.name)?;
        let names: Vec<&str> = table
            .columns
            .iter()
            .map(
                |(name, kind)| match (present.iter().any(|p| p == name), kind) {
                    (true, _) if (table.name, *name) == ("recipients", "sent_digest") => {
                        SENT_DIGEST
                    }
                    (true, _) => *name,
                    (false, Kind::Int) => "0",
                    (false, _) => "NULL",
                },
            )
            .collect();
        let sql = format!("SELECT {} FROM {}", names.join(", "), table.name);
        let mut statement = self.conn.prepare(&sql)?;
        let mut rows = statement
            .query([])
            .with_context(|| format!("cannot read `{}` from the journal", table.name))?;
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(names.len());
            for (index, (_, kind)) in table.columns.iter().enumerate() {
                values.push(match kind {
                    Kind::Int => Value::Int(row.get(index)?),
                    Kind::Text => Value::Text(row.get(index)?),
                    Kind::Bytes => Value::Bytes(row.get(index)?),
                });
            }
            visit(values)?;
        }
        Ok(())
    }

    /// The columns `table` has in this journal: one an older wacast made
    /// (read only, so never brought to this layout) lacks the newer ones,
    /// which are read as their default (0, or none).
    fn columns_of(&self, table: &str) -> anyhow::Result<Vec<String>> {
        let mut statement = self
            .conn
            .prepare("SELECT name FROM pragma_table_info(?1)")?;
        let names = statement.query_map([table], |row| row.get(0))?;
        Ok(names.collect::<Result<_, _>>()?)
    }
}
