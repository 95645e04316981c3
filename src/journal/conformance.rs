//! The journal's contract as tests, written once against the traits and run
//! for every backend, after Terraform's `backend/testing.go`: a backend's own
//! test module calls [`run_all`] with a [`Factory`] that hands out fresh,
//! empty state locations. Provider words in reports here are made up: the
//! journal carries them and ranks by [`DeliveryState`] alone.

use crate::journal::{
    Applied, Backend, CampaignHistory, Change, DeliveryState, KnownRecipients, OptOutRecord,
    Outcome, PendingRow, RecipientFacts, Report, Requeue, SkippedRow, State, StateLocation,
    Unreadable, open, open_view,
};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;

/// Hands out state locations for the suite.
pub trait Factory {
    /// A location no test used before, holding no journal.
    fn fresh(&self) -> StateLocation;
}

/// Runs every conformance test against the backend `factory` locates.
pub fn run_all(factory: &dyn Factory) {
    staging_publishes_in_chunks_and_keeps_earlier_states(factory);
    a_stage_requeues_what_it_is_asked_to(factory);
    pending_pages_in_audience_order(factory);
    a_write_commits_its_changes_together(factory);
    in_flight_after_a_crash_becomes_unknown_and_can_be_sent_again(factory);
    a_runs_end_keeps_the_bodies_of_whoever_is_still_to_send(factory);
    counts_and_report_rows_hold_every_row_with_its_delivery(factory);
    delivery_states_only_move_forward_and_duplicates_change_nothing(factory);
    a_report_reconciles_an_unknown_send_and_unmatched_ones_are_orphans(factory);
    every_report_seen_before_is_a_duplicate(factory);
    a_foreign_report_changes_no_settled_recipient(factory);
    a_failed_callback_is_rolled_back_alone(factory);
    opt_outs_and_inbound_messages_are_recorded_once(factory);
    an_opt_out_of_any_campaign_is_never_requeued(factory);
    a_delivery_writer_knows_the_campaigns_with_runs_or_recipients(factory);
    unreadable_entries_are_kept_once_and_shown_newest_first(factory);
    the_summary_shows_the_funnel_and_what_is_uncertain(factory);
    the_view_gives_each_recipients_facts_and_never_creates_a_journal(factory);
    the_message_sent_is_remembered_when_a_recipient_is_put_back_and_planned_anew(factory);
    a_second_apply_is_refused_until_the_first_lets_go(factory);
    the_history_counts_runs_that_sent_and_the_rows_they_left(factory);
    a_renamed_campaign_carries_its_journal_over(factory);
    a_sender_reaches_each_number_once_across_campaigns(factory);
}

fn phone(n: u64) -> Phone {
    Phone::from_digits(&(447_400_000_000 + n).to_string()).unwrap()
}

fn digest(text: &str) -> MessageDigest {
    MessageDigest::of_bytes(text.as_bytes())
}

fn outcome(n: u64, state: State, id: Option<&str>) -> Outcome {
    Outcome {
        phone: phone(n),
        state,
        message_id: id.map(str::to_owned),
        http_status: None,
        error: None,
    }
}

/// How many recipients of `run` are waiting to be sent.
pub fn pending_count(journal: &dyn Backend, run: i64) -> usize {
    journal.pending(run, 0, 1_000_000).unwrap().len()
}

/// Plans recipients `numbers` (recipient `n` on line `n + 1`) with message `a`.
fn planned(location: &StateLocation, numbers: &[u64]) -> (Box<dyn Backend>, i64) {
    planned_as(location, "c", numbers)
}

/// As [`planned`], for the campaign `campaign`.
fn planned_as(
    location: &StateLocation,
    campaign: &str,
    numbers: &[u64],
) -> (Box<dyn Backend>, i64) {
    let mut journal = open(location, campaign).unwrap();
    let run = journal.begin_run().unwrap();
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    for &n in numbers {
        stage
            .recipient(phone(n), n + 1, &digest("a"), "{\"a\":1}")
            .unwrap();
    }
    stage.publish().unwrap();
    drop(stage);
    (journal, run)
}

/// Recipients 1 (sent as `m1`) and 2 (`unknown`).
fn sent_and_unknown(location: &StateLocation) -> Box<dyn Backend> {
    sent_and_unknown_in_run(location).0
}

/// As [`sent_and_unknown`], with the run that planned them.
fn sent_and_unknown_in_run(location: &StateLocation) -> (Box<dyn Backend>, i64) {
    let (mut journal, run) = planned(location, &[1, 2]);
    journal.mark_in_flight(&[phone(1), phone(2)]).unwrap();
    journal
        .record(&[
            outcome(1, State::Sent, Some("m1")),
            outcome(2, State::Unknown, None),
        ])
        .unwrap();
    (journal, run)
}

/// Plans recipients 1–4: 1 is sent as `m1`, 2 failed, 3 in flight, 4 pending.
fn one_of_each(location: &StateLocation) -> Box<dyn Backend> {
    let (mut journal, _) = planned(location, &[1, 2, 3, 4]);
    journal
        .mark_in_flight(&[phone(1), phone(2), phone(3)])
        .unwrap();
    journal
        .record(&[
            outcome(1, State::Sent, Some("m1")),
            outcome(2, State::Failed, None),
        ])
        .unwrap();
    journal
}

