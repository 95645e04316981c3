//! The journal: durable per-recipient state in SQLite (WAL), one database per
//! state folder, keyed by (campaign, number). apply commits a recipient's
//! intent (`in_flight`) before its request is sent and the outcome after, so
//! after any crash every recipient is in exactly one known state: a request
//! that may have gone out is never sent again without a human deciding.
//!
//! States: `pending` (to send), `in_flight` (a request may be on the wire),
//! `sent` (with message id), `failed` (with reason), `unknown` (may or may not
//! have been sent). Rows that could not be planned are kept as `skipped`.

use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// The journal's file name inside a state folder.
pub const FILE: &str = "journal.sqlite";

const SCHEMA: &str = "
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
";

/// A recipient's state in the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    Pending,
    InFlight,
    Sent,
    Failed,
    Unknown,
    Skipped,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Pending,
        State::InFlight,
        State::Sent,
        State::Failed,
        State::Unknown,
        State::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::InFlight => "in_flight",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Unknown => "unknown",
            State::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What became of one recipient's request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub phone: Phone,
    pub state: State,
    pub message_id: Option<String>,
    pub http_status: Option<u16>,
    pub error: Option<String>,
}

/// A change to recipients' states, as committed by [`Journal::write`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A request for these recipients is about to be sent.
    InFlight(Vec<Phone>),
    /// What happened to each recipient of a request.
    Outcomes(Vec<Outcome>),
}

/// A recipient waiting to be sent, with the message (JSON) planned for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRow {
    pub line: u64,
    pub phone: Phone,
    pub digest: MessageDigest,
    pub body: String,
}

/// One row of the results report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub line: u64,
    pub phone: Option<Phone>,
    pub state: State,
    pub message_id: Option<String>,
    pub attempts: u32,
    pub http_status: Option<u16>,
    pub error: Option<String>,
}

/// How many recipients are in each state.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StateCounts {
    pub pending: u64,
    pub in_flight: u64,
    pub sent: u64,
    pub failed: u64,
    pub unknown: u64,
    pub skipped: u64,
}

impl StateCounts {
    fn add(&mut self, state: State, count: u64) {
        let slot = match state {
            State::Pending => &mut self.pending,
            State::InFlight => &mut self.in_flight,
            State::Sent => &mut self.sent,
            State::Failed => &mut self.failed,
            State::Unknown => &mut self.unknown,
            State::Skipped => &mut self.skipped,
        };
        *slot += count;
    }
}

/// What staging found for a number already planned in this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repeat {
    pub first_line: u64,
    pub same_message: bool,
}

pub struct Journal {
    /// Open to the crate so each concern (sending, delivery reports) can keep
    /// its queries in its own file.
    pub(crate) conn: Connection,
    path: PathBuf,
    campaign: String,
}

impl Journal {
    /// Opens (creating if needed) the journal in `state_dir` for `campaign`.
    /// The folder and the file are readable by their owner only.
    pub fn open(state_dir: &Path, campaign: &str) -> anyhow::Result<Journal> {
        create_private_dir(state_dir)?;
        let path = state_dir.join(FILE);
        let conn = Connection::open(&path)
            .with_context(|| format!("cannot open the journal `{}`", path.display()))?;
        restrict_to_owner(&path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "cache_size", -16384)?;
        conn.execute_batch(SCHEMA)
            .and_then(|()| conn.execute_batch(crate::journal::delivery_journal::SCHEMA))
            .with_context(|| format!("cannot set up the journal `{}`", path.display()))?;
        Ok(Journal {
            conn,
            path,
            campaign: campaign.to_owned(),
        })
    }

