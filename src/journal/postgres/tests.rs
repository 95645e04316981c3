//! The journal's conformance suite on PostgreSQL, each location a schema of
//! its own on the server `WACAST_TEST_DATABASE_URL` names, and what only
//! this backend promises: URLs masked, the schema versioned, the lock naming
//! its holder and released with its session, a lost connection told apart.
//! Unset, the tests are skipped with a notice; set but unreachable, they fail.

use super::{JournalError, PgFailure, PgLocation};
use crate::journal::conformance::{self, Factory};
use crate::journal::{
    Backend, Change, Durability, Outcome, Requeue, SkippedRow, State, StateLocation, open,
};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use std::cell::RefCell;

/// The variable naming the test server.
pub const VARIABLE: &str = "WACAST_TEST_DATABASE_URL";

/// Schemas of their own on the test server, dropped with this.
pub struct Schemas {
    url: String,
    base: PgLocation,
    admin: postgres::Client,
    made: RefCell<Vec<String>>,
}

/// The test server, or `None` (with a notice) when the variable is unset.
#[allow(clippy::print_stderr)]
pub fn server() -> Option<Schemas> {
    let Ok(url) = std::env::var(VARIABLE) else {
        eprintln!("notice: {VARIABLE} is unset; skipping a PostgreSQL test");
        return None;
    };
    let base = PgLocation::parse(&url).expect("the test URL parses");
    let admin = base
        .connect()
        .unwrap_or_else(|e| panic!("{VARIABLE} is set but the server cannot be reached: {e}"));
    Some(Schemas {
        url,
        base,
        admin,
        made: RefCell::new(Vec::new()),
    })
}

impl Schemas {
    /// A location in a schema no test used before.
    pub fn location(&self) -> PgLocation {
        let name = format!("wacast_test_{:016x}", random());
        self.made.borrow_mut().push(name.clone());
        self.base.with_schema(&name).unwrap()
    }

    /// A location in a fresh schema whose connections carry
    /// `application_name`, so a test can end them and no other test's.
    pub fn named(&self, application_name: &str) -> PgLocation {
        let separator = if self.url.contains('?') { '&' } else { '?' };
        let url = format!("{}{separator}application_name={application_name}", self.url);
        let schema = self.location();
        PgLocation::parse(&url)
            .unwrap()
            .with_schema(schema.schema())
            .unwrap()
    }

    /// Ends every connection named `application_name`.
    pub fn terminate(&mut self, application_name: &str) {
        self.admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                &[&application_name],
            )
            .unwrap();
    }

    /// A connection of the test's own, outside any journal.
    pub fn admin(&mut self) -> &mut postgres::Client {
        &mut self.admin
    }
}

impl Factory for Schemas {
    fn fresh(&self) -> StateLocation {
        StateLocation::Postgres(Box::new(self.location()))
    }
}

impl Drop for Schemas {
    fn drop(&mut self) {
        for schema in self.made.borrow().iter() {
            let _ = self
                .admin
                .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
    }
}

fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// The changes of sending `phones` (in flight, then sent), each message id
/// `prefix` and the number.
pub fn sent(phones: Vec<Phone>, prefix: &str) -> [Change; 2] {
    let outcomes = phones
        .iter()
        .map(|&phone| Outcome {
            phone,
            state: State::Sent,
            message_id: Some(format!("{prefix}{}", phone.as_u64())),
            http_status: Some(201),
            error: None,
        })
        .collect();
    [Change::InFlight(phones), Change::Outcomes(outcomes)]
}

fn phone(n: u64) -> Phone {
    Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap()
}

#[test]
fn postgres_passes_the_conformance_suite() {
    let Some(server) = server() else { return };
    conformance::run_all(&server);
}

#[test]
fn commits_wait_for_the_flush_unless_durability_is_normal() {
    let Some(server) = server() else { return };
    let location = server.location();
    let full = super::PgJournal::open(&location, "c", Durability::Full).unwrap();
    assert_eq!(full.setting("synchronous_commit"), "on");
    let normal = super::PgJournal::open(&location, "c", Durability::Normal).unwrap();
    assert_eq!(normal.setting("synchronous_commit"), "off");
}

#[test]
fn a_url_shows_its_password_masked_and_names_the_field_at_fault() {
    let location =
        PgLocation::parse("postgres://ann:s3cret@db.example:5433/jobs?schema=team_a").unwrap();
    assert_eq!(
        location.to_string(),
        "postgres://ann:***@db.example:5433/jobs?schema=team_a"
    );
    assert!(!format!("{location:?}").contains("s3cret"));
    assert_eq!(location.schema(), "team_a");
    let state =
        StateLocation::parse("postgresql://ann:s3cret@db/jobs?sslmode=sometimes").unwrap_err();
    let text = format!("{state:#}");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains("postgresql://ann:***@db/jobs"), "{text}");
    assert!(text.contains("sslmode"), "{text}");
    let by_option =
        PgLocation::parse("postgres://ann@db/jobs?options=-csearch_path%3Dteam_b").unwrap();
    assert_eq!(by_option.schema(), "team_b");
    assert_eq!(
        StateLocation::parse("state/here").unwrap(),
        StateLocation::Folder("state/here".into())
    );
}

