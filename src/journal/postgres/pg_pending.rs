//! Pages of pending recipients, read on the writer's connection or on a
//! second one beside it, so reading a page never waits on a commit. Each
//! read holds the bodies' lock shared (`pg_bodies`), taken before the
//! read's own statement so that its snapshot comes after any run's end
//! that rebuilt `messages`.

use super::pg_journal::{Session, phone_from_db};
use super::{Context as _, JournalError, PgLocation, Result, pg_schema};
use crate::journal::{Pending, PendingRow};
use crate::message::digest::MessageDigest;
use std::sync::{Mutex, PoisonError};

const PENDING: &str = "SELECT r.line, r.phone, r.digest, m.body FROM recipients r
     JOIN messages m ON m.digest = r.digest
     WHERE r.campaign = $1 AND r.planned_run = $2 AND r.line > $3 AND r.state = 'pending'
     ORDER BY r.line LIMIT $4";

/// A connection of its own for pending pages.
pub struct PgPending {
    session: Mutex<Session>,
    campaign: String,
    /// The bodies' advisory-lock key for the journal's schema.
    bodies: i64,
}

impl PgPending {
    pub fn open(location: &PgLocation, campaign: &str) -> Result<PgPending> {
        let mut client = location.connect()?;
        pg_schema::check(&mut client, location)?;
        Ok(PgPending {
            session: Mutex::new(Session::new(client)),
            campaign: campaign.to_owned(),
            bodies: super::pg_bodies::key(location.schema()),
        })
    }
}

impl Pending for PgPending {
    fn pending(&self, run: i64, after_line: u64, limit: usize) -> anyhow::Result<Vec<PendingRow>> {
        let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(pending(
            &mut session,
            &self.campaign,
            self.bodies,
            run,
            after_line,
            limit,
        )?)
    }
}

/// Up to `limit` pending recipients of `run` after `after_line`, in
/// audience order; `bodies` is the bodies' lock key.
pub fn pending(
    session: &mut Session,
    campaign: &str,
    bodies: i64,
    run: i64,
    after_line: u64,
    limit: usize,
) -> Result<Vec<PendingRow>> {
    let statement = session.prepared(PENDING)?;
    let context = "cannot read pending recipients";
    let mut tx = session.client.transaction().context(context)?;
    super::pg_bodies::hold_shared(&mut tx, bodies).context(context)?;
    let rows = tx
        .query(
            &statement,
            &[&campaign, &run, &(after_line as i64), &(limit as i64)],
        )
        .context(context)?;
    tx.commit().context(context)?;
    rows.iter()
        .map(|row| {
            Ok(PendingRow {
                line: row.get::<_, i64>(0) as u64,
                phone: phone_from_db(row.get(1))?,
                digest: digest_from_db(row.get(2))?,
                body: row.get(3),
            })
        })
        .collect()
}

pub fn digest_from_db(bytes: &[u8]) -> Result<MessageDigest> {
    Ok(MessageDigest(bytes.try_into().map_err(|_| {
        JournalError::Malformed("a malformed digest".into())
    })?))
}