/// A report of `progress` for message `id` of recipient `n`, in words no
/// provider uses; later states carry later timestamps.
fn report(id: &str, n: u64, progress: DeliveryState) -> Report {
    let word = format!("{progress:?}").to_lowercase();
    Report {
        campaign: Some("c".into()),
        message_id: id.into(),
        recipient: Some(phone(n)),
        details: (progress == DeliveryState::Failed).then(|| "expired".into()),
        timestamp: Some(format!("2026-11-21T10:00:0{}Z", progress.rank())),
        state: word,
        progress,
    }
}

pub fn staging_publishes_in_chunks_and_keeps_earlier_states(factory: &dyn Factory) {
    let location = factory.fresh();
    let mut journal = open(&location, "c").unwrap();
    let run = journal.begin_run().unwrap();
    let (a, b) = (digest("a"), digest("b"));
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    stage.recipient(phone(1), 2, &a, "{\"a\":1}").unwrap();
    assert_eq!(stage.unpublished(), 1);
    stage.publish().unwrap();
    assert_eq!(stage.unpublished(), 0);
    stage.recipient(phone(2), 5, &a, "{\"a\":1}").unwrap();
    drop(stage);
    assert_eq!(
        journal.counts().unwrap().pending,
        1,
        "what was published stays; what was not is dropped with the stage"
    );
    journal
        .replace_skipped(
            run,
            &[SkippedRow {
                line: 6,
                phone: None,
                reason: "no number".into(),
            }],
        )
        .unwrap();
    assert_eq!(journal.counts().unwrap().skipped, 1);
    journal.mark_in_flight(&[phone(1)]).unwrap();
    journal
        .record(&[outcome(1, State::Sent, Some("01X"))])
        .unwrap();
    let second = journal.begin_run().unwrap();
    let mut stage = journal.stage(second, Requeue::default()).unwrap();
    stage.recipient(phone(1), 2, &b, "{\"b\":1}").unwrap();
    stage.recipient(phone(2), 3, &b, "{\"b\":1}").unwrap();
    stage.publish().unwrap();
    drop(stage);
    journal.replace_skipped(second, &[]).unwrap();
    assert_eq!(
        journal.pending(second, 0, 10).unwrap(),
        vec![PendingRow {
            line: 3,
            phone: phone(2),
            digest: b,
            body: "{\"b\":1}".into()
        }],
        "sent stays sent; pending takes the new message"
    );
    let counts = journal.counts().unwrap();
    assert_eq!(
        (counts.sent, counts.pending, counts.skipped),
        (1, 1, 0),
        "a new plan's skipped rows replace the last's"
    );
}

/// `--resend-unknown` and `--retry-failed`: a stage puts the settled
/// recipients it names back to pending with the new message; without them
/// they keep their state.
pub fn a_stage_requeues_what_it_is_asked_to(factory: &dyn Factory) {
    let location = factory.fresh();
    let (mut journal, _) = planned(&location, &[1, 2, 3]);
    journal
        .mark_in_flight(&[phone(1), phone(2), phone(3)])
        .unwrap();
    journal
        .record(&[
            outcome(1, State::Unknown, None),
            outcome(2, State::Failed, None),
            outcome(3, State::Unknown, None),
        ])
        .unwrap();
    let b = digest("b");
    let stage_all = |journal: &mut Box<dyn Backend>, requeue| {
        let run = journal.begin_run().unwrap();
        let mut stage = journal.stage(run, requeue).unwrap();
        for n in [1, 2, 3] {
            stage.recipient(phone(n), n + 1, &b, "{\"b\":1}").unwrap();
        }
        stage.publish().unwrap();
        drop(stage);
        run
    };
    let run = stage_all(&mut journal, Requeue::default());
    assert_eq!(
        pending_count(journal.as_ref(), run),
        0,
        "no flag, no requeue"
    );
    let run = stage_all(
        &mut journal,
        Requeue {
            unknown: true,
            failed: false,
        },
    );
    let pending = journal.pending(run, 0, 10).unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|r| (r.phone, r.digest))
            .collect::<Vec<_>>(),
        [(phone(1), b), (phone(3), b)],
        "the unknown ones go again, with the new message"
    );
    let run = stage_all(
        &mut journal,
        Requeue {
            unknown: false,
            failed: true,
        },
    );
    assert_eq!(pending_count(journal.as_ref(), run), 3);
    assert_eq!(journal.counts().unwrap().failed, 0);
}

pub fn pending_pages_in_audience_order(factory: &dyn Factory) {
    let location = factory.fresh();
    let (mut journal, run) = planned(&location, &[5, 1, 4, 2, 3]);
    journal.mark_in_flight(&[phone(2)]).unwrap();
    let lines = |rows: Vec<PendingRow>| rows.iter().map(|r| r.line).collect::<Vec<_>>();
    assert_eq!(lines(journal.pending(run, 0, 2).unwrap()), [2, 4]);
    assert_eq!(lines(journal.pending(run, 4, 2).unwrap()), [5, 6]);
    assert_eq!(lines(journal.pending(run, 6, 2).unwrap()), [] as [u64; 0]);
    assert_eq!(pending_count(journal.as_ref(), run), 4);
    let reader = journal.reader().unwrap();
    assert_eq!(
        lines(reader.pending(run, 0, 10).unwrap()),
        [2, 4, 5, 6],
        "the reader sees what the writer committed"
    );
    assert_eq!(
        lines(journal.pending(run + 1, 0, 10).unwrap()),
        [] as [u64; 0]
    );
}

