//! The PostgreSQL backend: one campaign's view of a shared journal through
//! one writing connection, with a second one for pending pages. The
//! connection sits behind a mutex because the apply lock lives on it too: the
//! lock's guard gives it back on that same session when dropped.
//!
//! A batch of changes commits in one transaction with one statement per
//! layer: the first change of each recipient in the batch, then the second,
//! and so on, each layer as one `UPDATE … = ANY($2)` (intent) and one
//! `UPDATE … FROM unnest(…)` (outcomes). Each recipient's changes apply in
//! their order and rows of different recipients are independent, so this is
//! the same as applying the changes one by one, in two or three round trips
//! for a typical group whatever its size.

use super::off_runtime::Client;
use super::pg_delivery_batch::PgDeliveryBatch;
use super::pg_lock::{LockHolder, PgLock};
use super::pg_pending::{self, PgPending};
use super::pg_stage::PgStage;
use super::pg_statements::Statements;
use super::{Context as _, JournalError, PgLocation, Result, pg_schema, pg_summary};
use crate::journal::carried_over;
use crate::journal::{
    ApplyLock, Backend, CampaignHistory, Change, Delivery, DeliveryBatch, DeliverySummary,
    Durability, KnownRecipients, Outcome, Pending, PendingRow, ReportRow, Requeue, SkippedRow,
    Stage, State, StateCounts,
};
use crate::phone::Phone;
use postgres::fallible_iterator::FallibleIterator as _;
use postgres::types::ToSql;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A connection with the statements prepared on it.
pub struct Session {
    pub client: Client,
    pub statements: Statements,
    /// Recipient rows this session staged or updated since the planner's
    /// statistics were last refreshed: apply stages on a connection of its
    /// own, and its sends' updates are what leave dead row versions.
    pub changed: u64,
}

impl Session {
    pub fn new(client: postgres::Client) -> Session {
        Session {
            client: Client::new(client),
            statements: Statements::default(),
            changed: 0,
        }
    }

    /// `sql` prepared on this connection (once).
    pub fn prepared(&mut self, sql: &'static str) -> Result<postgres::Statement> {
        self.statements.get(&mut self.client, sql)
    }
}
/// The writing connection, shared with the apply lock's guard.
pub type SharedClient = Arc<Mutex<Session>>;

/// The connection, whoever panicked while holding it last.
pub fn lock_client(shared: &SharedClient) -> MutexGuard<'_, Session> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

pub struct PgJournal {
    conn: SharedClient,
    location: PgLocation,
    campaign: String,
}

const IN_FLIGHT: &str = concat!(
    "UPDATE recipients SET state = 'in_flight', attempts = attempts + 1, updated_at = ",
    now_sql!(),
    " WHERE campaign = $1 AND phone = ANY($2)"
);

const OUTCOMES: &str = concat!(
    "UPDATE recipients r SET
         state = CASE WHEN r.state = 'sent' AND o.state = 'unknown' THEN r.state ELSE o.state END,
         message_id = COALESCE(o.message_id, r.message_id), http_status = o.http_status,
         reported = CASE WHEN o.message_id IS DISTINCT FROM r.message_id AND o.message_id IS NOT NULL
             THEN 0 ELSE r.reported END,
         error = o.error, updated_at = ",
    now_sql!(),
    ", sent_digest = CASE WHEN o.state = 'sent' THEN r.digest ELSE r.sent_digest END
     FROM unnest($2::bigint[], $3::text[], $4::text[], $5::int[], $6::text[])
         AS o(phone, state, message_id, http_status, error)
     WHERE r.campaign = $1 AND r.phone = o.phone"
);

/// A recipient's delivery is in its own row; a skipped row's (a number
/// sent before and skipped since) is its recipient's.
const REPORT_ROWS: &str = "SELECT line, phone, state, message_id, attempts, http_status, error,
        COALESCE(delivery_message_id, message_id), delivery_state, delivered_at, read_at,
        failure_details, rank IS NOT NULL
     FROM recipients WHERE campaign = $1
     UNION ALL
     SELECT s.line, s.phone, 'skipped', NULL, 0, NULL, s.reason,
        d.message_id, d.delivery_state, d.delivered_at, d.read_at, d.failure_details,
        d.phone IS NOT NULL
     FROM skipped s LEFT JOIN deliveries d ON d.campaign = s.campaign AND d.phone = s.phone
     WHERE s.campaign = $1";

