//! A read-only look at the journal, for `plan`: which state each recipient is
//! in, so the plan can say what apply would really send. It never creates the
//! journal (no journal means everyone is `+`) and never writes to it; memory
//! stays flat, one indexed lookup per recipient, and recipients that left the
//! audience are counted by subtraction rather than remembered.

use crate::journal::{FILE, State};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use crate::plan::recipient_class::RecipientClass;
use anyhow::Context as _;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::Path;

/// Classifies recipients against the journal of one campaign, if there is one.
pub struct JournalView {
    conn: Option<Connection>,
    campaign: String,
    resend_unknown: bool,
    retry_failed: bool,
    /// Recipients found in the journal, in any state.
    matched: u64,
}

impl JournalView {
    /// No journal: every recipient is to send.
    pub fn none() -> JournalView {
        JournalView {
            conn: None,
            campaign: String::new(),
            resend_unknown: false,
            retry_failed: false,
            matched: 0,
        }
    }

    /// Opens `state_dir`'s journal read-only if it exists. With
    /// `resend_unknown` / `retry_failed`, `?` and `!` recipients are `+`, as
    /// `apply` with the same flags would send them.
    pub fn open(
        state_dir: &Path,
        campaign: &str,
        resend_unknown: bool,
        retry_failed: bool,
    ) -> anyhow::Result<JournalView> {
        let path = state_dir.join(FILE);
        let conn = if path.is_file() {
            let conn = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .with_context(|| format!("cannot read the journal `{}`", path.display()))?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            Some(conn)
        } else {
            None
        };
        Ok(JournalView {
            conn,
            campaign: campaign.to_owned(),
            resend_unknown,
            retry_failed,
            matched: 0,
        })
    }

    pub fn resend_unknown(&self) -> bool {
        self.resend_unknown
    }

    pub fn retry_failed(&self) -> bool {
        self.retry_failed
    }

    pub fn exists(&self) -> bool {
        self.conn.is_some()
    }

    /// The class of `phone`, who would now get the message `digest`.
    pub fn classify(
        &mut self,
        phone: Phone,
        digest: &MessageDigest,
    ) -> anyhow::Result<RecipientClass> {
        let Some(conn) = &self.conn else {
            return Ok(RecipientClass::Send);
        };
        let row: Option<(String, Option<Vec<u8>>)> = conn
            .prepare_cached(
                "SELECT state, sent_digest FROM recipients WHERE campaign = ?1 AND phone = ?2",
            )?
            .query_row(params![self.campaign, phone.as_u64() as i64], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .context("cannot read the journal")?;
        let Some((state, sent_digest)) = row else {
            return Ok(RecipientClass::Send);
        };
        self.matched += 1;
        Ok(match State::parse(&state) {
            Some(State::Sent) if sent_digest.as_deref() == Some(digest.0.as_slice()) => {
                RecipientClass::Sent
            }
            Some(State::Sent) => RecipientClass::Changed,
            Some(State::Unknown | State::InFlight) if self.resend_unknown => RecipientClass::Send,
            Some(State::Unknown | State::InFlight) => RecipientClass::Unknown,
            Some(State::Failed) if self.retry_failed => RecipientClass::Send,
            Some(State::Failed) => RecipientClass::Failed,
            _ => RecipientClass::Send,
        })
    }

    /// Journal recipients of the campaign that no recipient of this plan
    /// matched: they have left the audience. Call after streaming.
    pub fn removed(&self) -> anyhow::Result<u64> {
        let Some(conn) = &self.conn else {
            return Ok(0);
        };
        let total: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM recipients WHERE campaign = ?1",
                params![self.campaign],
                |row| row.get(0),
            )
            .context("cannot read the journal")?;
        Ok((total as u64).saturating_sub(self.matched))
    }
}