pub fn a_write_commits_its_changes_together(factory: &dyn Factory) {
    let location = factory.fresh();
    let (mut journal, run) = planned(&location, &[1, 2, 3]);
    journal
        .write(&[
            Change::InFlight(vec![phone(1), phone(2)]),
            Change::Outcomes(vec![
                outcome(1, State::Sent, Some("m1")),
                outcome(2, State::Failed, None),
            ]),
            Change::InFlight(vec![phone(3)]),
        ])
        .unwrap();
    let counts = journal.counts().unwrap();
    assert_eq!(
        (counts.sent, counts.failed, counts.in_flight, counts.pending),
        (1, 1, 1, 0)
    );
    journal
        .write(&[Change::Outcomes(vec![outcome(1, State::Unknown, None)])])
        .unwrap();
    assert_eq!(
        journal.counts().unwrap().sent,
        1,
        "a lost answer never unsends"
    );
    assert_eq!(journal.pending(run, 0, 10).unwrap(), []);
    let mut rows = Vec::new();
    journal
        .report_rows(&mut |row| {
            rows.push((row.line, row.attempts, row.message_id));
            Ok(())
        })
        .unwrap();
    rows.sort();
    assert_eq!(
        rows,
        [(2, 1, Some("m1".into())), (3, 1, None), (4, 1, None)]
    );
}

pub fn in_flight_after_a_crash_becomes_unknown_and_can_be_sent_again(factory: &dyn Factory) {
    let location = factory.fresh();
    let (mut journal, run) = planned(&location, &[1, 2]);
    journal.mark_in_flight(&[phone(1), phone(2)]).unwrap();
    journal.record(&[outcome(2, State::Failed, None)]).unwrap();
    drop(journal);
    let mut journal = open(&location, "c").unwrap();
    assert_eq!(journal.recover_in_flight().unwrap(), 1);
    assert_eq!(journal.recover_in_flight().unwrap(), 0);
    assert_eq!(journal.counts().unwrap().unknown, 1);
    let _ = run;
    let next = journal.begin_run().unwrap();
    let mut stage = journal
        .stage(
            next,
            Requeue {
                unknown: true,
                failed: false,
            },
        )
        .unwrap();
    stage
        .recipient(phone(1), 2, &digest("a"), "{\"a\":1}")
        .unwrap();
    stage.publish().unwrap();
    drop(stage);
    assert_eq!(
        (
            journal.counts().unwrap().pending,
            journal.counts().unwrap().failed
        ),
        (1, 1),
        "the unknown one can be sent again; the failed one was not asked for"
    );
    let other = open(&location, "d").unwrap();
    assert_eq!(other.counts().unwrap(), Default::default(), "per campaign");
}

/// A run's end may let go of the bodies of recipients that were sent, never
/// of those still to send: resumed, put back or staged again, each pending
/// recipient is sent its own message.
pub fn a_runs_end_keeps_the_bodies_of_whoever_is_still_to_send(factory: &dyn Factory) {
    let location = factory.fresh();
    let body = |n: u64| format!("{{\"n\":{n}}}");
    let stage_run = |journal: &mut Box<dyn Backend>, numbers: &[u64], requeue| {
        let run = journal.begin_run().unwrap();
        let mut stage = journal.stage(run, requeue).unwrap();
        for &n in numbers {
            stage
                .recipient(phone(n), n + 1, &digest(&body(n)), &body(n))
                .unwrap();
        }
        stage.publish().unwrap();
        drop(stage);
        run
    };
    let pending = |journal: &dyn Backend, run: i64| {
        let rows = journal.pending(run, 0, 10).unwrap();
        rows.into_iter()
            .map(|row| (row.phone, row.digest, row.body))
            .collect::<Vec<_>>()
    };
    let expected = |numbers: &[u64]| {
        numbers
            .iter()
            .map(|&n| (phone(n), digest(&body(n)), body(n)))
            .collect::<Vec<_>>()
    };
    let mut journal = open(&location, "c").unwrap();
    let run = stage_run(&mut journal, &[1, 2, 3, 4, 5], Requeue::default());
    journal
        .mark_in_flight(&[phone(1), phone(2), phone(3)])
        .unwrap();
    journal
        .record(&[
            outcome(1, State::Sent, Some("m1")),
            outcome(2, State::Failed, None),
            outcome(3, State::Unknown, None),
        ])
        .unwrap();
    journal.finish_run(run, "stopped: interrupted").unwrap();
    assert_eq!(pending(journal.as_ref(), run), expected(&[4, 5]), "resumed");
    let requeue = Requeue {
        unknown: true,
        failed: true,
    };
    let again = stage_run(&mut journal, &[2, 3, 4], requeue);
    assert_eq!(
        pending(journal.as_ref(), again),
        expected(&[2, 3, 4]),
        "put back and staged again"
    );
    journal.mark_in_flight(&[phone(2), phone(3)]).unwrap();
    journal
        .record(&[
            outcome(2, State::Sent, Some("m2")),
            outcome(3, State::Sent, Some("m3")),
        ])
        .unwrap();
    journal.finish_run(again, "finished").unwrap();
    assert_eq!(pending(journal.as_ref(), again), expected(&[4]));
}