    /// A second connection to the same journal, for reading only: in WAL
    /// mode it reads committed state while this one writes.
    pub fn reader(&self) -> anyhow::Result<Journal> {
        let conn = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open the journal `{}`", self.path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Journal {
            conn,
            path: self.path.clone(),
            campaign: self.campaign.clone(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn campaign(&self) -> &str {
        &self.campaign
    }

    /// Records the start of a run and returns its id.
    pub fn begin_run(&mut self) -> anyhow::Result<i64> {
        self.conn.execute(
            "INSERT INTO runs (campaign, pid, started_at) VALUES (?1, ?2, ?3)",
            params![self.campaign, std::process::id(), now()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn finish_run(&mut self, run: i64, outcome: &str) -> anyhow::Result<()> {
        self.conn.execute(
            "UPDATE runs SET finished_at = ?1, outcome = ?2 WHERE id = ?3",
            params![now(), outcome, run],
        )?;
        Ok(())
    }

    /// A run that stopped without a trace (a crash, `kill -9`) left requests
    /// that may have been sent: they become `unknown`. Returns how many.
    pub fn recover_in_flight(&mut self) -> anyhow::Result<u64> {
        let changed = self.conn.execute(
            "UPDATE recipients SET state = 'unknown', updated_at = ?2,
                 error = COALESCE(error, 'the run sending it stopped before its answer was recorded')
             WHERE campaign = ?1 AND state = 'in_flight'",
            params![self.campaign, now()],
        )?;
        Ok(changed as u64)
    }

    /// Puts `unknown` (and with `failed`, also failed) recipients back to pending.
    pub fn requeue(&mut self, unknown: bool, failed: bool) -> anyhow::Result<u64> {
        let mut total = 0;
        for (wanted, state) in [(unknown, "unknown"), (failed, "failed")] {
            if wanted {
                total += self.conn.execute(
                    "UPDATE recipients SET state = 'pending', updated_at = ?3 WHERE campaign = ?1 AND state = ?2",
                    params![self.campaign, state, now()],
                )? as u64;
            }
        }
        Ok(total)
    }

    /// Starts staging a plan into the journal: one transaction, committed only
    /// when the plan is valid.
    pub fn stage(&mut self, run: i64) -> anyhow::Result<Stage<'_>> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM skipped WHERE campaign = ?1",
            params![self.campaign],
        )?;
        Ok(Stage {
            tx,
            campaign: &self.campaign,
            run,
        })
    }

    /// Up to `limit` pending recipients of `run` after `after_line`, in
    /// audience order, each with its message. The index on the plan (not on
    /// the state, which changes with every send) keeps this cheap to maintain.
    pub fn pending(
        &self,
        run: i64,
        after_line: u64,
        limit: usize,
    ) -> anyhow::Result<Vec<PendingRow>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT r.line, r.phone, r.digest, m.body FROM recipients r JOIN messages m ON m.digest = r.digest
             WHERE r.campaign = ?1 AND r.planned_run = ?2 AND r.line > ?3 AND r.state = 'pending'
             ORDER BY r.line LIMIT ?4",
        )?;
        let rows = statement.query_map(
            params![self.campaign, run, after_line as i64, limit as i64],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, Vec<u8>>(2)?,
                    row.get::<_, String>(3)?,
                ))
            },
        )?;
        rows.map(|row| {
            let (line, phone, digest, body) = row?;
            Ok(PendingRow {
                line: line as u64,
                phone: phone_from_db(phone)?,
                digest: MessageDigest(
                    digest
                        .try_into()
                        .map_err(|_| anyhow::anyhow!("the journal holds a malformed digest"))?,
                ),
                body,
            })
        })
        .collect()
    }

    /// Commits intent: these recipients' request is about to be sent.
    pub fn mark_in_flight(&mut self, phones: &[Phone]) -> anyhow::Result<()> {
        self.write(&[Change::InFlight(phones.to_vec())])
    }

    /// Commits what happened to each recipient of a request.
    pub fn record(&mut self, outcomes: &[Outcome]) -> anyhow::Result<()> {
        self.write(&[Change::Outcomes(outcomes.to_vec())])
    }

    /// Commits several changes in one transaction: all of them or none. A
    /// recipient a delivery report already showed as sent stays sent when its
    /// answer was lost (`unknown`): the report is the better evidence.
    pub fn write(&mut self, changes: &[Change]) -> anyhow::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut in_flight = tx.prepare_cached(
                "UPDATE recipients SET state = 'in_flight', attempts = attempts + 1, updated_at = ?3
                 WHERE campaign = ?1 AND phone = ?2",
            )?;
            let mut outcome = tx.prepare_cached(
                "UPDATE recipients SET
                     state = CASE WHEN state = 'sent' AND ?3 = 'unknown' THEN state ELSE ?3 END,
                     message_id = COALESCE(?4, message_id), http_status = ?5,
                     error = ?6, updated_at = ?7,
                     sent_digest = CASE WHEN ?3 = 'sent' THEN digest ELSE sent_digest END
                 WHERE campaign = ?1 AND phone = ?2",
            )?;
            let stamp = now();
            for change in changes {
                match change {
                    Change::InFlight(phones) => {
                        for phone in phones {
                            in_flight.execute(params![
                                self.campaign,
                                phone.as_u64() as i64,
                                stamp
                            ])?;
                        }
                    }
                    Change::Outcomes(outcomes) => {
                        for o in outcomes {
                            outcome.execute(params![
                                self.campaign,
                                o.phone.as_u64() as i64,
                                o.state.as_str(),
                                o.message_id,
                                o.http_status,
                                o.error,
                                stamp
                            ])?;
                        }
                    }
                }
            }
        }
        tx.commit().context("cannot commit to the journal")?;
        Ok(())
    }

    /// How many recipients of `run` are waiting to be sent.
    pub fn pending_count(&self, run: i64) -> anyhow::Result<u64> {
        let count: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM recipients WHERE campaign = ?1 AND state = 'pending' AND planned_run = ?2",
            params![self.campaign, run],
            |row| row.get(0),
        )?;
        Ok(count as u64)
    }

    /// How many of the campaign's recipients are in each state.
    pub fn counts(&self) -> anyhow::Result<StateCounts> {
        let mut counts = StateCounts::default();
        let mut statement = self.conn.prepare_cached(
            "SELECT state, COUNT(*) FROM recipients WHERE campaign = ?1 GROUP BY state",
        )?;
        let rows = statement.query_map(params![self.campaign], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (state, count) = row?;
            if let Some(state) = State::parse(&state) {
                counts.add(state, count as u64);
            }
        }
        counts.skipped = self.conn.query_row(
            "SELECT COUNT(*) FROM skipped WHERE campaign = ?1",
            params![self.campaign],
            |row| row.get::<_, i64>(0),
        )? as u64;
        Ok(counts)
    }

    /// Every recipient and skipped row of the campaign, in audience order.
    pub fn report_rows(
        &self,
        mut visit: impl FnMut(ReportRow) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut statement = self.conn.prepare(
            "SELECT line, phone, state, message_id, attempts, http_status, error FROM recipients WHERE campaign = ?1
             UNION ALL
             SELECT line, phone, 'skipped', NULL, 0, NULL, reason FROM skipped WHERE campaign = ?1
             ORDER BY 1, 2",
        )?;
        let mut rows = statement.query(params![self.campaign])?;
        while let Some(row) = rows.next()? {
            let phone: Option<i64> = row.get(1)?;
            let state: String = row.get(2)?;
            visit(ReportRow {
                line: row.get::<_, i64>(0)? as u64,
                phone: phone.map(phone_from_db).transpose()?,
                state: State::parse(&state).ok_or_else(|| {
                    anyhow::anyhow!("the journal holds an unknown state `{state}`")
                })?,
                message_id: row.get(3)?,
                attempts: row.get::<_, i64>(4)? as u32,
                http_status: row.get::<_, Option<i64>>(5)?.map(|s| s as u16),
                error: row.get(6)?,
            })?;
        }
        Ok(())
    }
}

