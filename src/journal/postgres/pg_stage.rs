//! Staging a plan into the PostgreSQL journal in chunks: recipients are
//! buffered and each [`Stage::publish`] merges them in one transaction of two
//! statements (`INSERT … SELECT FROM unnest(…) ON CONFLICT`, messages then
//! recipients), so the senders see each chunk at once. Each transaction
//! first takes the bodies' lock shared, so no run's end deletes a body it
//! found (`pg_bodies`).

use super::pg_journal::{Session, phone_to_db};
use super::{Context as _, Result};
use crate::journal::{Requeue, SkippedRow, Stage};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use std::sync::MutexGuard;

/// Whether a settled row goes back to pending: `$6` and `$7` are the
/// stage's [`Requeue`] flags; a number that opted out never does.
macro_rules! requeued {
    () => {
        "((recipients.state = 'unknown' AND $6) OR (recipients.state = 'failed' AND $7))
          AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = excluded.phone)"
    };
}

const MERGE_RECIPIENTS: &str = concat!(
    "INSERT INTO recipients (campaign, phone, line, digest, state, planned_run, updated_at)
     SELECT $1, phone, line, digest, 'pending', $2, ",
    now_sql!(),
    " FROM unnest($3::bigint[], $4::bigint[], $5::bytea[]) AS t(phone, line, digest)
     ON CONFLICT (campaign, phone) DO UPDATE SET
         line = excluded.line, planned_run = excluded.planned_run,
         digest = CASE WHEN recipients.state = 'pending' OR (",
    requeued!(),
    ") THEN excluded.digest ELSE recipients.digest END,
         updated_at = CASE WHEN ",
    requeued!(),
    " THEN excluded.updated_at ELSE recipients.updated_at END,
         state = CASE WHEN ",
    requeued!(),
    " THEN 'pending' ELSE recipients.state END"
);

const MERGE_MESSAGES: &str = "INSERT INTO messages (digest, body)
     SELECT * FROM unnest($1::bytea[], $2::text[]) ON CONFLICT (digest) DO NOTHING";

const REPLACE_SKIPPED: &str = "INSERT INTO skipped (campaign, line, phone, reason, planned_run)
     SELECT $1, line, phone, reason, $2 FROM unnest($3::bigint[], $4::bigint[], $5::text[])
         AS t(line, phone, reason)
     ON CONFLICT (campaign, line) DO UPDATE SET
         phone = excluded.phone, reason = excluded.reason, planned_run = excluded.planned_run";

/// A plan being written into the journal.
pub struct PgStage<'a> {
    session: MutexGuard<'a, Session>,
    campaign: &'a str,
    /// The bodies' advisory-lock key for the journal's schema.
    bodies: i64,
    run: i64,
    requeue: Requeue,
    /// Number, line, digest and body of each recipient not yet published.
    rows: Vec<(i64, i64, MessageDigest, String)>,
}

impl<'a> PgStage<'a> {
    pub fn new(
        session: MutexGuard<'a, Session>,
        campaign: &'a str,
        schema: &str,
        run: i64,
        requeue: Requeue,
    ) -> PgStage<'a> {
        PgStage {
            session,
            campaign,
            bodies: super::pg_bodies::key(schema),
            run,
            requeue,
            rows: Vec::new(),
        }
    }

    fn merge(&mut self) -> Result<()> {
        let digests: Vec<&[u8]> = self.rows.iter().map(|r| r.2.0.as_slice()).collect();
        let bodies: Vec<&str> = self.rows.iter().map(|r| r.3.as_str()).collect();
        let phones: Vec<i64> = self.rows.iter().map(|r| r.0).collect();
        let lines: Vec<i64> = self.rows.iter().map(|r| r.1).collect();
        let mut tx = self
            .session
            .client
            .transaction()
            .context("cannot stage the plan")?;
        super::pg_bodies::hold_shared(&mut tx, self.bodies).context("cannot stage messages")?;
        tx.execute(MERGE_MESSAGES, &[&digests, &bodies])
            .context("cannot stage messages")?;
        tx.execute(
            MERGE_RECIPIENTS,
            &[
                &self.campaign,
                &self.run,
                &phones,
                &lines,
                &digests,
                &self.requeue.unknown,
                &self.requeue.failed,
            ],
        )
        .context("cannot stage recipients")?;
        tx.commit()
            .context("cannot commit the plan to the journal")?;
        self.session.changed += self.rows.len() as u64;
        Ok(())
    }
}

impl Stage for PgStage<'_> {
    fn recipient(
        &mut self,
        phone: Phone,
        line: u64,
        digest: &MessageDigest,
        body: &str,
    ) -> anyhow::Result<()> {
        self.rows
            .push((phone_to_db(phone), line as i64, *digest, body.to_owned()));
        Ok(())
    }

    fn unpublished(&self) -> usize {
        self.rows.len()
    }

    fn publish(&mut self) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        self.merge()?;
        self.rows.clear();
        Ok(())
    }
}

/// Replaces `campaign`'s skipped rows with `rows`, in one transaction.
pub fn replace_skipped(
    session: &mut Session,
    campaign: &str,
    run: i64,
    rows: &[SkippedRow],
) -> Result<()> {
    let lines: Vec<i64> = rows.iter().map(|r| r.line as i64).collect();
    let phones: Vec<Option<i64>> = rows.iter().map(|r| r.phone.map(phone_to_db)).collect();
    let reasons: Vec<&str> = rows.iter().map(|r| r.reason.as_str()).collect();
    let mut tx = session
        .client
        .transaction()
        .context("cannot write the skipped rows")?;
    tx.execute("DELETE FROM skipped WHERE campaign = $1", &[&campaign])
        .context("cannot write the skipped rows")?;
    tx.execute(
        REPLACE_SKIPPED,
        &[&campaign, &run, &lines, &phones, &reasons],
    )
    .context("cannot write the skipped rows")?;
    tx.commit().context("cannot write the skipped rows")
}