#[test]
fn an_older_wacast_refuses_a_newer_schema_and_a_second_open_migrates_nothing() {
    let Some(mut server) = server() else { return };
    let location = server.location();
    let state = StateLocation::Postgres(Box::new(location.clone()));
    drop(open(&state, "c").unwrap());
    drop(open(&state, "c").unwrap());
    let admin = server.admin();
    let versions: i64 = admin
        .query_one(
            &format!(
                "SELECT COUNT(*) FROM \"{}\".wacast_schema_version",
                location.schema()
            ),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(versions, super::pg_schema::latest() as i64);
    admin
        .execute(
            &format!(
                "INSERT INTO \"{}\".wacast_schema_version VALUES (999, 'later')",
                location.schema()
            ),
            &[],
        )
        .unwrap();
    let refused = open(&state, "c").err().unwrap().to_string();
    assert!(refused.contains("is version 999"), "{refused}");
    assert!(refused.contains("upgrade wacast"), "{refused}");
}

#[test]
fn a_version_1_schema_migrates_to_the_latest_and_keeps_its_rows() {
    let Some(mut server) = server() else { return };
    let location = server.location();
    let mut client = location.connect().unwrap();
    super::pg_schema::migrate(&mut client, &location, &super::pg_schema::MIGRATIONS[..1]).unwrap();
    let schema = location.schema().to_owned();
    server
        .admin()
        .batch_execute(&format!(
            "INSERT INTO \"{schema}\".inbound VALUES ('in1', 447700900123, '2026-01-01T00:00:00Z')"
        ))
        .unwrap();
    let state = StateLocation::Postgres(Box::new(location.clone()));
    let journal = open(&state, "c").unwrap();
    assert_eq!(journal.delivery_summary().unwrap().unreadable, 0);
    let admin = server.admin();
    let kept: i64 = admin
        .query_one(&format!("SELECT COUNT(*) FROM \"{schema}\".inbound"), &[])
        .unwrap()
        .get(0);
    let version: i32 = admin
        .query_one(
            &format!("SELECT MAX(version) FROM \"{schema}\".wacast_schema_version"),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!((kept, version), (1, super::pg_schema::latest()));
    let message_index: String = admin
        .query_one(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'recipients_message'",
            &[&schema],
        )
        .unwrap()
        .get(0);
    assert!(
        message_index.ends_with(
            "(hashtextextended(message_id, (0)::bigint)) WHERE (message_id IS NOT NULL)"
        ),
        "the index holds the ids' hashes, and recipients not sent yet stay out of it: {message_index}"
    );
}

#[test]
fn the_lock_names_its_holder_and_dies_with_its_session() {
    let Some(mut server) = server() else { return };
    let state = StateLocation::Postgres(Box::new(server.named("wacast_lock_test")));
    let mut first = open(&state, "c").unwrap();
    let held = first.lock().unwrap();
    let mut second = open(&state, "c").unwrap();
    let refused = second.lock().err().unwrap().to_string();
    assert!(refused.contains("(host `"), "{refused}");
    assert!(
        refused.contains(&format!("pid {}, since 20", std::process::id())),
        "{refused}"
    );
    server.terminate("wacast_lock_test");
    let mut second = open(&state, "c").unwrap();
    let mut taken = second.lock();
    for _ in 0..50 {
        if taken.is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        taken = second.lock();
    }
    taken.expect("a dead session's lock is free");
    drop(held);
}

#[test]
fn a_terminated_connection_reads_as_lost_and_keeps_nothing_half_written() {
    let Some(mut server) = server() else { return };
    let state = StateLocation::Postgres(Box::new(server.named("wacast_lost_test")));
    let mut journal: Box<dyn Backend> = open(&state, "c").unwrap();
    let run = journal.begin_run().unwrap();
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    let message = MessageDigest::of_bytes(b"a");
    stage.recipient(phone(1), 2, &message, "{}").unwrap();
    stage.publish().unwrap();
    drop(stage);
    server.terminate("wacast_lost_test");
    let error = journal
        .write(&[Change::InFlight(vec![phone(1)])])
        .unwrap_err();
    let failure = error
        .downcast_ref::<JournalError>()
        .map(JournalError::failure);
    assert_eq!(failure, Some(PgFailure::ConnectionLost), "{error:#}");
    let again = open(&state, "c").unwrap();
    assert_eq!(
        again.counts().unwrap().pending,
        1,
        "nothing was half written"
    );
}

#[test]
fn a_chunk_of_ten_thousand_is_published_at_once() {
    let Some(server) = server() else { return };
    let mut journal = open(&server.fresh(), "c").unwrap();
    let run = journal.begin_run().unwrap();
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    let a = MessageDigest::of_bytes(b"a");
    for n in 0..10_001 {
        stage.recipient(phone(n), n + 2, &a, "{}").unwrap();
    }
    stage.publish().unwrap();
    drop(stage);
    assert_eq!(conformance::pending_count(journal.as_ref(), run), 10_001);
}

/// A client on a fresh schema, its tables as a journal makes them.
fn journal_schema(server: &Schemas) -> postgres::Client {
    let location = server.location();
    drop(open(&StateLocation::Postgres(Box::new(location.clone())), "c").unwrap());
    location.connect().unwrap()
}

/// The server's plan for `statement`, a line each.
fn explained(client: &mut postgres::Client, statement: &str) -> Vec<String> {
    client
        .query(&format!("EXPLAIN {statement}"), &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[test]
fn a_statement_prepared_while_the_table_was_small_still_finds_rows_by_key_once_it_is_large() {
    // Apply prepares its statements when staging has published only its
    // first chunk, and the table then grows while it sends: a plan cached
    // for the small table (every row of the campaign read into a hash) would
    // cost a read of the whole campaign per commit.
    let Some(server) = server() else { return };
    let mut client = journal_schema(&server);
    client
        .batch_execute(
            "INSERT INTO recipients (campaign, phone, line, digest, state, planned_run, updated_at)
             SELECT 'c', n, n, '\\x00', 'pending', 1, '' FROM generate_series(1, 50) AS n;
             PREPARE outcomes (text, bigint[]) AS
                 UPDATE recipients r SET attempts = r.attempts + 1
                 FROM unnest($2::bigint[]) AS o(phone)
                 WHERE r.campaign = $1 AND r.phone = o.phone;",
        )
        .unwrap();
    for _ in 0..8 {
        client
            .batch_execute("EXECUTE outcomes ('c', '{1, 2}')")
            .unwrap();
    }
    client
        .batch_execute(
            "INSERT INTO recipients (campaign, phone, line, digest, state, planned_run, updated_at)
             SELECT 'c', n, n, '\\x00', 'pending', 1, '' FROM generate_series(51, 100000) AS n",
        )
        .unwrap();
    let plan = explained(&mut client, "EXECUTE outcomes ('c', '{1, 2}')");
    // Each row by its key, not every row of the campaign into a hash.
    assert!(
        plan.iter()
            .any(|line| line.contains("Index Cond") && line.contains("phone = o.phone")),
        "{plan:#?}"
    );
}

#[test]
fn a_delivery_report_is_matched_through_the_message_id_index_alone_before_any_statistics() {
    // A listener records reports while apply sends, before the run's end
    // analyses `recipients`. Matched by message id and campaign, the planner
    // guessed from no statistics and intersected the message id's index
    // with every entry of the campaign's in an index on (campaign,
    // updated_at), since dropped: a cost that grew with the campaign for
    // every report. The match by message id alone probes its index.
    let Some(server) = server() else { return };
    let mut client = journal_schema(&server);
    client
        .batch_execute(&format!(
            "SET plan_cache_mode = force_custom_plan;
             INSERT INTO recipients (campaign, phone, line, digest, state, message_id, planned_run, updated_at)
             SELECT 'c', n, n, '\\x00', 'sent', 'm' || n, 1, '2026-11-29T10:00:00Z'
             FROM generate_series(1, 20000) AS n;
             PREPARE by_id AS {};",
            super::pg_delivery_writer::KEPT_OR_BY_ID
        ))
        .unwrap();
    let plan = explained(&mut client, "EXECUTE by_id ('m777', 'delivered')");
    assert!(
        plan.iter().any(|line| line.contains("recipients_message"))
            && !plan
                .iter()
                .any(|line| line.contains("Seq Scan") || line.contains("BitmapAnd")),
        "{plan:#?}"
    );
}

#[test]
fn a_run_that_wrote_ten_thousand_recipient_rows_ends_with_the_planner_counting_them_and_vacuumed() {
    // Without autovacuum (or before its next round) the planner would go on
    // taking the campaign for the small table it was, and join a million
    // recipients with their deliveries by a nested loop. apply stages on a
    // journal of its own and sends through another, which ends the run: the
    // sends' updates must count there.
    let Some(server) = server() else { return };
    let location = server.location();
    let state = StateLocation::Postgres(Box::new(location.clone()));
    let mut client = location.connect().unwrap();
    let planned = |client: &mut postgres::Client| -> f32 {
        client
            .query_one(
                "SELECT reltuples FROM pg_class WHERE oid = 'recipients'::regclass",
                &[],
            )
            .unwrap()
            .get(0)
    };
    let vacuums = |client: &mut postgres::Client| -> i64 {
        client
            .query_one(
                "SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'recipients'::regclass",
                &[],
            )
            .unwrap()
            .get(0)
    };
    let a = MessageDigest::of_bytes(b"a");
    let stage_and_send = |from: u64, count: u64| {
        let mut journal = open(&state, "c").unwrap();
        let run = journal.begin_run().unwrap();
        let mut staging = open(&state, "c").unwrap();
        let mut stage = staging.stage(run, Requeue::default()).unwrap();
        for n in from..from + count {
            stage.recipient(phone(n), n + 2, &a, "{}").unwrap();
        }
        stage.publish().unwrap();
        drop(stage);
        drop(staging);
        let phones: Vec<Phone> = (from..from + count).map(phone).collect();
        journal.write(&sent(phones, "m")).unwrap();
        journal.finish_run(run, "finished").unwrap();
    };
    // 4,000 sends: 8,000 rows written by the sending journal.
    stage_and_send(0, 4_000);
    assert!(
        planned(&mut client) < 4_000.0,
        "fewer than 10,000 rows written leave the statistics to autovacuum"
    );
    assert_eq!(vacuums(&mut client), 0);
    // 5,000 more: 10,000 rows written.
    stage_and_send(4_000, 5_000);
    assert_eq!(planned(&mut client), 9_000.0);
    // And the row versions the run's updates left are reclaimed with it.
    assert_eq!(
        vacuums(&mut client),
        1,
        "one vacuum, at the end of the large run"
    );
}

#[test]
fn the_packed_read_of_the_campaigns_recipients_matches_the_read_row_by_row() {
    // Beyond one value's 1 GB the server refuses the packed read and the
    // rows are read one by one: both must know the same recipients.
    let Some(server) = server() else { return };
    let location = server.location();
    let state = StateLocation::Postgres(Box::new(location.clone()));
    let mut journal = open(&state, "c").unwrap();
    let run = journal.begin_run().unwrap();
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    let digests: Vec<MessageDigest> = (0..5)
        .map(|n| MessageDigest::of_bytes(format!("message {n}").as_bytes()))
        .collect();
    for (n, digest) in digests.iter().enumerate() {
        stage
            .recipient(phone(n as u64), n as u64 + 2, digest, "{}")
            .unwrap();
    }
    stage.publish().unwrap();
    drop(stage);
    let phones: Vec<Phone> = (0..4).map(phone).collect();
    let outcome = |n: u64, state: State| Outcome {
        phone: phone(n),
        state,
        message_id: Some(format!("m{n}")),
        http_status: Some(201),
        error: None,
    };
    journal
        .write(&[
            Change::InFlight(phones),
            Change::Outcomes(vec![
                outcome(0, State::Sent),
                outcome(1, State::Failed),
                outcome(2, State::Unknown),
            ]),
        ])
        .unwrap();
    let mut client = location.connect().unwrap();
    let packed = super::pg_known::known(&mut client, "c").unwrap();
    let by_rows = super::pg_known::by_rows(&mut client, "c").unwrap();
    assert_eq!(packed.len(), 5);
    assert_eq!(by_rows.len(), 5);
    for (n, digest) in digests.iter().enumerate() {
        let number = phone(n as u64);
        assert_eq!(packed.facts(number, digest), by_rows.facts(number, digest));
        assert_eq!(
            packed.facts(number, &digests[(n + 1) % 5]),
            by_rows.facts(number, &digests[(n + 1) % 5])
        );
    }
    let state = |n| packed.state(phone(n));
    assert_eq!(
        (0..5).map(state).collect::<Vec<_>>(),
        [
            State::Sent,
            State::Failed,
            State::Unknown,
            State::InFlight,
            State::Pending
        ]
        .map(Some)
    );
    assert!(
        super::pg_known::known(&mut client, "nobody")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_report_s_rows_come_whole_and_a_visitor_s_error_stops_them() {
    // Every recipient and skipped row must arrive once; a visitor's error
    // (a full disk under the report) must stop the reading, come back as
    // it was, and leave the connection usable.
    let Some(server) = server() else { return };
    let state = StateLocation::Postgres(Box::new(server.location()));
    let mut journal = open(&state, "c").unwrap();
    let run = journal.begin_run().unwrap();
    let digest = MessageDigest::of_bytes(b"a");
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    let recipients = 2 * 4_096 + 1;
    for n in 0..recipients {
        stage.recipient(phone(n), n + 2, &digest, "{}").unwrap();
    }
    stage.publish().unwrap();
    drop(stage);
    let skipped: Vec<SkippedRow> = (0..3)
        .map(|n| SkippedRow {
            line: recipients + 2 + n,
            phone: None,
            reason: format!("reason {n}"),
        })
        .collect();
    journal.replace_skipped(run, &skipped).unwrap();
    let mut lines = Vec::new();
    journal
        .report_rows(&mut |row| {
            lines.push((row.line, row.state));
            Ok(())
        })
        .unwrap();
    lines.sort();
    let expected: Vec<(u64, State)> = (0..recipients)
        .map(|n| (n + 2, State::Pending))
        .chain(skipped.iter().map(|s| (s.line, State::Skipped)))
        .collect();
    assert_eq!(lines, expected);

    let mut seen = 0;
    let error = journal
        .report_rows(&mut |_| {
            seen += 1;
            match seen {
                5_000 => anyhow::bail!("the disk is full"),
                _ => Ok(()),
            }
        })
        .unwrap_err();
    assert_eq!(error.to_string(), "the disk is full");
    assert_eq!(seen, 5_000, "no row is visited after the error");
    // The connection is still usable after the reading stopped.
    assert_eq!(journal.counts().unwrap().pending, recipients);
}
