//! The writes of one callback in the PostgreSQL journal, inside its
//! savepoint, as the SQLite journal makes them: states of a delivery only move
//! forward by rank, a matched report sets its state's bit in the recipient's
//! `reported` so a retried callback changes nothing, the reports the
//! recipient's record cannot answer for (orphans, reconciliations, states no
//! reader knows) are events keyed by (message id, state), and a report
//! proves an uncertain send went out (reconciliation).
//! Every statement is prepared once per connection: a callback costs one
//! round trip per statement.

use super::pg_journal::{Session, phone_to_db};
use super::{Context as _, Result};
use crate::journal::{
    Applied, DeliveryState, DeliveryWriter, Matched, OptOutRecord, Report, Unreadable,
};
use crate::phone::Phone;
use std::cell::RefCell;

pub struct PgDeliveryWriter<'a> {
    session: RefCell<&'a mut Session>,
}

impl<'a> PgDeliveryWriter<'a> {
    pub fn new(session: RefCell<&'a mut Session>) -> PgDeliveryWriter<'a> {
        PgDeliveryWriter { session }
    }

    /// Runs `sql` (prepared once) with `params`; rows changed.
    fn execute(
        &self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
        context: &'static str,
    ) -> Result<u64> {
        let mut session = self.session.borrow_mut();
        let statement = session.prepared(sql)?;
        session.client.execute(&statement, params).context(context)
    }

    /// Runs `sql` (prepared once) with `params`; its rows.
    fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
        context: &'static str,
    ) -> Result<Vec<postgres::Row>> {
        let mut session = self.session.borrow_mut();
        let statement = session.prepared(sql)?;
        session.client.query(&statement, params).context(context)
    }
}

/// Whether the report is kept as an event already (then it is a
/// duplicate), and if not the recipients its message id names, whatever
/// their campaign: one round trip where these were two, of the five a
/// report costs. The first column tells the first; the rest are the
/// recipients', NULL (one row) when none matched.
///
/// The report's campaign, when it gives one, is matched in Rust. With
/// `campaign = $3` in the query, a planner without statistics for
/// `recipients` (a run's first `ANALYZE` comes at its end, and a listener
/// records while it sends) intersected the message id's index with all
/// of the campaign's entries in an index on `(campaign, updated_at)`
/// (since dropped): 4 ms a report at 20,000 recipients, growing with the
/// campaign, against a single index probe.
///
/// The index holds the id's 64-bit hash (schema version 7), so the match
/// names the hash for the index and the id for the row: two ids with one
/// hash are told apart by the second.
pub(super) const KEPT_OR_BY_ID: &str = "WITH e AS MATERIALIZED
         (SELECT EXISTS (SELECT 1 FROM delivery_events WHERE message_id = $1 AND state = $2) AS kept)
     SELECT e.kept, r.campaign, r.phone, r.state, r.message_id, r.reported
     FROM e LEFT JOIN recipients r ON NOT e.kept
         AND hashtextextended(r.message_id, 0) = hashtextextended($1, 0) AND r.message_id = $1";

const BY_NUMBER: &str = "SELECT campaign, phone, state, message_id, reported FROM recipients
     WHERE campaign = $1 AND phone = $2 AND state IN ('unknown', 'in_flight')";

const RECONCILE: &str = concat!(
    "UPDATE recipients SET state = 'sent', message_id = COALESCE(message_id, $3),
         error = NULL, updated_at = ",
    now_sql!(),
    ", sent_digest = COALESCE(sent_digest, digest)
     WHERE campaign = $1 AND phone = $2"
);

const INBOUND: &str = concat!(
    "INSERT INTO inbound (message_id, phone, received_at) VALUES ($1, $2, ",
    now_sql!(),
    ") ON CONFLICT (message_id) DO NOTHING"
);

