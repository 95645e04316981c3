//! The SQLite journal's tables: recipients and their plans, message bodies,
//! skipped rows and runs; deliveries (one row per recipient with the furthest
//! state reported), every report processed (keyed by message id and state),
//! inbound messages seen, opt-outs and callback entries that could not be
//! read (`unreadable`, added later: a journal made before gets it on open);
//! the sender each campaign sends as (for the messaging limit). Every
//! statement is idempotent, so an
//! existing journal opens unchanged.
//!
//! - `deliveries.rank` is [`crate::journal::DeliveryState::rank`]; the
//!   provider's word is kept in `delivery_state`.
//! - `delivery_events.outcome` is [`crate::journal::Applied::as_str`].

pub const SCHEMA: &str = "
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
    PRIMARY KEY (campaign, phone)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS recipients_plan ON recipients (campaign, planned_run, line);
CREATE INDEX IF NOT EXISTS recipients_message ON recipients (message_id);
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

CREATE TABLE IF NOT EXISTS deliveries (
    campaign        TEXT NOT NULL,
    phone           INTEGER NOT NULL,
    message_id      TEXT NOT NULL,
    delivery_state  TEXT NOT NULL,
    rank            INTEGER NOT NULL,
    delivered_at    TEXT,
    read_at         TEXT,
    failed_at       TEXT,
    failure_details TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (campaign, phone)
) WITHOUT ROWID;
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
";
