//! A plan written into the PostgreSQL journal in one transaction, committed
//! only when the plan is valid (dropping the stage rolls it back). Rows are
//! buffered and merged in chunks with `INSERT … SELECT FROM unnest(…) ON
//! CONFLICT`, one statement per chunk.
//!
//! A number planned in this run is a repeat (as the SQLite journal does it, by
//! its row's `planned_run`): looked up among the rows not yet written, else
//! in the journal when the [`SeenFilter`] says it may be there, so memory
//! stays flat however large the audience. A number from an earlier run keeps
//! its state and, when still pending, takes the new message; a new number is
//! pending.

use super::pg_journal::{Session, phone_to_db};
use super::seen_filter::SeenFilter;
use super::{Context as _, Result};
use crate::journal::{Repeat, Stage};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::MutexGuard;

/// Rows sent to the server in one statement.
const CHUNK: usize = 10_000;

const MERGE_RECIPIENTS: &str = concat!(
    "INSERT INTO recipients (campaign, phone, line, digest, state, planned_run, updated_at)
     SELECT $1, phone, line, digest, 'pending', $2, ",
    now_sql!(),
    " FROM unnest($3::bigint[], $4::bigint[], $5::bytea[]) AS t(phone, line, digest)
     ON CONFLICT (campaign, phone) DO UPDATE SET
         line = excluded.line, planned_run = excluded.planned_run,
         digest = CASE WHEN recipients.state = 'pending' THEN excluded.digest ELSE recipients.digest END"
);

const PLANNED: &str =
    "SELECT line, digest FROM recipients WHERE campaign = $1 AND phone = $2 AND planned_run = $3";

const MERGE_MESSAGES: &str = "INSERT INTO messages (digest, body)
     SELECT * FROM unnest($1::bytea[], $2::text[]) ON CONFLICT (digest) DO NOTHING";

const MERGE_SKIPPED: &str = "INSERT INTO skipped (campaign, line, phone, reason, planned_run)
     SELECT $1, line, phone, reason, $2 FROM unnest($3::bigint[], $4::bigint[], $5::text[])
         AS t(line, phone, reason)
     ON CONFLICT (campaign, line) DO UPDATE SET
         phone = excluded.phone, reason = excluded.reason, planned_run = excluded.planned_run";

/// A plan being written into the journal.
pub struct PgStage<'a> {
    session: MutexGuard<'a, Session>,
    campaign: &'a str,
    run: i64,
    open: bool,
    /// Numbers in `recipients`, not yet written: first line and digest.
    unwritten: HashMap<Phone, (u64, MessageDigest)>,
    /// Numbers written in this stage, maybe.
    written: SeenFilter,
    /// Digests in `messages`, not yet written: a body goes once per chunk,
    /// and the journal keeps the first (`ON CONFLICT DO NOTHING`).
    unwritten_messages: HashSet<MessageDigest>,
    recipients: Vec<(i64, i64, MessageDigest)>,
    messages: Vec<(MessageDigest, String)>,
    skipped: BTreeMap<i64, (Option<i64>, String)>,
}

