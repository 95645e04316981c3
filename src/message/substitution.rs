//! A fast path for the commonest expressions: literal text with `{{ name }}`
//! placeholders, where each name is a column (or a var holding a string or an
//! integer). These are filled in directly instead of through the template
//! engine, which matters at a million rows; anything else — filters,
//! statements, `row[...]`, whitespace control — goes through minijinja. A test
//! checks both give the same text.

use crate::audience::Headers;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Column(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Substitution {
    pieces: Vec<Piece>,
}

/// Names minijinja reads as literals or special values, never as columns.
const RESERVED: &[&str] = &[
    "true", "false", "none", "True", "False", "None", "row", "loop",
];

impl Substitution {
    /// The substitution `source` amounts to, if it is that simple.
    pub fn parse(
        source: &str,
        headers: &Headers,
        vars: &BTreeMap<String, serde_json::Value>,
    ) -> Option<Substitution> {
        if source.ends_with('\n') {
            return None;
        }
        let mut pieces = Vec::new();
        let mut rest = source;
        while !rest.is_empty() {
            let Some(open) = rest.find("{{") else {
                pieces.push(literal(rest)?);
                break;
            };
            if open > 0 {
                pieces.push(literal(&rest[..open])?);
            }
            let after = &rest[open + 2..];
            let close = after.find("}}")?;
            pieces.push(placeholder(&after[..close], headers, vars)?);
            rest = &after[close + 2..];
        }
        Some(Substitution { pieces })
    }

    /// The text for one row.
    pub fn render(&self, record: &csv::StringRecord) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Column(index) => out.push_str(record.get(*index).unwrap_or_default()),
            }
        }
        out
    }
}

fn literal(text: &str) -> Option<Piece> {
    (!text.contains(['{', '}'])).then(|| Piece::Text(text.to_owned()))
}

fn placeholder(
    inner: &str,
    headers: &Headers,
    vars: &BTreeMap<String, serde_json::Value>,
) -> Option<Piece> {
    let name = inner.trim_matches(' ');
    let identifier = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier || RESERVED.contains(&name) {
        return None;
    }
    if let Some(index) = headers.position(name) {
        return Some(Piece::Column(index));
    }
    match vars.get(name)? {
        serde_json::Value::String(text) => Some(Piece::Text(text.clone())),
        serde_json::Value::Number(number) if number.is_i64() || number.is_u64() => {
            Some(Piece::Text(number.to_string()))
        }
        _ => None,
    }
}