pub fn counts_and_report_rows_hold_every_row_with_its_delivery(factory: &dyn Factory) {
    let location = factory.fresh();
    let mut journal = open(&location, "c").unwrap();
    let run = journal.begin_run().unwrap();
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    stage.recipient(phone(1), 2, &digest("a"), "{}").unwrap();
    stage.recipient(phone(2), 4, &digest("a"), "{}").unwrap();
    stage.publish().unwrap();
    drop(stage);
    journal
        .replace_skipped(
            run,
            &[
                SkippedRow {
                    line: 3,
                    phone: Some(phone(1)),
                    reason: "bad value".into(),
                },
                SkippedRow {
                    line: 5,
                    phone: None,
                    reason: "no number".into(),
                },
            ],
        )
        .unwrap();
    journal.mark_in_flight(&[phone(1)]).unwrap();
    journal
        .record(&[Outcome {
            http_status: Some(201),
            ..outcome(1, State::Sent, Some("m1"))
        }])
        .unwrap();
    journal
        .record_report(&report("m1", 1, DeliveryState::Delivered))
        .unwrap();
    let counts = journal.counts().unwrap();
    assert_eq!((counts.sent, counts.pending, counts.skipped), (1, 1, 2));
    let mut rows = Vec::new();
    journal
        .report_rows(&mut |row| {
            rows.push(row);
            Ok(())
        })
        .unwrap();
    // In no particular order: the report orders them.
    rows.sort_by_key(|row| row.line);
    let summary: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.line,
                r.state,
                r.http_status,
                r.error.as_deref(),
                r.delivery.as_ref().map(|d| d.delivery_state.as_str()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (2, State::Sent, Some(201), None, Some("delivered")),
            (
                3,
                State::Skipped,
                None,
                Some("bad value"),
                Some("delivered")
            ),
            (4, State::Pending, None, None, None),
            (5, State::Skipped, None, Some("no number"), None),
        ]
    );
    let delivery = rows[0].delivery.as_ref().unwrap();
    assert_eq!(delivery.message_id, "m1");
    assert_eq!(
        delivery.delivered_at.as_deref(),
        Some("2026-11-21T10:00:05Z")
    );
}

pub fn delivery_states_only_move_forward_and_duplicates_change_nothing(factory: &dyn Factory) {
    let location = factory.fresh();
    let mut journal = sent_and_unknown(&location);
    use DeliveryState as D;
    let applied: Vec<Applied> = [D::Read, D::Delivered, D::Sent, D::Read, D::Failed]
        .into_iter()
        .map(|state| journal.record_report(&report("m1", 1, state)).unwrap())
        .collect();
    use Applied::*;
    assert_eq!(applied, [Recorded, Recorded, Recorded, Duplicate, Recorded]);
    let delivery = journal.delivery_of(phone(1)).unwrap().unwrap();
    assert_eq!(delivery.delivery_state, "read");
    assert_eq!(delivery.read_at.as_deref(), Some("2026-11-21T10:00:06Z"));
    assert_eq!(
        delivery.delivered_at.as_deref(),
        Some("2026-11-21T10:00:05Z")
    );
    assert_eq!(delivery.failure_details.as_deref(), Some("expired"));
}

pub fn a_report_reconciles_an_unknown_send_and_unmatched_ones_are_orphans(factory: &dyn Factory) {
    let location = factory.fresh();
    let mut journal = sent_and_unknown(&location);
    let applied = journal
        .record_report(&report("m2", 2, DeliveryState::Accepted))
        .unwrap();
    assert_eq!(applied, Applied::Reconciled);
    assert_eq!(journal.counts().unwrap().sent, 2);
    assert_eq!(journal.counts().unwrap().unknown, 0);
    let next = journal
        .record_report(&report("m2", 2, DeliveryState::Delivered))
        .unwrap();
    assert_eq!(next, Applied::Recorded, "now matched by message id");
    let mut orphan = report("zz", 9, DeliveryState::Sent);
    orphan.campaign = None;
    assert_eq!(journal.record_report(&orphan).unwrap(), Applied::Orphan);
    assert_eq!(journal.record_report(&orphan).unwrap(), Applied::Duplicate);
    assert!(journal.delivery_of(phone(9)).unwrap().is_none());
    let summary = journal.delivery_summary().unwrap();
    assert_eq!((summary.reconciled, summary.orphans), (1, 1));
}