/// A plan being written into the journal.
pub struct Stage<'a> {
    tx: rusqlite::Transaction<'a>,
    campaign: &'a str,
    run: i64,
}

impl Stage<'_> {
    /// Plans `phone` (first seen on `line`) with the message `digest`. A number
    /// already planned in this run is a repeat; a number from an earlier run
    /// keeps its state, and a pending one takes the new message.
    pub fn recipient(
        &mut self,
        phone: Phone,
        line: u64,
        digest: &MessageDigest,
    ) -> anyhow::Result<Option<Repeat>> {
        let existing: Option<(i64, Vec<u8>, i64)> = self
            .tx
            .prepare_cached("SELECT line, digest, planned_run FROM recipients WHERE campaign = ?1 AND phone = ?2")?
            .query_row(params![self.campaign, phone.as_u64() as i64], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        match existing {
            Some((first_line, first_digest, run)) if run == self.run => Ok(Some(Repeat {
                first_line: first_line as u64,
                same_message: first_digest == digest.0,
            })),
            Some(_) => {
                self.tx
                    .prepare_cached(
                        "UPDATE recipients SET line = ?3, planned_run = ?4,
                             digest = CASE WHEN state = 'pending' THEN ?5 ELSE digest END
                         WHERE campaign = ?1 AND phone = ?2",
                    )?
                    .execute(params![
                        self.campaign,
                        phone.as_u64() as i64,
                        line as i64,
                        self.run,
                        digest.0.as_slice()
                    ])?;
                Ok(None)
            }
            None => {
                self.tx
                    .prepare_cached(
                        "INSERT INTO recipients (campaign, phone, line, digest, state, planned_run, updated_at)
                         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6)",
                    )?
                    .execute(params![self.campaign, phone.as_u64() as i64, line as i64, digest.0.as_slice(), self.run, now()])?;
                Ok(None)
            }
        }
    }

    /// Stores a message body once per digest.
    pub fn message(&mut self, digest: &MessageDigest, body: &str) -> anyhow::Result<()> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO messages (digest, body) VALUES (?1, ?2)")?
            .execute(params![digest.0.as_slice(), body])?;
        Ok(())
    }

    /// Records a row planned as skipped.
    pub fn skipped(&mut self, line: u64, phone: Option<Phone>, reason: &str) -> anyhow::Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO skipped (campaign, line, phone, reason, planned_run) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![self.campaign, line as i64, phone.map(|p| p.as_u64() as i64), reason, self.run])?;
        Ok(())
    }

    pub fn commit(self) -> anyhow::Result<()> {
        self.tx
            .commit()
            .context("cannot commit the plan to the journal")
    }
}