impl PgJournal {
    /// Connects to `location` for `campaign`, creating or migrating the schema.
    /// Its commits wait for the WAL flush unless `durability` is `Normal`.
    pub fn open(
        location: &PgLocation,
        campaign: &str,
        durability: Durability,
    ) -> Result<PgJournal> {
        let mut client = location.connect()?;
        pg_schema::ensure(&mut client, location)?;
        client
            .batch_execute(&format!(
                "SET synchronous_commit TO {}",
                durability.postgres_synchronous_commit()
            ))
            .context("cannot set the session's durability")?;
        Ok(PgJournal {
            conn: Arc::new(Mutex::new(Session::new(client))),
            location: location.clone(),
            campaign: campaign.to_owned(),
        })
    }

    fn session(&self) -> MutexGuard<'_, Session> {
        lock_client(&self.conn)
    }

    /// A setting of the writing session, as `SHOW` gives it.
    #[cfg(test)]
    pub fn setting(&self, name: &str) -> String {
        let row = self
            .session()
            .client
            .query_one(&format!("SHOW {name}"), &[])
            .unwrap();
        row.get(0)
    }
}

impl Pending for PgJournal {
    fn pending(&self, run: i64, after_line: u64, limit: usize) -> anyhow::Result<Vec<PendingRow>> {
        Ok(pg_pending::pending(
            &mut self.session(),
            &self.campaign,
            super::pg_bodies::key(self.location.schema()),
            run,
            after_line,
            limit,
        )?)
    }
}

impl Backend for PgJournal {
    fn campaign(&self) -> &str {
        &self.campaign
    }

    fn record_sender(&mut self, sender: &str) -> anyhow::Result<()> {
        Ok(super::pg_reached::record_sender(
            &mut self.session(),
            &self.campaign,
            sender,
        )?)
    }

    fn reached(&self, sender: &str, since: &str) -> anyhow::Result<Vec<String>> {
        let mut session = self.session();
        Ok(super::pg_reached::reached(&mut session, sender, since)?)
    }

    fn lock(&mut self) -> anyhow::Result<ApplyLock> {
        let lock = PgLock::acquire(
            &self.conn,
            self.location.schema(),
            &self.campaign,
            &LockHolder::this_process(),
        )?;
        Ok(ApplyLock::new(lock))
    }

    fn carry_over(&mut self, from: &str) -> anyhow::Result<bool> {
        let mut session = self.session();
        let old = pg_summary::history(&mut session.client, from)?;
        let new = pg_summary::history(&mut session.client, &self.campaign)?;
        if !carried_over::needed(from, &self.campaign, old, new)? {
            return Ok(false);
        }
        let mut tx = session
            .client
            .transaction()
            .context("cannot carry a campaign over")?;
        for table in carried_over::campaign_tables() {
            tx.execute(
                &format!("UPDATE {table} SET campaign = $2 WHERE campaign = $1"),
                &[&from, &self.campaign],
            )
            .context("cannot carry a campaign over")?;
        }
        tx.commit().context("cannot carry a campaign over")?;
        Ok(true)
    }

    fn begin_run(&mut self) -> anyhow::Result<i64> {
        let holder = LockHolder::this_process();
        let row = self
            .session()
            .client
            .query_one(
                concat!(
                    "INSERT INTO runs (campaign, host, pid, started_at) VALUES ($1, $2, $3, ",
                    now_sql!(),
                    ") RETURNING id"
                ),
                &[&self.campaign, &holder.host, &i64::from(holder.pid)],
            )
            .context("cannot record the run")?;
        Ok(row.get(0))
    }