/// Whatever a report did (recorded, reconciled, orphan, a state no reader
/// knows), the same report again is a duplicate and changes nothing; a
/// recipient's new message id starts its reports afresh.
pub fn every_report_seen_before_is_a_duplicate(factory: &dyn Factory) {
    use Applied::*;
    use DeliveryState as D;
    let location = factory.fresh();
    let mut journal = sent_and_unknown(&location);
    let mut record = |report: &Report| journal.record_report(report).unwrap();
    let states = [
        D::Accepted,
        D::Submitted,
        D::Sent,
        D::Delivered,
        D::Read,
        D::Failed,
    ];
    for round in [Recorded, Duplicate] {
        for state in states {
            assert_eq!(record(&report("m1", 1, state)), round, "{state:?}");
        }
    }
    let paused = Report {
        state: "paused".into(),
        ..report("m1", 1, D::Unrecognised)
    };
    let resumed = Report {
        state: "resumed".into(),
        ..paused.clone()
    };
    assert_eq!(
        [record(&paused), record(&paused), record(&resumed)],
        [Recorded, Duplicate, Recorded],
        "states no reader knows are told apart by the provider's word"
    );
    let reconciling = report("m2", 2, D::Accepted);
    assert_eq!(
        [record(&reconciling), record(&reconciling)],
        [Reconciled, Duplicate]
    );
    let sent = report("m2", 2, D::Sent);
    assert_eq!([record(&sent), record(&sent)], [Recorded, Duplicate]);
    let mut orphan = report("zz", 9, D::Read);
    orphan.campaign = None;
    assert_eq!([record(&orphan), record(&orphan)], [Orphan, Duplicate]);
    let delivery = journal.delivery_of(phone(1)).unwrap().unwrap();
    assert_eq!(
        (
            delivery.delivery_state.as_str(),
            delivery.read_at.as_deref()
        ),
        ("read", Some("2026-11-21T10:00:06Z"))
    );
    journal
        .record(&[outcome(1, State::Sent, Some("m1-again"))])
        .unwrap();
    assert_eq!(
        journal
            .record_report(&report("m1-again", 1, D::Accepted))
            .unwrap(),
        Recorded,
        "a new message id starts afresh"
    );
    let summary = journal.delivery_summary().unwrap();
    assert_eq!((summary.reconciled, summary.orphans), (1, 1));
}

/// A report with a message id no recipient has, naming a number whose send
/// is not uncertain (pending, sent with its own id, failed), is an orphan and
/// changes no state; an in-flight send takes it.
pub fn a_foreign_report_changes_no_settled_recipient(factory: &dyn Factory) {
    let location = factory.fresh();
    let mut journal = one_of_each(&location);
    let before: Vec<_> = [1, 2, 4]
        .map(|n| journal.delivery_of(phone(n)).unwrap())
        .into();
    for n in [1, 2, 4] {
        let foreign = report(&format!("foreign-{n}"), n, DeliveryState::Delivered);
        assert_eq!(
            journal.record_report(&foreign).unwrap(),
            Applied::Orphan,
            "recipient {n}"
        );
    }
    let counts = journal.counts().unwrap();
    assert_eq!(
        (counts.sent, counts.failed, counts.pending, counts.in_flight),
        (1, 1, 1, 1)
    );
    let after: Vec<_> = [1, 2, 4]
        .map(|n| journal.delivery_of(phone(n)).unwrap())
        .into();
    assert_eq!(after, before, "no delivery was moved by a foreign report");
    let in_flight = journal
        .record_report(&report("m3", 3, DeliveryState::Sent))
        .unwrap();
    assert_eq!(
        in_flight,
        Applied::Recorded,
        "an in-flight send takes its report"
    );
    assert_eq!(journal.counts().unwrap().sent, 2);
    assert_eq!(journal.delivery_summary().unwrap().orphans, 3);
}

pub fn a_failed_callback_is_rolled_back_alone(factory: &dyn Factory) {
    let location = factory.fresh();
    let mut journal = sent_and_unknown(&location);
    let mut batch = journal.delivery_batch().unwrap();
    let before = batch.job(|w| w.inbound("in-before", None)).unwrap();
    let failed: anyhow::Result<()> = batch.job(|w| {
        w.report(&report("m2", 2, DeliveryState::Accepted))?;
        anyhow::bail!("the suppression file cannot be written")
    });
    let kept = batch
        .job(|w| w.report(&report("m1", 1, DeliveryState::Read)))
        .unwrap();
    batch.commit().unwrap();
    assert!(before && failed.is_err());
    assert_eq!(kept, Applied::Recorded);
    let mut again = journal.delivery_batch().unwrap();
    let seen_again = again.job(|w| w.inbound("in-before", None)).unwrap();
    again.commit().unwrap();
    assert!(
        !seen_again,
        "the callback before the failed one keeps its writes"
    );
    assert_eq!(
        journal.counts().unwrap().unknown,
        1,
        "nothing of it was kept"
    );
    assert_eq!(
        journal
            .delivery_of(phone(1))
            .unwrap()
            .unwrap()
            .delivery_state,
        "read"
    );
    assert_eq!(
        journal
            .record_report(&report("m2", 2, DeliveryState::Accepted))
            .unwrap(),
        Applied::Reconciled,
        "its retry is new"
    );
}

