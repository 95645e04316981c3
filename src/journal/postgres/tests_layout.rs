//! What version 6 of the PostgreSQL layout promises: deliveries moved into
//! their recipients' rows with nothing lost or invented; and a run's end
//! letting go of the bodies sent, without racing another campaign's
//! staging or sending, whether it may truncate or not; and a journal at
//! this version opened by a role that may not create in its schema.

use super::tests::{Schemas, sent, server};
use crate::journal::{Delivery, DeliveryState, Report, Requeue, StateLocation, open};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use std::time::Duration;

fn phone(n: u64) -> Phone {
    Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap()
}

/// A schema at version 5 (deliveries in a table of their own) holding two
/// sent recipients of campaign `c`, each with a delivery: the first under
/// the recipient's message id, the second under another (a report matched
/// by number after an uncertain send).
fn version_5_with_deliveries(server: &mut Schemas) -> super::PgLocation {
    let location = server.location();
    let mut client = location.connect().unwrap();
    super::pg_schema::migrate(&mut client, &location, &super::pg_schema::MIGRATIONS[..5]).unwrap();
    let (first, second) = (phone(1).as_u64() as i64, phone(2).as_u64() as i64);
    client
        .execute(
            "INSERT INTO recipients (campaign, phone, line, digest, state, message_id, attempts,
                 http_status, planned_run, sent_digest, updated_at, reported)
             VALUES ('c', $1, 2, '\\x00', 'sent', 'm1', 1, 201, 1, '\\x00', '2026-05-02T18:40:00Z', 48),
                    ('c', $2, 3, '\\x00', 'sent', 'm2', 1, 201, 1, '\\x00', '2026-05-02T18:40:01Z', 0)",
            &[&first, &second],
        )
        .unwrap();
    client
        .execute(
            "INSERT INTO deliveries (campaign, phone, message_id, delivery_state, rank,
                 delivered_at, read_at, failed_at, failure_details, updated_at)
             VALUES ('c', $1, 'm1', 'READ', 6, '2026-05-02T18:41:00Z', '2026-05-02T18:42:00.5+02:00',
                     NULL, NULL, '2026-05-02T18:42:01Z'),
                    ('c', $2, 'other', 'FAILED', 4, NULL, NULL, '2026-05-02T18:41:30Z',
                     'number not on WhatsApp', '2026-05-02T18:41:31Z')",
            &[&first, &second],
        )
        .unwrap();
    location
}

#[test]
fn version_5_deliveries_move_into_their_recipients_rows_unchanged() {
    let Some(mut server) = server() else { return };
    let location = version_5_with_deliveries(&mut server);
    let journal = open(&StateLocation::Postgres(Box::new(location.clone())), "c").unwrap();
    assert_eq!(
        journal.delivery_of(phone(1)).unwrap(),
        Some(Delivery {
            message_id: "m1".into(),
            delivery_state: "READ".into(),
            delivered_at: Some("2026-05-02T18:41:00Z".into()),
            read_at: Some("2026-05-02T18:42:00.5+02:00".into()),
            failure_details: None,
        })
    );
    assert_eq!(
        journal.delivery_of(phone(2)).unwrap(),
        Some(Delivery {
            message_id: "other".into(),
            delivery_state: "FAILED".into(),
            delivered_at: None,
            read_at: None,
            failure_details: Some("number not on WhatsApp".into()),
        })
    );
    let summary = journal.delivery_summary().unwrap();
    assert_eq!(
        (
            summary.funnel.delivered,
            summary.funnel.read,
            summary.funnel.failed
        ),
        (1, 1, 1)
    );
    let mut client = location.connect().unwrap();
    let layout: Vec<(String, String)> = client
        .query(
            "SELECT table_name::text, table_type::text FROM information_schema.tables
             WHERE table_schema = $1 AND table_name IN ('deliveries', 'recipients') ORDER BY 1",
            &[&location.schema()],
        )
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(
        layout,
        [
            ("deliveries".to_owned(), "VIEW".to_owned()),
            ("recipients".to_owned(), "BASE TABLE".to_owned())
        ]
    );
    let reached_index: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = $1 AND indexname = 'recipients_reached'",
            &[&location.schema()],
        )
        .unwrap()
        .get(0);
    assert_eq!(reached_index, 0);
}

