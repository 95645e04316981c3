//! The SQLite journal's tables: recipients and their plans, message bodies,
//! skipped rows and runs; each recipient's delivery (the furthest state
//! reported) in its own row, the reports `status` counts or that no recipient's
//! record can answer for (orphans, reconciliations, states no reader knows;
//! keyed by message id and state), inbound messages seen, opt-outs and
//! callback entries that could not be read; the sender each campaign sends
//! as (for the messaging limit). Every statement is idempotent, so an
//! existing journal opens unchanged, and [`MIGRATIONS`] bring a journal made
//! by an older wacast to this layout on open (`PRAGMA user_version` counts
//! those applied).
//!
//! - `recipients.reported` is a bitmask of the delivery states reported for
//!   the recipient's current message id, bit [`crate::journal::DeliveryState::rank`]:
//!   a report whose bit is set is a duplicate. A new message id clears it.
//! - `recipients.sent_digest` is empty (`X''`) when it is the recipient's
//!   `digest`, as it is for nearly every recipient sent; readers take
//!   `sqlite_journal::SENT_DIGEST`. Only a pending recipient's digest
//!   changes, and `requeue` writes it out in full first.
//! - `recipients_pending` indexes pending recipients only: after a run the
//!   index is as small as what is left to send.
//! - `messages` holds the bodies of recipients not yet sent; a run's end
//!   deletes the rest (`journal_upkeep.rs`).
//! - A recipient's delivery (the furthest state reported) is kept in its own
//!   row: `rank` is [`crate::journal::DeliveryState::rank`] (none until a
//!   report), the provider's word is `delivery_state`, and
//!   `delivery_message_id` is the reported message id only when it is not
//!   the recipient's `message_id`. `delivered_at`, `read_at` and `failed_at`
//!   are Unix seconds when the report's time was whole seconds in UTC
//!   (`2026-05-02T18:40:42Z`, as it reads back), else its text as given.
//!   `deliveries` is a view giving them back as one row per delivery, as the
//!   journal once kept them (its `updated_at` is the recipient's).
//! - `delivery_events.outcome` is [`crate::journal::Applied::as_str`].

pub const SCHEMA: &str = concat!(
    "
CREATE TABLE IF NOT EXISTS recipients (
    campaign    TEXT NOT NULL,
    phone       INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    digest      BLOB NOT NULL,
    state       TEXT NOT NULL,
    message_id  TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    error       TEXT,
    planned_run INTEGER NOT NULL,
    sent_digest BLOB,
    updated_at  TEXT NOT NULL,
    reported    INTEGER NOT NULL DEFAULT 0,
    delivery_state      TEXT,
    rank                INTEGER,
    delivered_at,
    read_at,
    failed_at,
    failure_details     TEXT,
    delivery_message_id TEXT,
    PRIMARY KEY (campaign, phone)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS recipients_pending ON recipients (campaign, planned_run, line)
    WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS recipients_message ON recipients (message_id) WHERE message_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS messages (
    digest BLOB PRIMARY KEY,
    body   TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS skipped (
    campaign    TEXT NOT NULL,
    line        INTEGER NOT NULL,
    phone       INTEGER,
    reason      TEXT NOT NULL,
    planned_run INTEGER NOT NULL,
    PRIMARY KEY (campaign, line)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY,
    campaign    TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT
);

CREATE VIEW IF NOT EXISTS deliveries AS
SELECT campaign, phone, COALESCE(delivery_message_id, message_id) AS message_id,
    delivery_state, rank, ",
    moment_text!("delivered_at"),
    " AS delivered_at, ",
    moment_text!("read_at"),
    " AS read_at, ",
    moment_text!("failed_at"),
    " AS failed_at,
    failure_details, updated_at
FROM recipients WHERE rank IS NOT NULL;
CREATE TABLE IF NOT EXISTS delivery_events (
    message_id  TEXT NOT NULL,
    state       TEXT NOT NULL,
    campaign    TEXT,
    phone       INTEGER,
    outcome     TEXT NOT NULL,
    details     TEXT,
    reported_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (message_id, state)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS delivery_events_outcome ON delivery_events (outcome, campaign);
CREATE TABLE IF NOT EXISTS inbound (
    message_id  TEXT PRIMARY KEY,
    phone       INTEGER,
    received_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS senders (
    campaign    TEXT PRIMARY KEY,
    sender      TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS opt_outs (
    campaign   TEXT NOT NULL,
    phone      INTEGER NOT NULL,
    keyword    TEXT NOT NULL,
    message_id TEXT,
    file       TEXT,
    opted_at   TEXT NOT NULL,
    PRIMARY KEY (campaign, phone)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unreadable (
    key         TEXT PRIMARY KEY,
    campaign    TEXT,
    reason      TEXT NOT NULL,
    json        TEXT NOT NULL,
    received_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS unreadable_received ON unreadable (campaign, received_at);
"
);

/// The steps from one layout to the next; a journal at `user_version` `n`
/// lacks steps `n..`. A journal made by this wacast is created at the last.
pub const MIGRATIONS: &[&str] = &[
    // 1: duplicates of matched reports are told by `recipients.reported`
    // (reports recorded before keep their `delivery_events` rows, which
    // still tell theirs); the plan index keeps pending recipients only.
    // A recipient's delivery moves from `deliveries` into its own row.
    "ALTER TABLE recipients ADD COLUMN reported INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE recipients ADD COLUMN delivery_state TEXT;
     ALTER TABLE recipients ADD COLUMN rank INTEGER;
     ALTER TABLE recipients ADD COLUMN delivered_at;
     ALTER TABLE recipients ADD COLUMN read_at;
     ALTER TABLE recipients ADD COLUMN failed_at;
     ALTER TABLE recipients ADD COLUMN failure_details TEXT;
     ALTER TABLE recipients ADD COLUMN delivery_message_id TEXT;
     UPDATE recipients SET delivery_state = d.delivery_state, rank = d.rank,
         delivered_at = d.delivered_at, read_at = d.read_at, failed_at = d.failed_at,
         failure_details = d.failure_details,
         delivery_message_id = NULLIF(d.message_id, recipients.message_id)
     FROM deliveries AS d WHERE d.campaign = recipients.campaign AND d.phone = recipients.phone;
     DROP TABLE deliveries;
     UPDATE recipients SET sent_digest = X'' WHERE sent_digest = digest AND state <> 'pending';
     DROP INDEX IF EXISTS recipients_plan;",
    // 2: the message-id index leaves out recipients without one (not sent
    // yet): staging wrote an entry for each, under NULL, and its send moved
    // it. The layout's `CREATE INDEX` makes it again, partial.
    "DROP INDEX IF EXISTS recipients_message;",
];

/// Creates the journal's tables, or brings an older journal's to this
/// layout, in one IMMEDIATE transaction: two processes opening a new
/// journal at once queue on it, and the second finds the work done.
pub fn set_up(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'recipients')",
        [],
        |row| row.get(0),
    )?;
    if exists {
        for migration in MIGRATIONS.iter().skip(version as usize) {
            tx.execute_batch(migration)?;
        }
    }
    tx.execute_batch(SCHEMA)?;
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
    tx.commit()
}
