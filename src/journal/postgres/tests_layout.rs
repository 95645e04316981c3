//! What version 6 of the PostgreSQL layout promises: deliveries moved into
//! their recipients' rows with nothing lost or invented.

use super::tests::{Schemas, sent, server};
use crate::journal::{Delivery, DeliveryState, Report, Requeue, StateLocation, open};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;

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
    let mut journal = open(&sqlite, "c").unwrap();
    let run = journal.begin_run().unwrap();
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    for n in 1..=3 {
        let body = format!("{{\"n\":{n}}}");
        stage
            .recipient(
                phone(n),
                n + 1,
                &MessageDigest::of_bytes(body.as_bytes()),
                &body,
            )
            .unwrap();
    }
    stage.publish().unwrap();
    drop(stage);
    journal
        .write(&sent((1..=3).map(phone).collect(), "m"))
        .unwrap();
    journal.finish_run(run, "finished").unwrap();
    for (n, progress, word) in [
        (1, DeliveryState::Read, "read"),
        (2, DeliveryState::Failed, "failed"),
    ] {
        journal
            .record_report(&Report {
                campaign: Some("c".into()),
                message_id: format!("m{}", phone(n).as_u64()),
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
