//! Statements prepared once per connection and reused, so a statement costs
//! one round trip instead of two.

use super::{Context as _, Result};
use postgres::Statement;
use std::collections::HashMap;

#[derive(Default)]
pub(crate) struct Statements {
    prepared: HashMap<&'static str, Statement>,
}

impl Statements {
    pub(crate) fn get(
        &mut self,
        client: &mut postgres::Client,
        sql: &'static str,
    ) -> Result<Statement> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = client.prepare(sql).context("cannot prepare a statement")?;
        self.prepared.insert(sql, statement.clone());
        Ok(statement)
    }
}
