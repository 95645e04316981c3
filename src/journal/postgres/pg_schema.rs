//! The journal's tables in their own schema, created on first use and
//! versioned by `wacast_schema_version` (one row per migration applied).
//!
//! Opening runs [`ensure`]: in one transaction, under a transaction-level
//! advisory lock keyed by the schema, it reads the version. A schema at the
//! newest version is left as it is, with no DDL, so a role without `CREATE`
//! on it (a listener's, say) opens a journal another role made. Otherwise it
//! creates the schema and its version table where they are missing, refuses
//! a schema newer than this wacast knows, and applies the migrations it
//! lacks. Two processes starting at once queue on the lock; the second finds
//! the work done. A failed migration rolls back whole.
//!
//! Timestamps are TEXT in RFC 3339 UTC (`2026-05-02T18:40:42Z`), as the SQLite
//! journal and delivery reports have them, so every view reads the same.

use super::pg_location::{PgLocation, quote_identifier};
use super::pg_lock::advisory_key;
use super::{Context as _, JournalError, Result};
use postgres::GenericClient;

/// One step from version `n - 1` to version `n` (its position in the list, from 1).
pub struct Migration {
    pub sql: &'static str,
}

/// Every migration this wacast knows, in order; the schema it reads is the last.
pub const MIGRATIONS: &[Migration] = &[
    Migration { sql: BASE },
    Migration { sql: SENDERS },
    Migration { sql: UNREADABLE },
    Migration { sql: REPORTED },
    Migration { sql: SENT_IDS },
    Migration {
        sql: DELIVERIES_IN_RECIPIENTS,
    },
    Migration {
        sql: MESSAGE_ID_HASHES,
    },
];

/// The newest schema version this wacast reads and writes.
pub fn latest() -> i32 {
    MIGRATIONS.len() as i32
}

/// SQL for "now" in the journal's timestamp form.
pub(crate) const NOW: &str = now_sql!();

const BASE: &str = "
CREATE TABLE recipients (
    campaign    TEXT NOT NULL,
    phone       BIGINT NOT NULL,
    line        BIGINT NOT NULL,
    digest      BYTEA NOT NULL,
    state       TEXT NOT NULL,
    message_id  TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    error       TEXT,
    planned_run BIGINT NOT NULL,
    sent_digest BYTEA,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (campaign, phone)
);
CREATE INDEX recipients_plan ON recipients (campaign, planned_run, line);
CREATE INDEX recipients_message ON recipients (message_id);
CREATE TABLE messages (
    digest BYTEA PRIMARY KEY,
    body   TEXT NOT NULL
);
CREATE TABLE skipped (
    campaign    TEXT NOT NULL,
    line        BIGINT NOT NULL,
    phone       BIGINT,
    reason      TEXT NOT NULL,
    planned_run BIGINT NOT NULL,
    PRIMARY KEY (campaign, line)
);
CREATE TABLE runs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign    TEXT NOT NULL,
    host        TEXT NOT NULL,
    pid         BIGINT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT
);
CREATE INDEX runs_campaign ON runs (campaign, id);
CREATE TABLE deliveries (
    campaign        TEXT NOT NULL,
    phone           BIGINT NOT NULL,
    message_id      TEXT NOT NULL,
    delivery_state  TEXT NOT NULL,
    rank            INTEGER NOT NULL,
    delivered_at    TEXT,
    read_at         TEXT,
    failed_at       TEXT,
    failure_details TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (campaign, phone)
);
CREATE TABLE delivery_events (
    message_id  TEXT NOT NULL,
    state       TEXT NOT NULL,
    campaign    TEXT,
    phone       BIGINT,
    outcome     TEXT NOT NULL,
    details     TEXT,
    reported_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (message_id, state)
);
CREATE INDEX delivery_events_outcome ON delivery_events (outcome, campaign);
CREATE TABLE inbound (
    message_id  TEXT PRIMARY KEY,
    phone       BIGINT,
    received_at TEXT NOT NULL
);
CREATE TABLE opt_outs (
    campaign   TEXT NOT NULL,
    phone      BIGINT NOT NULL,
    keyword    TEXT NOT NULL,
    message_id TEXT,
    file       TEXT,
    opted_at   TEXT NOT NULL,
    PRIMARY KEY (campaign, phone)
);
CREATE TABLE locks (
    campaign TEXT PRIMARY KEY,
    host     TEXT NOT NULL,
    pid      BIGINT NOT NULL,
    since    TEXT NOT NULL
);
";

