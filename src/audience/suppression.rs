//! Suppression lists: CSV files of numbers never to message (opt-outs, staff,
//! complaints). A list has a `phone` column, or its numbers in the first column;
//! a header row is optional. A number that cannot be read is an error, never
//! skipped: a lost opt-out would message someone who asked not to be.

use crate::audience::Audience;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::phone::{Country, Phone};
use std::collections::HashSet;
use std::path::PathBuf;

#[derive(Debug, Default)]
pub struct Suppression {
    numbers: HashSet<Phone>,
    pub files: Vec<PathBuf>,
}

impl Suppression {
    /// Reads every list; all problems are reported together.
    pub fn load(
        files: &[PathBuf],
        country: Option<Country>,
        problems: &mut Diagnostics,
    ) -> Suppression {
        let mut suppression = Suppression {
            numbers: HashSet::new(),
            files: files.to_vec(),
        };
        for file in files {
            suppression.read(file, country, problems);
        }
        suppression
    }

    fn read(
        &mut self,
        file: &std::path::Path,
        country: Option<Country>,
        problems: &mut Diagnostics,
    ) {
        let mut list = match Audience::open(file, None) {
            Ok(list) => list,
            Err(diagnostic) => return problems.push(diagnostic.with_code("suppress.read")),
        };
        let column = list.headers.position("phone").unwrap_or(0);
        let header = list.headers.names[column].clone();
        // A list without a header row: its first "column name" is a number.
        if list.headers.position("phone").is_none()
            && let Ok(phone) = Phone::parse(&header, country)
        {
            self.numbers.insert(phone);
        }
        while let Some(row) = list.next_row() {
            let row = match row {
                Ok(row) => row,
                Err(diagnostic) => {
                    problems.push(diagnostic.with_code("suppress.read"));
                    continue;
                }
            };
            let raw = row.record.get(column).unwrap_or_default();
            match Phone::parse(raw, country) {
                Ok(phone) => {
                    self.numbers.insert(phone);
                }
                Err(error) => problems.push(
                    Diagnostic::error("suppress.phone", format!("{error}"))
                        .at(file, row.line, 0)
                        .field(format!("column `{header}`"))
                        .help("every number in a suppression list must be readable, or someone who opted out could be messaged"),
                ),
            }
        }
    }

    pub fn contains(&self, phone: &Phone) -> bool {
        self.numbers.contains(phone)
    }

    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }
}
