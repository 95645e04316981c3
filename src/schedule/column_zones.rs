//! The zones `audience.time_zone_column` gave, per recipient, for apply: the
//! journal keeps numbers and messages, not the audience's other columns, so
//! apply notes each zone while it stages and asks here when it dispatches.
//! Names are interned; memory is a map entry per recipient with a zone of
//! their own, nothing for the others.

use crate::phone::Phone;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct ColumnZones {
    of: HashMap<u64, u32>,
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
}

impl ColumnZones {
    pub fn insert(&mut self, phone: Phone, zone: &str) {
        let id = match self.index.get(zone) {
            Some(id) => *id,
            None => {
                self.names.push(zone.into());
                let id = self.names.len() as u32 - 1;
                self.index.insert(zone.into(), id);
                id
            }
        };
        self.of.insert(phone.as_u64(), id);
    }

    /// The zone the column gave `phone`, if it gave one.
    pub fn get(&self, phone: Phone) -> Option<&str> {
        self.of
            .get(&phone.as_u64())
            .map(|id| &*self.names[*id as usize])
    }
}