/// Version 2: the sender each campaign sends as, for the messaging limit.
const SENDERS: &str = "
CREATE TABLE senders (
    campaign    TEXT PRIMARY KEY,
    sender      TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX recipients_reached ON recipients (campaign, updated_at);
";

/// Version 3: callback entries that could not be read, kept with their JSON
/// and the reason, once per (campaign, reason, JSON) digest.
const UNREADABLE: &str = "
CREATE TABLE unreadable (
    key         TEXT PRIMARY KEY,
    campaign    TEXT,
    reason      TEXT NOT NULL,
    json        TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX unreadable_received ON unreadable (campaign, received_at);
";

/// Version 4: duplicates of matched reports are told by the bits of
/// `recipients.reported` (a delivery state's bit is `1 << rank`, for the
/// recipient's current message id), so only the reports it cannot answer for
/// are events; the plan index keeps pending recipients only.
const REPORTED: &str = "
ALTER TABLE recipients ADD COLUMN reported INTEGER NOT NULL DEFAULT 0;
DROP INDEX recipients_plan;
CREATE INDEX recipients_pending ON recipients (campaign, planned_run, line) WHERE state = 'pending';
";

/// The message-id index leaves out recipients without one (not sent yet):
/// staging wrote an entry for each, under NULL, and its send moved it.
/// Lookups by id (`message_id = $1`) imply `IS NOT NULL`, so they use it.
const SENT_IDS: &str = "
DROP INDEX recipients_message;
CREATE INDEX recipients_message ON recipients (message_id) WHERE message_id IS NOT NULL;
";

/// Version 6: a recipient's delivery (the furthest state reported) is kept
/// in its own row, as the SQLite journal keeps it, and `deliveries` becomes
/// a view giving them back as one row per delivery (its `updated_at` is the
/// recipient's). `delivery_message_id` is the reported message id only when
/// it is not the recipient's `message_id`. A table of its own cost a second
/// row, key and index entry a recipient, rewritten by each report: 297 of
/// the 1,300 bytes a recipient of a 20,000-recipient journal with every
/// report recorded. Every delivery has its recipient's row (a report is
/// recorded only once it is matched to one); one that had none would stop
/// the migration rather than be dropped.
///
/// `recipients_reached` goes: the messaging limit reads the sender's
/// campaigns once an apply or plan, by their key, as SQLite does without
/// such an index, and the index cost 32 bytes a recipient and an entry for
/// every version each send and report left.
const DELIVERIES_IN_RECIPIENTS: &str = "
ALTER TABLE recipients
    ADD COLUMN delivery_state TEXT,
    ADD COLUMN rank INTEGER,
    ADD COLUMN delivered_at TEXT,
    ADD COLUMN read_at TEXT,
    ADD COLUMN failed_at TEXT,
    ADD COLUMN failure_details TEXT,
    ADD COLUMN delivery_message_id TEXT;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM deliveries d WHERE NOT EXISTS
            (SELECT 1 FROM recipients r WHERE r.campaign = d.campaign AND r.phone = d.phone)) THEN
        RAISE EXCEPTION 'the journal holds deliveries of recipients it has no record of';
    END IF;
END $$;
UPDATE recipients r SET delivery_state = d.delivery_state, rank = d.rank,
    delivered_at = d.delivered_at, read_at = d.read_at, failed_at = d.failed_at,
    failure_details = d.failure_details,
    delivery_message_id = NULLIF(d.message_id, r.message_id)
FROM deliveries d WHERE d.campaign = r.campaign AND d.phone = r.phone;
DROP TABLE deliveries;
CREATE VIEW deliveries AS
SELECT campaign, phone, COALESCE(delivery_message_id, message_id) AS message_id,
    delivery_state, rank, delivered_at, read_at, failed_at, failure_details, updated_at
FROM recipients WHERE rank IS NOT NULL;
DROP INDEX recipients_reached;
";

/// Version 7: the message-id index holds a 64-bit hash of each id
/// (`hashtextextended`, the function hash partitioning relies on, so it is
/// stable across servers and releases) instead of the id itself: 16 bytes
/// an entry instead of 40 for a 26-character ULID, and a provider's longer
/// ids cost no more. A lookup names both the hash, which the index
/// answers, and the id, which the row rechecks (`pg_delivery_writer.rs`).
const MESSAGE_ID_HASHES: &str = "
DROP INDEX recipients_message;
CREATE INDEX recipients_message ON recipients ((hashtextextended(message_id, 0)))
    WHERE message_id IS NOT NULL;
";

/// Creates or migrates the schema of `location` to the newest version.
pub fn ensure(client: &mut postgres::Client, location: &PgLocation) -> Result<()> {
    migrate(client, location, MIGRATIONS)
}

/// Brings the schema up to `migrations.len()`, or refuses a newer one.
pub fn migrate(
    client: &mut postgres::Client,
    location: &PgLocation,
    migrations: &[Migration],
) -> Result<()> {
    let schema = location.schema();
    let mut tx = client.transaction().context("cannot set up the journal")?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&advisory_key(&["schema", schema])],
    )
    .context("cannot lock the journal's schema")?;
    let found = read_version(&mut tx, schema)?;
    let supported = migrations.len() as i32;
    if found == Some(supported) {
        // Up to date: no DDL at all, so a role with no `CREATE` on the
        // schema (a listener's, say) opens a journal another role made.
        return tx.commit().context("cannot set up the journal");
    }
    if found.is_none() {
        create_schema(&mut tx, schema)?;
    }
    let found = found.unwrap_or(0);
    if found > supported {
        return Err(JournalError::TooNew {
            location: location.masked().to_owned(),
            schema: schema.to_owned(),
            found,
            supported,
        });
    }
    for (index, migration) in migrations.iter().enumerate().skip(found as usize) {
        tx.batch_execute(migration.sql)
            .context("cannot migrate the journal")?;
        tx.execute(
            &format!("INSERT INTO wacast_schema_version (version, applied_at) VALUES ($1, {NOW})"),
            &[&(index as i32 + 1)],
        )
        .context("cannot migrate the journal")?;
    }
    tx.commit().context("cannot set up the journal")
}

