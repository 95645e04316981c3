//! The PostgreSQL journal read-only, for plan and status: opened only when
//! the schema holds a journal, so looking never creates one, and nothing here
//! writes. The campaign's recipients are read in one streamed query.

use super::pg_journal::{Session, phone_from_db};
use super::{Context as _, PgLocation, Result, pg_schema, pg_summary};
use crate::journal::{CampaignHistory, DeliverySummary, JournalView, KnownRecipients};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use postgres::fallible_iterator::FallibleIterator as _;
use std::sync::{Mutex, MutexGuard, PoisonError};

pub struct PgView {
    session: Mutex<Session>,
    campaign: String,
}

impl PgView {
    /// The journal at `location` read-only, or `None` when its schema holds none.
    pub fn open(location: &PgLocation, campaign: &str) -> Result<Option<PgView>> {
        let mut client = location.connect()?;
        if pg_schema::check(&mut client, location)?.is_none() {
            return Ok(None);
        }
        Ok(Some(PgView {
            session: Mutex::new(Session::new(client)),
            campaign: campaign.to_owned(),
        }))
    }

    fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl JournalView for PgView {
    fn reached(&self, sender: &str, since: &str) -> anyhow::Result<Vec<String>> {
        let mut session = self.session();
        Ok(super::pg_reached::reached(&mut session, sender, since)?)
    }

    fn known(&self) -> anyhow::Result<KnownRecipients> {
        Ok(super::pg_known::known(
            &mut self.session().client,
            &self.campaign,
        )?)
    }

    fn sent_elsewhere(
        &self,
        visit: &mut dyn FnMut(&str, Phone, &MessageDigest),
    ) -> anyhow::Result<()> {
        let mut session = self.session();
        let params: [&(dyn postgres::types::ToSql + Sync); 1] = [&self.campaign];
        let mut rows = session
            .client
            .query_raw(
                // `campaign <> $1` would read every row of this campaign
                // too; the two ranges around it read only the others'
                // (0.5 ms against 70 ms beside a million recipients).
                "SELECT campaign, phone, sent_digest FROM recipients
                 WHERE (campaign < $1 OR campaign > $1)
                     AND state = 'sent' AND sent_digest IS NOT NULL
                 ORDER BY campaign",
                params,
            )
            .context("cannot read the journal")?;
        while let Some(row) = rows.next().context("cannot read the journal")? {
            let digest: Vec<u8> = row.get(2);
            let digest = MessageDigest(
                digest
                    .try_into()
                    .map_err(|_| anyhow::anyhow!("the journal holds a malformed digest"))?,
            );
            visit(row.get(0), phone_from_db(row.get(1))?, &digest);
        }
        Ok(())
    }

    fn history(&self) -> anyhow::Result<CampaignHistory> {
        Ok(pg_summary::history(
            &mut self.session().client,
            &self.campaign,
        )?)
    }

    fn opted_out_numbers(&self) -> anyhow::Result<Vec<Phone>> {
        Ok(pg_summary::opted_out_numbers(&mut self.session().client)?)
    }

    fn delivery_summary(&self) -> anyhow::Result<DeliverySummary> {
        Ok(pg_summary::delivery_summary(
            &mut self.session().client,
            &self.campaign,
        )?)
    }
}