#[test]
fn a_delivery_without_its_recipient_stops_the_migration_and_nothing_moves() {
    let Some(mut server) = server() else { return };
    let location = version_5_with_deliveries(&mut server);
    let schema = location.schema().to_owned();
    server
        .admin()
        .batch_execute(&format!(
            "DELETE FROM \"{schema}\".recipients WHERE line = 3"
        ))
        .unwrap();
    let error = match open(&StateLocation::Postgres(Box::new(location.clone())), "c") {
        Ok(_) => panic!("the migration went on without the delivery's recipient"),
        Err(error) => format!("{error:#}"),
    };
    assert!(
        error.contains("the journal holds deliveries of recipients it has no record of"),
        "{error}"
    );
    let admin = server.admin();
    let (version, deliveries): (i32, i64) = admin
        .query_one(
            &format!(
                "SELECT (SELECT MAX(version) FROM \"{schema}\".wacast_schema_version),
                        (SELECT COUNT(*) FROM \"{schema}\".deliveries)"
            ),
            &[],
        )
        .map(|row| (row.get(0), row.get(1)))
        .unwrap();
    assert_eq!((version, deliveries), (5, 2));
}

#[test]
fn a_pushed_sqlite_journal_s_deliveries_land_in_their_recipients_rows() {
    let Some(server) = server() else { return };
    let folder = tempfile::tempdir().unwrap();
    let sqlite = StateLocation::Folder(folder.path().to_owned());
    // Recipients 1 to 3 sent (message ids `c-` and the number), 0 pending.
    stage_and_send(&sqlite, "c", 4, 3);
    let mut journal = open(&sqlite, "c").unwrap();
    for (n, progress, word) in [
        (1, DeliveryState::Read, "read"),
        (2, DeliveryState::Failed, "failed"),
    ] {
        journal
            .record_report(&Report {
                campaign: Some("c".into()),
                message_id: format!("c-{}", phone(n).as_u64()),
                recipient: Some(phone(n)),
                state: word.into(),
                progress,
                details: (progress == DeliveryState::Failed).then(|| "expired".into()),
                timestamp: Some("2026-11-21T10:00:01.250+01:00".into()),
            })
            .unwrap();
    }
    let expected: Vec<_> = (1..=3)
        .map(|n| journal.delivery_of(phone(n)).unwrap())
        .collect();
    assert!(expected[0].is_some() && expected[1].is_some() && expected[2].is_none());
    drop(journal);
    let location = server.location();
    crate::journal::state_push::push(folder.path(), &location).unwrap();
    let pushed = open(&StateLocation::Postgres(Box::new(location)), "c").unwrap();
    let found: Vec<_> = (1..=3)
        .map(|n| pushed.delivery_of(phone(n)).unwrap())
        .collect();
    assert_eq!(found, expected);
}

/// Stages `count` recipients of `campaign`, each with a body of its own,
/// and sends the last `sent` of them in a run that then ends.
fn stage_and_send(state: &StateLocation, campaign: &str, count: u64, sent_count: u64) {
    let body = |n: u64| format!("{{\"campaign\":\"{campaign}\",\"n\":{n}}}");
    let mut journal = open(state, campaign).unwrap();
    let run = journal.begin_run().unwrap();
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    for n in 0..count {
        let body = body(n);
        stage
            .recipient(
                phone(n),
                n + 2,
                &MessageDigest::of_bytes(body.as_bytes()),
                &body,
            )
            .unwrap();
    }
    stage.publish().unwrap();
    drop(stage);
    let phones = (count - sent_count..count).map(phone).collect();
    journal
        .write(&sent(phones, &format!("{campaign}-")))
        .unwrap();
    journal.finish_run(run, "finished").unwrap();
}

/// The table's file and its key's size, and the bodies it holds.
fn bodies_table(location: &super::PgLocation) -> (u32, i64, i64) {
    let mut client = location.connect().unwrap();
    let row = client
        .query_one(
            "SELECT pg_relation_filenode('messages')::oid, pg_relation_size('messages_pkey'),
                 (SELECT COUNT(*) FROM messages)",
            &[],
        )
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

#[test]
fn a_campaign_s_last_run_leaves_a_compact_bodies_table_with_those_still_to_send() {
    let Some(server) = server() else { return };
    let location = server.location();
    let state = StateLocation::Postgres(Box::new(location.clone()));
    stage_and_send(&state, "c", 12_001, 0);
    let (staged, staged_key, _) = bodies_table(&location);
    let mut journal = open(&state, "c").unwrap();
    let run = journal.begin_run().unwrap();
    let phones = (1..12_001).map(phone).collect();
    journal.write(&sent(phones, "c-")).unwrap();
    journal.finish_run(run, "finished").unwrap();
    let (rebuilt, key, bodies) = bodies_table(&location);
    assert_ne!(rebuilt, staged, "the table is a new one");
    assert!(
        key <= 2 * 8192 && staged_key > 50 * 8192,
        "its key shrank from {staged_key} to {key} bytes"
    );
    assert_eq!(bodies, 1);
    let left = journal.pending(1, 0, 10).unwrap();
    assert_eq!(
        left.iter()
            .map(|row| (row.phone, row.body.as_str()))
            .collect::<Vec<_>>(),
        [(phone(0), "{\"campaign\":\"c\",\"n\":0}")],
        "the one still to send is sent with its body"
    );
}

#[test]
fn a_run_s_end_that_keeps_most_bodies_deletes_the_rest_in_place() {
    let Some(server) = server() else { return };
    let location = server.location();
    let state = StateLocation::Postgres(Box::new(location.clone()));
    stage_and_send(&state, "a", 100, 0);
    let (before, _, _) = bodies_table(&location);
    stage_and_send(&state, "b", 10, 10);
    let (after, _, bodies) = bodies_table(&location);
    assert_eq!((after, bodies), (before, 100));
}

#[test]
fn a_role_that_may_not_truncate_still_lets_go_of_the_bodies_sent() {
    let Some(mut server) = server() else { return };
    let (location, state, dropped) =
        made_then_seen_as(&mut server, "wacast_no_truncate", "USAGE, CREATE");
    stage_and_send(&state, "c", 2_000, 1_999);
    let (_, _, bodies) = bodies_table(&location);
    assert_eq!(bodies, 1, "deleted row by row");
    drop(dropped);
}

#[test]
fn a_role_without_create_on_the_schema_sends_through_a_journal_another_made() {
    let Some(mut server) = server() else { return };
    let (_, state, dropped) = made_then_seen_as(&mut server, "wacast_no_create", "USAGE");
    stage_and_send(&state, "c", 10, 10);
    let counts = open(&state, "c").unwrap().counts().unwrap();
    assert_eq!((counts.sent, counts.pending), (10, 0));
    drop(dropped);
}

/// A journal made by the test's own role, for campaign `c`, and the same
/// journal as seen by a new login role named `name` and the schema, with
/// `schema_rights` on the schema and the rights to read and write its
/// tables (never to own, truncate or alter them); with the guard that drops
/// the role.
fn made_then_seen_as(
    server: &mut Schemas,
    name: &str,
    schema_rights: &str,
) -> (super::PgLocation, StateLocation, DropRole) {
    let location = server.location();
    drop(open(&StateLocation::Postgres(Box::new(location.clone())), "c").unwrap());
    let schema = location.schema().to_owned();
    let role = format!("{name}_{schema}");
    let dropped = DropRole(std::env::var(super::tests::VARIABLE).unwrap(), role.clone());
    server
        .admin()
        .batch_execute(&format!(
            "CREATE ROLE \"{role}\" LOGIN;
             GRANT {schema_rights} ON SCHEMA \"{schema}\" TO \"{role}\";
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"{schema}\" TO \"{role}\";
             GRANT USAGE ON ALL SEQUENCES IN SCHEMA \"{schema}\" TO \"{role}\";"
        ))
        .unwrap();
    let url = std::env::var(super::tests::VARIABLE).unwrap();
    let rest = url
        .split_once('@')
        .map_or_else(|| url.trim_start_matches("postgres://"), |(_, rest)| rest);
    let separator = if rest.contains('?') { '&' } else { '?' };
    let as_role = super::PgLocation::parse(&format!(
        "postgres://{role}@{rest}{separator}schema={schema}"
    ))
    .unwrap();
    (
        location,
        StateLocation::Postgres(Box::new(as_role)),
        dropped,
    )
}

/// Drops the role on the server of the URL, whatever the test's end.
struct DropRole(String, String);

impl Drop for DropRole {
    fn drop(&mut self) {
        if let Ok(mut client) = super::PgLocation::parse(&self.0).unwrap().connect() {
            let _ = client.batch_execute(&format!(
                "DROP OWNED BY \"{0}\"; DROP ROLE IF EXISTS \"{0}\"",
                self.1
            ));
        }
    }
}

/// Work named for the assertion that it waited.
type Named = (&'static str, Box<dyn FnOnce() + Send>);

/// Runs each of `work` on a thread of its own while the test holds the
/// bodies' lock (`shared`, or alone), and asserts that each waits until the
/// test lets go of it; then waits for them all.
fn each_waits_for_the_lock(server: &mut Schemas, key: i64, shared: bool, work: Vec<Named>) {
    let kind = if shared { "_shared" } else { "" };
    server
        .admin()
        .execute(&format!("SELECT pg_advisory_lock{kind}($1)"), &[&key])
        .unwrap();
    let running: Vec<_> = work
        .into_iter()
        .map(|(what, work)| (what, std::thread::spawn(work)))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    for (what, thread) in &running {
        assert!(
            !thread.is_finished(),
            "{what} went on while the lock was held"
        );
    }
    server
        .admin()
        .execute(&format!("SELECT pg_advisory_unlock{kind}($1)"), &[&key])
        .unwrap();
    for (_, thread) in running {
        thread.join().unwrap();
    }
}

#[test]
fn staging_sending_and_a_run_s_end_letting_go_of_bodies_wait_for_each_other() {
    let Some(mut server) = server() else { return };
    let location = server.location();
    let state = StateLocation::Postgres(Box::new(location.clone()));
    stage_and_send(&state, "a", 3, 0);
    let key = super::pg_bodies::key(location.schema());
    // Staging or a pending read under way holds the key shared: the run's
    // end waits for it.
    let ended = state.clone();
    each_waits_for_the_lock(
        &mut server,
        key,
        true,
        vec![(
            "the run's end",
            Box::new(move || stage_and_send(&ended, "b", 2, 2)),
        )],
    );
    // A run's end under way holds it alone: staging and pending reads wait.
    let (staged, read) = (state.clone(), state.clone());
    each_waits_for_the_lock(
        &mut server,
        key,
        false,
        vec![
            (
                "staging",
                Box::new(move || stage_and_send(&staged, "c", 1, 0)),
            ),
            (
                "a pending read",
                Box::new(move || {
                    assert_eq!(
                        open(&read, "a").unwrap().pending(1, 0, 10).unwrap().len(),
                        3
                    );
                }),
            ),
        ],
    );
    let (_, _, bodies) = bodies_table(&location);
    assert_eq!(
        bodies,
        3 + 1,
        "a's three and c's one, still to send; b's two sent"
    );
}

#[test]
fn a_push_waits_for_a_run_s_end_letting_go_of_bodies() {
    let Some(mut server) = server() else { return };
    let folder = tempfile::tempdir().unwrap();
    // One recipient staged and never sent: its body travels with it.
    stage_and_send(&StateLocation::Folder(folder.path().to_owned()), "p", 1, 0);
    let location = server.location();
    drop(open(&StateLocation::Postgres(Box::new(location.clone())), "c").unwrap());
    let key = super::pg_bodies::key(location.schema());
    let (from, to) = (folder.path().to_owned(), location.clone());
    each_waits_for_the_lock(
        &mut server,
        key,
        false,
        vec![(
            "the push",
            Box::new(move || {
                crate::journal::state_push::push(&from, &to).unwrap();
            }),
        )],
    );
    let run: i64 = location
        .connect()
        .unwrap()
        .query_one("SELECT id FROM runs WHERE campaign = 'p'", &[])
        .unwrap()
        .get(0);
    let pushed = open(&StateLocation::Postgres(Box::new(location)), "p").unwrap();
    let pending = pushed.pending(run, 0, 10).unwrap();
    assert_eq!(
        pending.len(),
        1,
        "the pushed recipient is read with its body"
    );
}