const OPT_OUT: &str = concat!(
    "INSERT INTO opt_outs (campaign, phone, keyword, message_id, file, opted_at)
     VALUES ($1, $2, $3, $4, $5, ",
    now_sql!(),
    ") ON CONFLICT (campaign, phone) DO NOTHING"
);

const KNOWS_CAMPAIGN: &str = "SELECT EXISTS (SELECT 1 FROM recipients WHERE campaign = $1)
     OR EXISTS (SELECT 1 FROM runs WHERE campaign = $1)";

const UNREADABLE: &str = concat!(
    "INSERT INTO unreadable (key, campaign, reason, json, received_at) VALUES ($1, $2, $3, $4, ",
    now_sql!(),
    ") ON CONFLICT (key) DO NOTHING"
);

const CAMPAIGNS_OF: &str =
    "SELECT DISTINCT campaign FROM recipients WHERE phone = $1 ORDER BY campaign";

const INSERT_EVENT: &str = concat!(
    "INSERT INTO delivery_events
         (message_id, state, campaign, phone, outcome, details, reported_at, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, ",
    now_sql!(),
    "), ",
    now_sql!(),
    ") ON CONFLICT (message_id, state) DO NOTHING"
);

/// The recipient's delivery moves forward by rank, never back; the
/// report's state is marked reported when it is about the recipient's
/// current message. Every expression reads the row as it was. A report
/// changes no indexed column, so its new row version can stay on the
/// row's page (a HOT update) and no index grows.
const ADVANCE: &str = concat!(
    "UPDATE recipients SET
         delivery_message_id = CASE WHEN $5 > COALESCE(rank, -1)
             THEN NULLIF($3, message_id) ELSE delivery_message_id END,
         delivery_state = CASE WHEN $5 > COALESCE(rank, -1) THEN $4 ELSE delivery_state END,
         rank = GREATEST(COALESCE(rank, -1), $5),
         delivered_at = COALESCE(delivered_at, CASE WHEN $8 THEN COALESCE($7, ",
    now_sql!(),
    ") END),
         read_at = COALESCE(read_at, CASE WHEN $9 THEN COALESCE($7, ",
    now_sql!(),
    ") END),
         failed_at = COALESCE(failed_at, CASE WHEN $10 THEN COALESCE($7, ",
    now_sql!(),
    ") END),
         failure_details = COALESCE(failure_details, $6),
         reported = reported | CASE WHEN message_id = $3 THEN $11 ELSE 0 END
     WHERE campaign = $1 AND phone = $2"
);

impl DeliveryWriter for PgDeliveryWriter<'_> {
    fn report(&self, report: &Report) -> anyhow::Result<Applied> {
        let by_id = self.query(
            KEPT_OR_BY_ID,
            &[&report.message_id, &report.state],
            "cannot record a delivery report",
        )?;
        if by_id.first().is_some_and(|row| row.get::<_, bool>(0)) {
            return Ok(Applied::Duplicate);
        }
        let Some(matched) = self.find(report, &by_id)? else {
            self.keep(report, None, Applied::Orphan)?;
            return Ok(Applied::Orphan);
        };
        let Some(recording) = matched.recording(report) else {
            return Ok(Applied::Duplicate);
        };
        if recording.keep_event {
            self.keep(report, Some(&matched), recording.applied)?;
        }
        if recording.reconcile {
            self.reconcile(&matched, &report.message_id)?;
        }
        self.advance(&matched, report)?;
        Ok(recording.applied)
    }

    fn inbound(&self, message_id: &str, from: Option<Phone>) -> anyhow::Result<bool> {
        let inserted = self.execute(
            INBOUND,
            &[&message_id, &from.map(phone_to_db)],
            "cannot record an inbound message",
        )?;
        Ok(inserted == 1)
    }

    fn opt_out(&self, record: &OptOutRecord) -> anyhow::Result<bool> {
        let inserted = self.execute(
            OPT_OUT,
            &[
                &record.campaign,
                &phone_to_db(record.phone),
                &record.keyword,
                &record.message_id,
                &record.file,
            ],
            "cannot record an opt-out",
        )?;
        Ok(inserted == 1)
    }

    fn knows_campaign(&self, campaign: &str) -> anyhow::Result<bool> {
        let rows = self.query(
            KNOWS_CAMPAIGN,
            &[&campaign],
            "cannot read the journal's campaigns",
        )?;
        Ok(rows.first().is_some_and(|row| row.get(0)))
    }

    fn unreadable(&self, entry: &Unreadable) -> anyhow::Result<bool> {
        let inserted = self.execute(
            UNREADABLE,
            &[&entry.key(), &entry.campaign, &entry.reason, &entry.json],
            "cannot keep an unreadable callback entry",
        )?;
        Ok(inserted == 1)
    }

    fn campaigns_of(&self, phone: Phone) -> anyhow::Result<Vec<String>> {
        let rows = self.query(
            CAMPAIGNS_OF,
            &[&phone_to_db(phone)],
            "cannot read a number's campaigns",
        )?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }
}

impl PgDeliveryWriter<'_> {
    /// Keeps `report` as an event: what `status` counts, or what the
    /// recipient's record cannot tell a duplicate of.
    fn keep(&self, report: &Report, matched: Option<&Matched>, applied: Applied) -> Result<()> {
        self.execute(
            INSERT_EVENT,
            &[
                &report.message_id,
                &report.state,
                &matched
                    .map(|m| m.campaign.as_str())
                    .or(report.campaign.as_deref()),
                &matched
                    .map(|m| m.phone)
                    .or(report.recipient.map(phone_to_db)),
                &applied.as_str(),
                &report.details,
                &report.timestamp,
            ],
            "cannot record a delivery report",
        )?;
        Ok(())
    }

    /// The recipient a report is about: among `by_id` (rows of
    /// [`KEPT_OR_BY_ID`]), else by campaign and number when that
    /// recipient's send is uncertain.
    fn find(&self, report: &Report, by_id: &[postgres::Row]) -> Result<Option<Matched>> {
        let of_campaign = |row: &&postgres::Row| {
            row.get::<_, Option<&str>>(1).is_some_and(|found| {
                report
                    .campaign
                    .as_deref()
                    .is_none_or(|campaign| found == campaign)
            })
        };
        if let Some(row) = by_id.iter().find(of_campaign) {
            return Ok(Some(matched(row, 1)));
        }
        let (Some(campaign), Some(phone)) = (&report.campaign, report.recipient) else {
            return Ok(None);
        };
        let by_number = self.query(
            BY_NUMBER,
            &[campaign, &phone_to_db(phone)],
            "cannot match a delivery report",
        )?;
        Ok(by_number.first().map(|row| matched(row, 0)))
    }

    /// The send was uncertain; the report makes it a fact.
    fn reconcile(&self, matched: &Matched, message_id: &str) -> Result<()> {
        self.execute(
            RECONCILE,
            &[&matched.campaign, &matched.phone, &message_id],
            "cannot reconcile a send",
        )?;
        Ok(())
    }

    /// Moves the recipient's delivery forward, never back.
    fn advance(&self, matched: &Matched, report: &Report) -> Result<()> {
        let rank = report.progress.rank() as i32;
        let failed = report.progress == DeliveryState::Failed;
        let failure = failed.then(|| report.details.as_deref().unwrap_or(&report.state));
        self.execute(
            ADVANCE,
            &[
                &matched.campaign,
                &matched.phone,
                &report.message_id,
                &report.state,
                &rank,
                &failure,
                &report.timestamp,
                &(report.progress == DeliveryState::Delivered),
                &(report.progress == DeliveryState::Read),
                &failed,
                &(report.progress.reported_bit() as i32),
            ],
            "cannot record a delivery",
        )?;
        Ok(())
    }
}

/// The recipient in the five columns of `row` from `first` on.
fn matched(row: &postgres::Row, first: usize) -> Matched {
    Matched {
        campaign: row.get(first),
        phone: row.get(first + 1),
        state: row.get(first + 2),
        message_id: row.get(first + 3),
        reported: row.get::<_, i32>(first + 4).into(),
    }
}