pub fn opt_outs_and_inbound_messages_are_recorded_once(factory: &dyn Factory) {
    let location = factory.fresh();
    let mut journal = sent_and_unknown(&location);
    let record = OptOutRecord {
        campaign: "c".into(),
        phone: phone(1),
        keyword: "STOP".into(),
        message_id: Some("in1".into()),
        file: None,
    };
    let mut batch = journal.delivery_batch().unwrap();
    let first = batch
        .job(|w| Ok((w.inbound("in1", Some(phone(1)))?, w.opt_out(&record)?)))
        .unwrap();
    let again = batch
        .job(|w| Ok((w.inbound("in1", Some(phone(1)))?, w.opt_out(&record)?)))
        .unwrap();
    let failed: anyhow::Result<()> = batch.job(|w| {
        w.inbound("in2", None)?;
        anyhow::bail!("the file cannot be written")
    });
    let campaigns = batch.job(|w| w.campaigns_of(phone(1))).unwrap();
    batch.commit().unwrap();
    assert_eq!((first, again), ((true, true), (false, false)));
    assert!(failed.is_err());
    assert_eq!(campaigns, ["c"]);
    let summary = journal.delivery_summary().unwrap();
    assert!(journal.opted_out(phone(1)).unwrap());
    assert!(!journal.opted_out(phone(2)).unwrap());
    assert_eq!(summary.opted_out, 1);
    assert_eq!(summary.opted_out_numbers, [phone(1)]);
    let mut batch = journal.delivery_batch().unwrap();
    let retried = batch.job(|w| w.inbound("in2", None)).unwrap();
    assert!(retried, "a failed job leaves nothing behind");
}

/// Every campaign's opt-outs are the journal's: listed for plans and
/// staging, and never put back to pending by `--resend-unknown`.
pub fn an_opt_out_of_any_campaign_is_never_requeued(factory: &dyn Factory) {
    let location = factory.fresh();
    let (mut journal, run) = sent_and_unknown_in_run(&location);
    assert_eq!(journal.opted_out_numbers().unwrap(), []);
    let requeue_unknown = |journal: &mut Box<dyn Backend>| {
        let next = journal.begin_run().unwrap();
        let mut stage = journal
            .stage(
                next,
                Requeue {
                    unknown: true,
                    failed: true,
                },
            )
            .unwrap();
        stage.recipient(phone(2), 3, &digest("a"), "{}").unwrap();
        stage.publish().unwrap();
        drop(stage);
        pending_count(journal.as_ref(), next)
    };
    let _ = run;
    let record = OptOutRecord {
        campaign: "another".into(),
        phone: phone(2),
        keyword: "STOP".into(),
        message_id: Some("in1".into()),
        file: None,
    };
    let mut batch = journal.delivery_batch().unwrap();
    assert!(batch.job(|w| w.opt_out(&record)).unwrap());
    batch.commit().unwrap();
    assert_eq!(journal.opted_out_numbers().unwrap(), [phone(2)]);
    let view = open_view(&location, "c").unwrap().unwrap();
    assert_eq!(view.opted_out_numbers().unwrap(), [phone(2)]);
    assert_eq!(requeue_unknown(&mut journal), 0);
    assert_eq!(journal.counts().unwrap().unknown, 1, "still unknown");
}