/// The schema's version, `None` when it has no journal; an error when newer
/// than this wacast reads. Never creates anything.
pub fn check(client: &mut impl GenericClient, location: &PgLocation) -> Result<Option<i32>> {
    let found = read_version(client, location.schema())?;
    match found {
        Some(found) if found > latest() => Err(JournalError::TooNew {
            location: location.masked().to_owned(),
            schema: location.schema().to_owned(),
            found,
            supported: latest(),
        }),
        _ => Ok(found),
    }
}

/// Creates the schema and the version table; an existing schema is left
/// alone, so a user with rights on the schema only never needs `CREATE` on
/// the database.
fn create_schema(tx: &mut postgres::Transaction<'_>, schema: &str) -> Result<()> {
    let exists = tx
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
        .context("cannot read the journal's schema")?
        .is_some();
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA {}", quote_identifier(schema)))
            .context("cannot create the journal's schema")?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS wacast_schema_version (
             version    INTEGER PRIMARY KEY,
             applied_at TEXT NOT NULL
         )",
    )
    .context("cannot create the journal's version table")
}

fn read_version(client: &mut impl GenericClient, schema: &str) -> Result<Option<i32>> {
    let table = client
        .query_opt(
            "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'wacast_schema_version'",
            &[&schema],
        )
        .context("cannot read the journal's version")?;
    if table.is_none() {
        return Ok(None);
    }
    let row = client
        .query_one("SELECT MAX(version) FROM wacast_schema_version", &[])
        .context("cannot read the journal's version")?;
    Ok(Some(row.get::<_, Option<i32>>(0).unwrap_or(0)))
}