    fn finish_run(&mut self, run: i64, outcome: &str) -> anyhow::Result<()> {
        let mut session = self.session();
        session
            .client
            .execute(
                concat!(
                    "UPDATE runs SET finished_at = ",
                    now_sql!(),
                    ", outcome = $1 WHERE id = $2"
                ),
                &[&outcome, &run],
            )
            .context("cannot record the end of the run")?;
        super::pg_bodies::drop_sent(&mut session, self.location.schema())?;
        super::pg_statistics::refresh_after_writes(&mut session)?;
        Ok(())
    }

    fn recover_in_flight(&mut self) -> anyhow::Result<u64> {
        Ok(self
            .session()
            .client
            .execute(
                concat!(
                    "UPDATE recipients SET state = 'unknown', updated_at = ",
                    now_sql!(),
                    ", error = COALESCE(error, 'the run sending it stopped before its answer was recorded')
                     WHERE campaign = $1 AND state = 'in_flight'"
                ),
                &[&self.campaign],
            )
            .context("cannot recover interrupted sends")?)
    }

    fn stage(&mut self, run: i64, requeue: Requeue) -> anyhow::Result<Box<dyn Stage + '_>> {
        Ok(Box::new(PgStage::new(
            lock_client(&self.conn),
            &self.campaign,
            self.location.schema(),
            run,
            requeue,
        )))
    }

    fn replace_skipped(&mut self, run: i64, rows: &[SkippedRow]) -> anyhow::Result<()> {
        Ok(super::pg_stage::replace_skipped(
            &mut self.session(),
            &self.campaign,
            run,
            rows,
        )?)
    }

    fn reader(&self) -> anyhow::Result<Box<dyn Pending>> {
        Ok(Box::new(PgPending::open(&self.location, &self.campaign)?))
    }

    fn write(&mut self, changes: &[Change]) -> anyhow::Result<()> {
        Ok(write(&mut self.session(), &self.campaign, changes)?)
    }

    fn delivery_batch(&mut self) -> anyhow::Result<Box<dyn DeliveryBatch + '_>> {
        Ok(Box::new(PgDeliveryBatch::begin(lock_client(&self.conn))?))
    }

    fn known(&self) -> anyhow::Result<KnownRecipients> {
        Ok(super::pg_known::known(
            &mut self.session().client,
            &self.campaign,
        )?)
    }

    fn counts(&self) -> anyhow::Result<StateCounts> {
        Ok(pg_summary::counts(
            &mut self.session().client,
            &self.campaign,
        )?)
    }

    fn report_rows(
        &self,
        visit: &mut dyn FnMut(ReportRow) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut session = self.session();
        let params: [&(dyn ToSql + Sync); 1] = [&self.campaign];
        let mut rows = session
            .client
            .query_raw(REPORT_ROWS, params)
            .context("cannot read the report")?;
        while let Some(row) = rows.next().context("cannot read the report")? {
            visit(report_row(&row)?)?;
        }
        Ok(())
    }

    fn delivery_of(&self, phone: Phone) -> anyhow::Result<Option<Delivery>> {
        let row = self
            .session()
            .client
            .query_opt(
                "SELECT message_id, delivery_state, delivered_at, read_at, failure_details
                 FROM deliveries WHERE campaign = $1 AND phone = $2",
                &[&self.campaign, &phone_to_db(phone)],
            )
            .context("cannot read a delivery")?;
        Ok(row.map(|row| delivery_from(&row, 0)))
    }

    fn opted_out(&self, phone: Phone) -> anyhow::Result<bool> {
        let row = self
            .session()
            .client
            .query_opt(
                "SELECT 1 FROM opt_outs WHERE campaign = $1 AND phone = $2",
                &[&self.campaign, &phone_to_db(phone)],
            )
            .context("cannot read opt-outs")?;
        Ok(row.is_some())
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

/// Commits `changes` in one transaction, layer by layer.
fn write(session: &mut Session, campaign: &str, changes: &[Change]) -> Result<()> {
    let in_flight = session.prepared(IN_FLIGHT)?;
    let outcomes = session.prepared(OUTCOMES)?;
    let mut tx = session
        .client
        .transaction()
        .context("cannot write to the journal")?;
    for layer in layers(changes) {
        if !layer.in_flight.is_empty() {
            tx.execute(&in_flight, &[&campaign, &layer.in_flight])
                .context("cannot write to the journal")?;
        }
        if !layer.outcomes.is_empty() {
            let columns = OutcomeColumns::of(&layer.outcomes);
            tx.execute(
                &outcomes,
                &[
                    &campaign,
                    &columns.phones,
                    &columns.states,
                    &columns.message_ids,
                    &columns.http_statuses,
                    &columns.errors,
                ],
            )
            .context("cannot write to the journal")?;
        }
    }
    tx.commit().context("cannot commit to the journal")?;
    session.changed += changes.iter().map(Change::recipients).sum::<usize>() as u64;
    Ok(())
}

fn report_row(row: &postgres::Row) -> Result<ReportRow> {
    let state: &str = row.get(2);
    let delivery = row.get::<_, bool>(12).then(|| delivery_from(row, 7));
    Ok(ReportRow {
        line: row.get::<_, i64>(0) as u64,
        phone: row
            .get::<_, Option<i64>>(1)
            .map(phone_from_db)
            .transpose()?,
        state: State::parse(state)
            .ok_or_else(|| JournalError::Malformed(format!("an unknown state `{state}`")))?,
        message_id: row.get(3),
        attempts: row.get::<_, i32>(4) as u32,
        http_status: row.get::<_, Option<i32>>(5).map(|s| s as u16),
        error: row.get(6),
        delivery,
    })
}

/// The delivery in the five columns of `row` from `first` on.
fn delivery_from(row: &postgres::Row, first: usize) -> Delivery {
    Delivery {
        message_id: row.get(first),
        delivery_state: row.get(first + 1),
        delivered_at: row.get(first + 2),
        read_at: row.get(first + 3),
        failure_details: row.get(first + 4),
    }
}

/// A number as stored: its digits as an integer.
pub fn phone_to_db(phone: Phone) -> i64 {
    phone.as_u64() as i64
}

pub fn phone_from_db(value: i64) -> Result<Phone> {
    Phone::from_stored(value).ok_or_else(|| JournalError::Malformed("a malformed number".into()))
}

/// The changes of one layer: each recipient at most once.
#[derive(Default)]
struct Layer<'a> {
    in_flight: Vec<i64>,
    outcomes: Vec<&'a Outcome>,
}