pub fn unreadable_entries_are_kept_once_and_shown_newest_first(factory: &dyn Factory) {
    let location = factory.fresh();
    let mut journal = sent_and_unknown(&location);
    let entry = |campaign: Option<&str>, n: u64| Unreadable {
        campaign: campaign.map(str::to_owned),
        reason: format!("missing field `recipient` ({n})"),
        json: format!(r#"{{"entry":{n}}}"#),
    };
    let entries: Vec<Unreadable> = (1..=7)
        .map(|n| entry(Some("c"), n))
        .chain([entry(None, 8), entry(Some("other"), 9)])
        .collect();
    let mut batch = journal.delivery_batch().unwrap();
    let kept = batch
        .job(|w| {
            entries
                .iter()
                .map(|e| w.unreadable(e))
                .collect::<anyhow::Result<Vec<bool>>>()
        })
        .unwrap();
    let again = batch.job(|w| w.unreadable(&entries[0])).unwrap();
    let failed: anyhow::Result<()> = batch.job(|w| {
        w.unreadable(&entry(Some("c"), 10))?;
        anyhow::bail!("the callback failed")
    });
    batch.commit().unwrap();
    assert_eq!(kept, [true; 9]);
    assert!(!again, "the same entry is kept once");
    assert!(failed.is_err());
    let summary = journal.delivery_summary().unwrap();
    assert_eq!(summary.unreadable, 8, "the campaign's and the unnamed ones");
    assert_eq!(
        summary.unreadable_latest.len(),
        crate::journal::delivery_summary::UNREADABLE_SHOWN
    );
    let first = &summary.unreadable_latest[0];
    assert!(first.reason.starts_with("missing field `recipient`"));
    assert!(first.json.starts_with(r#"{"entry":"#));
    assert!(!first.received_at.is_empty());
    assert!(
        summary
            .unreadable_latest
            .iter()
            .all(|seen| !seen.json.contains(":9}") && !seen.json.contains(":10}")),
        "neither another campaign's nor a rolled-back entry"
    );
}

pub fn the_summary_shows_the_funnel_and_what_is_uncertain(factory: &dyn Factory) {
    let location = factory.fresh();
    let (mut journal, run) = planned(&location, &[1, 2, 3, 4, 5]);
    journal
        .mark_in_flight(&[phone(1), phone(2), phone(3), phone(4), phone(5)])
        .unwrap();
    journal
        .record(&[
            outcome(1, State::Sent, Some("m1")),
            outcome(2, State::Sent, Some("m2")),
            outcome(3, State::Sent, Some("m3")),
            Outcome {
                error: Some("http 400".into()),
                ..outcome(4, State::Failed, None)
            },
            outcome(5, State::Unknown, None),
        ])
        .unwrap();
    for (id, n, state) in [
        ("m1", 1, DeliveryState::Read),
        ("m2", 2, DeliveryState::Failed),
        ("m3", 3, DeliveryState::Accepted),
    ] {
        journal.record_report(&report(id, n, state)).unwrap();
    }
    journal.finish_run(run, "finished").unwrap();
    let summary = journal.delivery_summary().unwrap();
    assert_eq!(
        (
            summary.funnel.sent,
            summary.funnel.delivered,
            summary.funnel.read,
            summary.funnel.failed,
            summary.funnel.awaiting
        ),
        (3, 1, 1, 1, 1)
    );
    assert_eq!(summary.send_failures[0].reason, "http 400");
    assert_eq!(summary.delivery_failures[0].reason, "expired");
    assert_eq!(summary.unknown_numbers, [phone(5)]);
    let last = summary.last_run.unwrap();
    assert_eq!((last.id, last.outcome.as_deref()), (run, Some("finished")));
    let view = open_view(&location, "c").unwrap().unwrap();
    assert_eq!(
        view.delivery_summary().unwrap(),
        journal.delivery_summary().unwrap(),
        "the read-only view reads the same"
    );
}

pub fn the_view_gives_each_recipients_facts_and_never_creates_a_journal(factory: &dyn Factory) {
    let location = factory.fresh();
    assert!(open_view(&location, "c").unwrap().is_none());
    assert!(
        open_view(&location, "c").unwrap().is_none(),
        "looking created nothing"
    );
    let _journal = one_of_each(&location);
    let known = open_view(&location, "c").unwrap().unwrap().known().unwrap();
    assert_facts(
        &known,
        &[
            (1, "a", State::Sent, true),
            (1, "b", State::Sent, false),
            (2, "a", State::Failed, false),
            (3, "a", State::InFlight, false),
            (4, "a", State::Pending, false),
        ],
    );
    assert_eq!(known.facts(phone(9), &digest("a")), None);
    assert_eq!(known.len(), 4);
    let other = open_view(&location, "d").unwrap().unwrap().known().unwrap();
    assert_eq!(other.facts(phone(1), &digest("a")), None);
    assert_eq!(other.len(), 0);
}

/// A recipient sent message `a`, then failed and put back by a stage with
/// another message, is still known as sent `a`, and a reconciled send as the
/// message it was planned.
pub fn the_message_sent_is_remembered_when_a_recipient_is_put_back_and_planned_anew(
    factory: &dyn Factory,
) {
    let location = factory.fresh();
    let (mut journal, run) = sent_and_unknown_in_run(&location);
    journal
        .record_report(&report("m2", 2, DeliveryState::Accepted))
        .unwrap();
    journal.mark_in_flight(&[phone(1)]).unwrap();
    journal.record(&[outcome(1, State::Failed, None)]).unwrap();
    let _ = run;
    let next = journal.begin_run().unwrap();
    let requeue = Requeue {
        unknown: false,
        failed: true,
    };
    let mut stage = journal.stage(next, requeue).unwrap();
    stage
        .recipient(phone(1), 2, &digest("b"), "{\"b\":1}")
        .unwrap();
    stage.publish().unwrap();
    drop(stage);
    let known = open_view(&location, "c").unwrap().unwrap().known().unwrap();
    assert_facts(
        &known,
        &[
            (1, "a", State::Pending, true),
            (1, "b", State::Pending, false),
            (2, "a", State::Sent, true),
        ],
    );
}

/// Each (recipient, message, state, whether it is the message sent) is
/// what `known` says.
fn assert_facts(known: &KnownRecipients, cases: &[(u64, &str, State, bool)]) {
    for &(n, message, state, same_message) in cases {
        assert_eq!(
            known.facts(phone(n), &digest(message)),
            Some(RecipientFacts {
                state,
                same_message
            }),
            "recipient {n}, message {message}"
        );
    }
}

pub fn a_second_apply_is_refused_until_the_first_lets_go(factory: &dyn Factory) {
    let location = factory.fresh();
    let mut first = open(&location, "c").unwrap();
    let mut second = open(&location, "c").unwrap();
    let held = first.lock().unwrap();
    let refused = second.lock().err().unwrap().to_string();
    assert!(
        refused.contains(&format!("pid {}", std::process::id())),
        "{refused}"
    );
    assert!(
        refused.contains("another apply of `c` is running"),
        "{refused}"
    );
    let mut elsewhere = open(&location, "d").unwrap();
    let _other_campaign = elsewhere.lock().unwrap();
    drop(held);
    second.lock().unwrap();
}

/// The runs and rows a campaign left, which tell a journal that lost its rows
/// from one that never ran it.
pub fn the_history_counts_runs_that_sent_and_the_rows_they_left(factory: &dyn Factory) {
    let location = factory.fresh();
    let (mut journal, run) = planned(&location, &[1, 2]);
    let history = |runs, sending_runs| CampaignHistory {
        runs,
        sending_runs,
        has_rows: true,
    };
    assert_eq!(
        journal.history().unwrap(),
        history(1, 0),
        "a running run proves nothing"
    );
    journal.finish_run(run, "finished").unwrap();
    for outcome in ["invalid", "stopped: interrupted"] {
        let run = journal.begin_run().unwrap();
        journal.finish_run(run, outcome).unwrap();
    }
    assert_eq!(journal.history().unwrap(), history(3, 2));
    let view = open_view(&location, "c").unwrap().unwrap();
    assert_eq!(view.history().unwrap(), history(3, 2));
    assert!(!view.history().unwrap().lost_rows());
    let other = open(&location, "other").unwrap();
    assert!(other.history().unwrap().is_empty());
}

/// A campaign is known to the journal once it has a run or a recipient.
pub fn a_delivery_writer_knows_the_campaigns_with_runs_or_recipients(factory: &dyn Factory) {
    let location = factory.fresh();
    let mut other = open(&location, "ran").unwrap();
    let run = other.begin_run().unwrap();
    other.finish_run(run, "invalid").unwrap();
    let mut journal = sent_and_unknown(&location);
    let mut batch = journal.delivery_batch().unwrap();
    let known = batch
        .job(|w| Ok(["c", "ran", "never"].map(|name| w.knows_campaign(name).unwrap())))
        .unwrap();
    batch.commit().unwrap();
    assert_eq!(known, [true, true, false]);
}

/// `renamed_from`: every record of the old name moves to the new one, once;
/// two histories are never merged.
pub fn a_renamed_campaign_carries_its_journal_over(factory: &dyn Factory) {
    let location = factory.fresh();
    let journal = sent_and_unknown(&location);
    let before = (journal.counts().unwrap(), journal.history().unwrap());
    drop(journal);
    let mut renamed = open(&location, "d").unwrap();
    assert!(renamed.carry_over("c").unwrap());
    assert_eq!(
        (renamed.counts().unwrap(), renamed.history().unwrap()),
        before
    );
    assert!(open(&location, "c").unwrap().history().unwrap().is_empty());
    let known = open_view(&location, "d").unwrap().unwrap().known().unwrap();
    assert_eq!(
        known.facts(phone(1), &digest("a")),
        Some(RecipientFacts {
            state: State::Sent,
            same_message: true
        })
    );
    assert!(!renamed.carry_over("c").unwrap(), "nothing left to move");
    let (_, _) = planned_as(&location, "c", &[7]);
    let both = renamed.carry_over("c").unwrap_err().to_string();
    assert!(both.contains("records of both `c` and `d`"), "{both}");
}

/// The messaging limit's count: unique numbers a sender reached (sent,
/// unknown or in flight; not failed) across the campaigns of one state, from
/// a time on; other senders' campaigns do not count.
pub fn a_sender_reaches_each_number_once_across_campaigns(factory: &dyn Factory) {
    let location = factory.fresh();
    let (mut first, _) = planned_as(&location, "c", &[1, 2, 3]);
    first.record_sender("p:account").unwrap();
    first
        .mark_in_flight(&[phone(1), phone(2), phone(3)])
        .unwrap();
    first
        .record(&[
            outcome(1, State::Sent, Some("m1")),
            outcome(2, State::Unknown, None),
            outcome(3, State::Failed, None),
        ])
        .unwrap();
    let (mut second, _) = planned_as(&location, "d", &[1, 4, 5]);
    second.record_sender("p:account").unwrap();
    second.mark_in_flight(&[phone(1), phone(4)]).unwrap();
    second
        .record(&[outcome(1, State::Sent, Some("m2"))])
        .unwrap();
    let (mut other, _) = planned_as(&location, "e", &[6]);
    other.record_sender("p:another").unwrap();
    other.mark_in_flight(&[phone(6)]).unwrap();
    other
        .record(&[outcome(6, State::Sent, Some("m3"))])
        .unwrap();

    let reached = first.reached("p:account", "2000-01-01T00:00:00Z").unwrap();
    assert_eq!(reached.len(), 3, "numbers 1, 2 and 4: {reached:?}");
    assert!(reached.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    assert!(reached[0].ends_with('Z'), "{reached:?}");
    assert!(
        first
            .reached("p:account", "2999-01-01T00:00:00Z")
            .unwrap()
            .is_empty(),
        "nothing reached after the span"
    );
    assert_eq!(
        other
            .reached("p:another", "2000-01-01T00:00:00Z")
            .unwrap()
            .len(),
        1
    );
    // Recording the sender again (another apply) changes nothing.
    second.record_sender("p:account").unwrap();
    let view = open_view(&location, "d").unwrap().unwrap();
    assert_eq!(
        view.reached("p:account", "2000-01-01T00:00:00Z").unwrap(),
        reached
    );
}
