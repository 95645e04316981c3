//! `wacast state push`: an existing SQLite journal copied into PostgreSQL,
//! every campaign of the folder at once, in one transaction: all of it or
//! nothing. A campaign the target already holds (recipients, skipped rows or
//! runs) is refused before anything is written, so a push never merges two
//! histories. Runs get new ids in the target (ids are shared by every
//! campaign there) and recipients' plans follow them.
//!
//! The tables and their columns are listed once here, with the kind of each
//! column; SQLite reads them (`sqlite::export`) and PostgreSQL writes them
//! (`postgres::import`).

use super::postgres::PgLocation;
use std::path::Path;

/// How a column's values travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Bytes,
}

/// One column's value in one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

/// A table copied, its columns in the order read and written.
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
}

use Kind::{Bytes, Int, Text};

/// Every table that is copied; `runs` first, so plans can follow its new ids.
pub const TABLES: &[Table] = &[
    Table {
        name: "runs",
        columns: &[
            ("id", Int),
            ("campaign", Text),
            ("pid", Int),
            ("started_at", Text),
            ("finished_at", Text),
            ("outcome", Text),
        ],
    },
    Table {
        name: "messages",
        columns: &[("digest", Bytes), ("body", Text)],
    },
    Table {
        name: "recipients",
        columns: &[
            ("campaign", Text),
            ("phone", Int),
            ("line", Int),
            ("digest", Bytes),
            ("state", Text),
            ("message_id", Text),
            ("attempts", Int),
            ("http_status", Int),
            ("error", Text),
            ("planned_run", Int),
            ("sent_digest", Bytes),
            ("updated_at", Text),
            ("reported", Int),
        ],
    },
    Table {
        name: "skipped",
        columns: &[
            ("campaign", Text),
            ("line", Int),
            ("phone", Int),
            ("reason", Text),
            ("planned_run", Int),
        ],
    },
    // Both backends keep a delivery in its recipient's row; their view
    // `deliveries` reads as this table, and PostgreSQL's import writes each
    // into its recipient's row.
    Table {
        name: "deliveries",
        columns: &[
            ("campaign", Text),
            ("phone", Int),
            ("message_id", Text),
            ("delivery_state", Text),
            ("rank", Int),
            ("delivered_at", Text),
            ("read_at", Text),
            ("failed_at", Text),
            ("failure_details", Text),
            ("updated_at", Text),
        ],
    },
    Table {
        name: "delivery_events",
        columns: &[
            ("message_id", Text),
            ("state", Text),
            ("campaign", Text),
            ("phone", Int),
            ("outcome", Text),
            ("details", Text),
            ("reported_at", Text),
            ("received_at", Text),
        ],
    },
    Table {
        name: "inbound",
        columns: &[("message_id", Text), ("phone", Int), ("received_at", Text)],
    },
    Table {
        name: "opt_outs",
        columns: &[
            ("campaign", Text),
            ("phone", Int),
            ("keyword", Text),
            ("message_id", Text),
            ("file", Text),
            ("opted_at", Text),
        ],
    },
    Table {
        name: "unreadable",
        columns: &[
            ("key", Text),
            ("campaign", Text),
            ("reason", Text),
            ("json", Text),
            ("received_at", Text),
        ],
    },
];

/// What a push copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pushed {
    /// The campaigns copied, by name.
    pub campaigns: Vec<String>,
    /// Rows copied per table, in [`TABLES`] order.
    pub rows: Vec<(&'static str, u64)>,
}

/// Copies the SQLite journal in `from` into `to`; see the module's docs.
pub fn push(from: &Path, to: &PgLocation) -> anyhow::Result<Pushed> {
    let source = super::sqlite::Export::open(from)?;
    let campaigns = source.campaigns()?;
    anyhow::ensure!(
        !campaigns.is_empty(),
        "the journal in `{}` holds no campaign: nothing to push",
        from.display()
    );
    let rows = super::postgres::import(to, &campaigns, &mut |table, visit| {
        source.rows(table, visit)
    })?;
    Ok(Pushed { campaigns, rows })
}