impl<'a> PgStage<'a> {
    /// Opens the transaction and drops the campaign's earlier skipped rows.
    pub fn begin(
        mut session: MutexGuard<'a, Session>,
        campaign: &'a str,
        run: i64,
    ) -> Result<PgStage<'a>> {
        session
            .client
            .batch_execute("BEGIN")
            .context("cannot stage the plan")?;
        let mut stage = PgStage {
            session,
            campaign,
            run,
            open: true,
            unwritten: HashMap::new(),
            written: SeenFilter::new(),
            unwritten_messages: HashSet::new(),
            recipients: Vec::with_capacity(CHUNK),
            messages: Vec::new(),
            skipped: BTreeMap::new(),
        };
        stage
            .session
            .client
            .execute("DELETE FROM skipped WHERE campaign = $1", &[&campaign])
            .context("cannot stage the plan")?;
        Ok(stage)
    }

    fn flush_recipients(&mut self) -> Result<()> {
        if self.recipients.is_empty() {
            return Ok(());
        }
        let phones: Vec<i64> = self.recipients.iter().map(|r| r.0).collect();
        let lines: Vec<i64> = self.recipients.iter().map(|r| r.1).collect();
        let digests: Vec<&[u8]> = self.recipients.iter().map(|r| r.2.0.as_slice()).collect();
        self.session
            .client
            .execute(
                MERGE_RECIPIENTS,
                &[&self.campaign, &self.run, &phones, &lines, &digests],
            )
            .context("cannot stage recipients")?;
        for (phone, _) in self.unwritten.drain() {
            self.written.insert(phone);
        }
        self.recipients.clear();
        Ok(())
    }

    /// `phone` as written in this run, if it was.
    fn planned(&mut self, phone: Phone, digest: &MessageDigest) -> Result<Option<Repeat>> {
        let statement = self.session.prepared(PLANNED)?;
        let row = self
            .session
            .client
            .query_opt(
                &statement,
                &[&self.campaign, &phone_to_db(phone), &self.run],
            )
            .context("cannot stage recipients")?;
        Ok(row.map(|row| Repeat {
            first_line: row.get::<_, i64>(0) as u64,
            same_message: row.get::<_, &[u8]>(1) == digest.0.as_slice(),
        }))
    }

    fn flush_messages(&mut self) -> Result<()> {
        if self.messages.is_empty() {
            return Ok(());
        }
        let digests: Vec<&[u8]> = self.messages.iter().map(|m| m.0.0.as_slice()).collect();
        let bodies: Vec<&str> = self.messages.iter().map(|m| m.1.as_str()).collect();
        self.session
            .client
            .execute(MERGE_MESSAGES, &[&digests, &bodies])
            .context("cannot stage messages")?;
        self.messages.clear();
        self.unwritten_messages.clear();
        Ok(())
    }

    fn flush_skipped(&mut self) -> Result<()> {
        if self.skipped.is_empty() {
            return Ok(());
        }
        let lines: Vec<i64> = self.skipped.keys().copied().collect();
        let phones: Vec<Option<i64>> = self.skipped.values().map(|s| s.0).collect();
        let reasons: Vec<&str> = self.skipped.values().map(|s| s.1.as_str()).collect();
        self.session
            .client
            .execute(
                MERGE_SKIPPED,
                &[&self.campaign, &self.run, &lines, &phones, &reasons],
            )
            .context("cannot stage skipped rows")?;
        self.skipped.clear();
        Ok(())
    }
}

impl Stage for PgStage<'_> {
    fn recipient(
        &mut self,
        phone: Phone,
        line: u64,
        digest: &MessageDigest,
    ) -> anyhow::Result<Option<Repeat>> {
        if let Some(&(first_line, first)) = self.unwritten.get(&phone) {
            return Ok(Some(Repeat {
                first_line,
                same_message: first == *digest,
            }));
        }
        if self.written.may_contain(phone)
            && let Some(repeat) = self.planned(phone, digest)?
        {
            return Ok(Some(repeat));
        }
        self.unwritten.insert(phone, (line, *digest));
        self.recipients
            .push((phone_to_db(phone), line as i64, *digest));
        if self.recipients.len() >= CHUNK {
            self.flush_recipients()?;
        }
        Ok(None)
    }

    fn message(&mut self, digest: &MessageDigest, body: &str) -> anyhow::Result<()> {
        if self.unwritten_messages.insert(*digest) {
            self.messages.push((*digest, body.to_owned()));
            if self.messages.len() >= CHUNK {
                self.flush_messages()?;
            }
        }
        Ok(())
    }

    fn skipped(&mut self, line: u64, phone: Option<Phone>, reason: &str) -> anyhow::Result<()> {
        self.skipped
            .insert(line as i64, (phone.map(phone_to_db), reason.to_owned()));
        if self.skipped.len() >= CHUNK {
            self.flush_skipped()?;
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> anyhow::Result<()> {
        self.flush_messages()?;
        self.flush_recipients()?;
        self.flush_skipped()?;
        self.session
            .client
            .batch_execute("COMMIT")
            .context("cannot commit the plan to the journal")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for PgStage<'_> {
    /// A stage not committed keeps nothing.
    fn drop(&mut self) {
        if self.open {
            let _ = self.session.client.batch_execute("ROLLBACK");
        }
    }
}