/// Splits changes into layers: the k-th change of each recipient goes to layer k.
fn layers(changes: &[Change]) -> Vec<Layer<'_>> {
    let mut seen: HashMap<Phone, usize> = HashMap::new();
    let mut layers: Vec<Layer<'_>> = Vec::new();
    let mut slot = |phone: Phone, layers: &mut Vec<Layer<'_>>| {
        let depth = seen.entry(phone).or_insert(0);
        let index = *depth;
        *depth += 1;
        if layers.len() <= index {
            layers.push(Layer::default());
        }
        index
    };
    for change in changes {
        match change {
            Change::InFlight(phones) => {
                for &phone in phones {
                    let index = slot(phone, &mut layers);
                    layers[index].in_flight.push(phone_to_db(phone));
                }
            }
            Change::Outcomes(outcomes) => {
                for outcome in outcomes {
                    let index = slot(outcome.phone, &mut layers);
                    layers[index].outcomes.push(outcome);
                }
            }
        }
    }
    layers
}

/// Outcomes as the columns `unnest` takes.
struct OutcomeColumns<'a> {
    phones: Vec<i64>,
    states: Vec<&'static str>,
    message_ids: Vec<Option<&'a str>>,
    http_statuses: Vec<Option<i32>>,
    errors: Vec<Option<&'a str>>,
}

impl<'a> OutcomeColumns<'a> {
    fn of(outcomes: &[&'a Outcome]) -> OutcomeColumns<'a> {
        OutcomeColumns {
            phones: outcomes.iter().map(|o| phone_to_db(o.phone)).collect(),
            states: outcomes.iter().map(|o| o.state.as_str()).collect(),
            message_ids: outcomes.iter().map(|o| o.message_id.as_deref()).collect(),
            http_statuses: outcomes
                .iter()
                .map(|o| o.http_status.map(i32::from))
                .collect(),
            errors: outcomes.iter().map(|o| o.error.as_deref()).collect(),
        }
    }
}