fn phone_from_db(value: i64) -> anyhow::Result<Phone> {
    Phone::from_digits(&value.to_string())
        .ok_or_else(|| anyhow::anyhow!("the journal holds a malformed number"))
}

/// The current time as RFC 3339 UTC, for the journal's `updated_at` columns.
pub fn now() -> String {
    crate::timestamp::rfc3339(std::time::SystemTime::now())
}

/// Creates `dir` (and parents) readable by its owner only.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the state folder `{}`", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict `{}` to its owner", dir.display()))?;
    }
    Ok(())
}

/// Makes `path` readable and writable by its owner only.
pub fn restrict_to_owner(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict `{}` to its owner", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(n: u64) -> Phone {
        Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap()
    }

    #[test]
    fn staging_merges_repeats_and_keeps_earlier_states() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path(), "c").unwrap();
        let run = journal.begin_run().unwrap();
        let a = MessageDigest::of_bytes(b"a");
        let b = MessageDigest::of_bytes(b"b");
        let mut stage = journal.stage(run).unwrap();
        stage.message(&a, "{\"a\":1}").unwrap();
        stage.message(&b, "{\"b\":1}").unwrap();
        assert_eq!(stage.recipient(phone(1), 2, &a).unwrap(), None);
        assert_eq!(
            stage.recipient(phone(1), 3, &b).unwrap(),
            Some(Repeat {
                first_line: 2,
                same_message: false
            })
        );
        assert_eq!(stage.recipient(phone(2), 4, &a).unwrap(), None);
        stage.commit().unwrap();
        journal.mark_in_flight(&[phone(1)]).unwrap();
        journal
            .record(&[Outcome {
                phone: phone(1),
                state: State::Sent,
                message_id: Some("01X".into()),
                http_status: Some(201),
                error: None,
            }])
            .unwrap();
        let second = journal.begin_run().unwrap();
        let mut stage = journal.stage(second).unwrap();
        assert_eq!(stage.recipient(phone(1), 2, &b).unwrap(), None);
        assert_eq!(stage.recipient(phone(2), 3, &b).unwrap(), None);
        stage.commit().unwrap();
        let pending = journal.pending(second, 0, 10).unwrap();
        assert_eq!(
            pending,
            vec![PendingRow {
                line: 3,
                phone: phone(2),
                digest: b,
                body: "{\"b\":1}".into()
            }],
            "sent stays sent; pending takes the new message"
        );
        let counts = journal.counts().unwrap();
        assert_eq!((counts.sent, counts.pending), (1, 1));
    }

    #[test]
    fn in_flight_after_a_crash_becomes_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path(), "c").unwrap();
        let run = journal.begin_run().unwrap();
        let mut stage = journal.stage(run).unwrap();
        stage
            .recipient(phone(1), 2, &MessageDigest::of_bytes(b"a"))
            .unwrap();
        stage.commit().unwrap();
        journal.mark_in_flight(&[phone(1)]).unwrap();
        drop(journal);
        let mut journal = Journal::open(dir.path(), "c").unwrap();
        assert_eq!(journal.recover_in_flight().unwrap(), 1);
        assert_eq!(journal.counts().unwrap().unknown, 1);
        assert_eq!(journal.requeue(true, false).unwrap(), 1);
        assert_eq!(journal.counts().unwrap().pending, 1);
    }
}
