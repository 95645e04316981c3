//! `wacast listen` over real HTTP on `127.0.0.1:0`: signatures, idempotent and
//! out-of-order reports, journal failures, reconciliation of uncertain sends,
//! opt-out capture and the command itself.

use crate::support::Test;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use wacast::campaign::Campaign;
use wacast::journal::{Backend, Outcome, Requeue, State, StateLocation};
use wacast::listen::{CampaignTarget, HmacKey, ListenConfig, Listener, ListenerHandle};
use wacast::message::digest::MessageDigest;
use wacast::phone::Phone;
use wacast::transport::sinch_v1::callback_signature;

pub const CAMPAIGN: &str = "version: 1
name: promo
sender: {bot_id: sandbox-bot, region: eu}
template:
  name: spring_sale
  language: en_GB
  body_params: [\"{{ name }}\"]
audience: {file: audience.csv, default_country: GB}
delivery: {callback_url: \"http://127.0.0.1:9/callbacks\"}
opt_out: {keywords: [STOP, unsubscribe], file: optout.csv}
";

pub const AUDIENCE: &str =
    "phone,name\n07911123401,Ann\n07911123402,Bob\n07911123403,Cy\n07911123404,Di\n";

/// The `n`th audience number (1-based).
pub fn phone(n: u64) -> Phone {
    Phone::from_digits(&format!("4479111234{n:02}")).unwrap()
}

/// A folder with the campaign and its audience.
pub fn campaign() -> Test {
    Test::new()
        .write("campaign.yaml", CAMPAIGN)
        .write("audience.csv", AUDIENCE)
}

/// Plans recipients 1–4 in the journal as a run of their own; all pending.
fn planned(dir: &Path) -> (Box<dyn Backend>, i64) {
    let mut journal = journal(dir);
    let run = journal.begin_run().unwrap();
    let mut stage = journal.stage(run, Requeue::default()).unwrap();
    for n in 1..=4 {
        stage
            .recipient(phone(n), n + 1, &MessageDigest::of_bytes(b"m"), "{}")
            .unwrap();
    }
    stage.publish().unwrap();
    drop(stage);
    (journal, run)
}

/// Plans recipients 1–4 in the journal, marks them in flight and records
/// `outcomes` as apply would; the others stay in flight.
pub fn seed(dir: &Path, outcomes: &[(u64, State, Option<&str>)]) {
    let (mut journal, run) = planned(dir);
    let phones: Vec<Phone> = (1..=4).map(phone).collect();
    journal.mark_in_flight(&phones).unwrap();
    let outcomes: Vec<Outcome> = outcomes
        .iter()
        .map(|(n, state, id)| Outcome {
            phone: phone(*n),
            state: *state,
            message_id: id.map(str::to_owned),
            http_status: (*state == State::Sent).then_some(201),
            error: match state {
                State::Failed => Some("http 400: invalid parameter".to_owned()),
                State::Unknown => Some("no answer".to_owned()),
                _ => None,
            },
        })
        .collect();
    journal.record(&outcomes).unwrap();
    journal.finish_run(run, "completed").unwrap();
}

/// A listener for the test's campaign, journal in `.wacast`, as
/// `wacast listen --campaign campaign.yaml` starts one.
pub async fn listen(dir: &Path, key: Option<&str>) -> ListenerHandle {
    let campaign = Campaign::load(&dir.join("campaign.yaml")).unwrap();
    let config = ListenConfig {
        hmac_key: key.map(|k| HmacKey(k.as_bytes().to_vec())),
        campaigns: vec![CampaignTarget {
            name: campaign.name,
            opt_out: campaign.opt_out,
            renamed_from: campaign.renamed_from,
        }],
        ..ListenConfig::new(dir.join(".wacast"))
    };
    Listener::start(config).await.unwrap()
}

/// A delivery report envelope.
pub fn report(id: &str, n: u64, state: &str) -> String {
    let failed = state == "failed";
    json!({"type": "whatsapp", "statuses": [{
        "status": if failed { "failure" } else { "success" },
        "state": state, "message_id": id, "recipient": format!("+{}", phone(n).digits()),
        "timestamp": format!("2026-11-21T10:00:{:02}Z", wacast::listen::delivery_state(state).rank()),
        "details": if failed { Some("user blocked the business") } else { None },
    }]})
    .to_string()
}

/// POSTs `body` with `headers` and reads the answer.
pub async fn post(url: &str, body: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let answer = request.send().await.unwrap();
    let status = answer.status();
    (status, answer.json().await.unwrap())
}

pub(crate) fn url(listener: &ListenerHandle) -> String {
    format!("{}/promo", listener.callback_url())
}

pub(crate) fn journal(dir: &Path) -> Box<dyn Backend> {
    wacast::journal::open(&StateLocation::Folder(dir.join(".wacast")), "promo").unwrap()
}

#[tokio::test]
async fn signed_callbacks_are_recorded_and_bad_or_missing_signatures_refused() {
    let test = campaign();
    seed(test.path(), &[(1, State::Sent, Some("m1"))]);
    let listener = listen(test.path(), Some("s3cret")).await;
    let body = report("m1", 1, "delivered");
    let good = callback_signature::sign(b"s3cret", body.as_bytes(), "n1");
    let wrong_key = callback_signature::sign(b"other", body.as_bytes(), "n1");
    let signed = |signature: &str, nonce: &str| {
        vec![
            ("sinch-whatsapp-callback-signature", signature.to_owned()),
            ("sinch-whatsapp-callback-signature-nonce", nonce.to_owned()),
            (
                "sinch-whatsapp-callback-signature-algorithm",
                "HMAC_SHA_256".to_owned(),
            ),
        ]
    };
    let refused = [
        signed(&wrong_key, "n1"),
        signed(&good, "n2"),
        signed(&good, "n1")[..1].to_vec(),
        vec![],
    ];
    for headers in refused {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, answer) = post(&url(&listener), &body, &headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    }
    assert_eq!(journal(test.path()).delivery_of(phone(1)).unwrap(), None);
    let insta_refused = post(&url(&listener), &body, &[]).await.1;
    insta::assert_json_snapshot!("listen_missing_signature", insta_refused);

    let hex = hex::encode(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &good).unwrap(),
    );
    for signature in [good.as_str(), hex.as_str()] {
        let headers = signed(signature, "n1");
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _) = post(&url(&listener), &body, &headers).await;
        assert_eq!(status, StatusCode::OK);
    }
    let delivery = journal(test.path()).delivery_of(phone(1)).unwrap().unwrap();
    assert_eq!(delivery.delivery_state, "delivered");
}

#[tokio::test]
async fn a_replayed_callback_is_acknowledged_and_records_nothing_new() {
    let test = campaign();
    seed(test.path(), &[(1, State::Sent, Some("m1"))]);
    let listener = listen(test.path(), Some("s3cret")).await;
    let body = report("m1", 1, "read");
    let signature = callback_signature::sign(b"s3cret", body.as_bytes(), "n1");
    let headers = [
        ("sinch-whatsapp-callback-signature", signature.as_str()),
        ("sinch-whatsapp-callback-signature-nonce", "n1"),
    ];
    let (first, receipt) = post(&url(&listener), &body, &headers).await;
    let (again, replay) = post(&url(&listener), &body, &headers).await;
    assert_eq!((first, again), (StatusCode::OK, StatusCode::OK));
    assert_eq!(
        (receipt["recorded"].clone(), receipt["duplicates"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(
        (replay["recorded"].clone(), replay["duplicates"].clone()),
        (json!(0), json!(1))
    );
}

#[tokio::test]
async fn duplicate_and_out_of_order_reports_never_move_a_recipient_back() {
    let test = campaign();
    seed(
        test.path(),
        &[(1, State::Sent, Some("m1")), (2, State::Sent, Some("m2"))],
    );
    let listener = listen(test.path(), None).await;
    for state in ["read", "queued", "delivered", "read", "sent", "dispatched"] {
        let (status, _) = post(&url(&listener), &report("m1", 1, state), &[]).await;
        assert_eq!(status, StatusCode::OK);
    }
    for state in ["failed", "dispatched", "failed"] {
        post(&url(&listener), &report("m2", 2, state), &[]).await;
    }
    let journal = journal(test.path());
    let first = journal.delivery_of(phone(1)).unwrap().unwrap();
    assert_eq!(first.delivery_state, "read");
    assert_eq!(first.read_at.as_deref(), Some("2026-11-21T10:00:06Z"));
    assert_eq!(first.delivered_at.as_deref(), Some("2026-11-21T10:00:05Z"));
    let second = journal.delivery_of(phone(2)).unwrap().unwrap();
    assert_eq!(second.delivery_state, "failed");
    assert_eq!(
        second.failure_details.as_deref(),
        Some("user blocked the business")
    );
}

#[tokio::test]
async fn a_journal_that_cannot_be_written_answers_503_and_keeps_nothing() {
    let test = campaign();
    seed(test.path(), &[(1, State::Sent, Some("m1"))]);
    let listener = listen(test.path(), None).await;
    let db = rusqlite::Connection::open(test.path().join(".wacast/journal.sqlite")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER refuse BEFORE UPDATE ON recipients BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    )
    .unwrap();
    let (status, answer) = post(&url(&listener), &report("m1", 1, "delivered"), &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(
        answer["message"],
        "the journal could not be written; retry later"
    );
    let events: i64 = db
        .query_row("SELECT COUNT(*) FROM delivery_events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(events, 0, "nothing of a refused callback is kept");

    db.execute_batch("DROP TRIGGER refuse").unwrap();
    let (status, _) = post(&url(&listener), &report("m1", 1, "delivered"), &[]).await;
    assert_eq!(status, StatusCode::OK, "Sinch's retry is recorded");
    assert!(
        journal(test.path())
            .delivery_of(phone(1))
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn an_unknown_send_is_reconciled_by_its_report() {
    let test = campaign();
    seed(
        test.path(),
        &[(1, State::Sent, Some("m1")), (2, State::Unknown, None)],
    );
    let listener = listen(test.path(), None).await;
    let (status, receipt) = post(&url(&listener), &report("m2", 2, "dispatched"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(receipt["reconciled"], 1);
    let journal = journal(test.path());
    assert_eq!(
        (
            journal.counts().unwrap().sent,
            journal.counts().unwrap().unknown
        ),
        (2, 0)
    );
    let mut reconciled = None;
    journal
        .report_rows(&mut |row| {
            if row.phone == Some(phone(2)) {
                reconciled = Some((row.state, row.message_id, row.error));
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(reconciled, Some((State::Sent, Some("m2".to_owned()), None)));

    let (_, orphan) = post(&listener.callback_url(), &report("nobody", 9, "read"), &[]).await;
    assert_eq!(orphan["orphans"], 1, "acknowledged, kept as an orphan");
}

/// Plans recipients 1–4; recipient 1 is sent as `m1`, 2 failed, 3 and 4 pending.
pub fn settled(dir: &Path) {
    let (mut journal, run) = planned(dir);
    journal.mark_in_flight(&[phone(1), phone(2)]).unwrap();
    let outcome = |n, state, id: Option<&str>| Outcome {
        phone: phone(n),
        state,
        message_id: id.map(str::to_owned),
        http_status: Some(400),
        error: (state == State::Failed).then(|| "http 400: invalid parameter".to_owned()),
    };
    journal
        .record(&[
            outcome(1, State::Sent, Some("m1")),
            outcome(2, State::Failed, None),
        ])
        .unwrap();
    journal.finish_run(run, "finished").unwrap();
}

#[tokio::test]
async fn a_report_with_a_foreign_message_id_marks_nobody_sent() {
    let test = campaign();
    settled(test.path());
    let listener = listen(test.path(), None).await;
    for n in 1..=3 {
        let body = report(&format!("foreign-{n}"), n, "delivered");
        let (status, receipt) = post(&url(&listener), &body, &[]).await;
        assert_eq!(status, StatusCode::OK, "{receipt}");
        assert_eq!(receipt["orphans"], 1, "{receipt}");
    }
    listener.shutdown().await;
    let status = test.run(&["status", "campaign.yaml", "--format", "json"]);
    let summary: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(summary["orphans"], 3, "{summary:#}");
    assert_eq!(
        summary["states"],
        json!({"pending": 2, "in_flight": 0, "sent": 1, "failed": 1, "unknown": 0, "skipped": 0}),
    );
    let text = test.run(&["status", "campaign.yaml"]);
    assert!(
        text.stdout.contains("orphans     3 report(s)"),
        "{}",
        text.stdout
    );
    let apply = test.run(&["apply", "campaign.yaml", "--sandbox", "--yes"]);
    let csv = test.read(".wacast/promo-report.csv");
    let sent: Vec<&str> = csv.lines().filter(|l| l.contains(",sent,")).collect();
    assert_eq!(
        sent.len(),
        3,
        "3 and 4 are sent by apply:\n{csv}\n{}",
        apply.transcript()
    );
    assert!(!csv.contains("foreign-"), "{csv}");
}

#[tokio::test]
async fn an_opt_out_reply_is_journaled_appended_and_excluded_from_the_next_plan() {
    let test = campaign();
    seed(test.path(), &[(1, State::Sent, Some("m1"))]);
    let listener = listen(test.path(), None).await;
    let reply = |id: &str, n: u64, message: Value| {
        json!({"type": "whatsapp", "notifications": [{
            "from": phone(n).digits(), "to": "sandbox-bot", "message_id": id, "message": message
        }]})
        .to_string()
    };
    let button = json!({"type": "button", "index": "0", "text": "Stop", "payload": "stop"});
    let text = json!({"type": "text", "body": " Unsubscribe "});
    let chat = json!({"type": "text", "body": "stop sending me offers please"});
    let (_, first) = post(&url(&listener), &reply("in1", 2, button.clone()), &[]).await;
    let (_, again) = post(&url(&listener), &reply("in1", 2, button), &[]).await;
    let (_, second) = post(&url(&listener), &reply("in2", 3, text), &[]).await;
    let (_, chatty) = post(&url(&listener), &reply("in3", 4, chat), &[]).await;
    let counts: Vec<&Value> = [&first, &again, &second, &chatty]
        .iter()
        .map(|r| &r["opt_outs"])
        .collect();
    assert_eq!(counts, [&json!(1), &json!(0), &json!(1), &json!(0)]);
    assert_eq!(
        test.read("optout.csv"),
        "phone\n+447911123402\n+447911123403\n"
    );
    assert!(journal(test.path()).opted_out(phone(2)).unwrap());

    let plan = test.run(&["plan", "campaign.yaml", "--show-numbers"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert!(plan.stdout.contains("2 suppressed"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("+447911123402"));
    assert!(plan.stdout.contains("+447911123404"));
}

/// A STOP reply from `n`, as Sinch v1 forwards it.
fn stop_reply(id: &str, n: u64) -> String {
    json!({"type": "whatsapp", "notifications": [{
        "from": phone(n).digits(), "to": "sandbox-bot", "message_id": id,
        "message": {"type": "text", "body": "STOP"}
    }]})
    .to_string()
}

#[tokio::test]
async fn a_journal_opt_out_suppresses_the_number_in_every_later_plan_and_apply() {
    let default_opt_out = CAMPAIGN.replace(
        "opt_out: {keywords: [STOP, unsubscribe], file: optout.csv}\n",
        "",
    );
    let test = Test::new()
        .write("campaign.yaml", &default_opt_out)
        .write(
            "other.yaml",
            default_opt_out.replace("name: promo", "name: other"),
        )
        .write("audience.csv", AUDIENCE);
    seed(
        test.path(),
        &[
            (1, State::Sent, Some("m1")),
            (2, State::Unknown, None),
            (3, State::Sent, Some("m3")),
            (4, State::Sent, Some("m4")),
        ],
    );
    let listener = listen(test.path(), None).await;
    let (status, receipt) = post(&url(&listener), &stop_reply("in1", 2), &[]).await;
    assert_eq!((status, &receipt["opt_outs"]), (StatusCode::OK, &json!(1)));
    listener.shutdown().await;

    let plan = test.run(&["plan", "campaign.yaml", "--resend-unknown"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert!(
        plan.stdout.starts_with("Plan: 0 to send"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("1 suppressed (1 opted out in the journal)"),
        "{}",
        plan.stdout
    );
    let markdown = test.run(&["plan", "campaign.yaml", "--format", "markdown"]);
    assert!(
        markdown
            .stdout
            .contains("1 suppressed (1 opted out in the journal)")
    );
    let json = test.run(&["plan", "campaign.yaml", "--format", "json"]);
    let json: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        (&json["counts"]["suppressed"], &json["counts"]["opted_out"]),
        (&json!(1), &json!(1))
    );
    let other = test.run(&["plan", "other.yaml", "--show-numbers"]);
    assert!(
        other.stdout.starts_with("Plan: 3 to send"),
        "{}",
        other.stdout
    );
    assert!(!other.stdout.contains("+447911123402"), "{}", other.stdout);

    for flags in [
        &["--resend-unknown"][..],
        &["--resend-unknown", "--retry-failed"],
    ] {
        let mut args = vec!["apply", "campaign.yaml", "--sandbox", "--yes"];
        args.extend_from_slice(flags);
        let apply = test.run(&args);
        assert!(
            apply
                .stderr
                .contains(": 0 to send via the embedded sandbox;"),
            "the opted-out number is not counted to send, nor sent: {}",
            apply.transcript()
        );
    }
    assert_eq!(
        journal(test.path()).counts().unwrap().unknown,
        1,
        "still unknown"
    );
    let other = test.run(&["apply", "other.yaml", "--sandbox", "--yes"]);
    assert!(
        other.stderr.contains("received 3 message(s)"),
        "{}",
        other.transcript()
    );
}

#[tokio::test]
async fn unknown_campaigns_malformed_and_oversized_bodies_get_json_errors() {
    let test = campaign();
    let listener = listen(test.path(), None).await;
    let base = listener.callback_url();
    let (unknown, a) = post(&format!("{base}/other"), &report("m", 1, "read"), &[]).await;
    let (malformed, b) = post(&url(&listener), "{not json", &[]).await;
    let huge = format!("{{\"type\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let (oversized, _) = post(&url(&listener), &huge, &[]).await;
    assert_eq!(
        (unknown, malformed, oversized),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::BAD_REQUEST,
            StatusCode::PAYLOAD_TOO_LARGE
        )
    );
    insta::assert_json_snapshot!("listen_errors", [a, b]);
}

/// `wacast listen` for the test's campaign with `extra` arguments, started:
/// the process, the rest of its stderr and the first line it wrote there.
fn spawn_listen(
    test: &Test,
    extra: &[&str],
) -> (
    std::process::Child,
    std::io::BufReader<std::process::ChildStderr>,
    String,
) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wacast"))
        .args([
            "listen",
            "--listen",
            "127.0.0.1:0",
            "--campaign",
            "campaign.yaml",
        ])
        .args(extra)
        .current_dir(test.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut first).unwrap();
    (child, stderr, first)
}

#[test]
fn listen_refuses_to_start_without_a_journal_unless_given_a_campaign() {
    let test = campaign();
    let run = test.run(&["listen", "--listen", "127.0.0.1:0"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    insta::assert_snapshot!(run.transcript());
    assert!(!test.path().join(".wacast").exists(), "nothing was created");
    let (mut child, _stderr, first) = spawn_listen(&test, &[]);
    // Ctrl-C is watched for once the listener has announced itself.
    std::thread::sleep(std::time::Duration::from_millis(500));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert!(child.wait().unwrap().success());
    assert!(first.starts_with("listening on "), "{first}");
    assert!(
        test.path().join(".wacast/journal.sqlite").is_file(),
        "created for `promo`"
    );
}

#[tokio::test]
async fn a_campaign_the_journal_does_not_know_is_answered_503_and_nothing_is_kept() {
    let test = campaign();
    seed(test.path(), &[(1, State::Sent, Some("m1"))]);
    let config = ListenConfig::new(test.path().join(".wacast"));
    let listener = Listener::start(config).await.unwrap();
    let base = listener.callback_url();
    let (status, answer) = post(&format!("{base}/other"), &report("x1", 1, "read"), &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    insta::assert_json_snapshot!("listen_unknown_campaign", answer);
    let (status, _) = post(&format!("{base}/other"), &stop_reply("in9", 1), &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, receipt) = post(&format!("{base}/promo"), &report("m1", 1, "read"), &[]).await;
    assert_eq!((status, &receipt["recorded"]), (StatusCode::OK, &json!(1)));
    listener.shutdown().await;
    let db = rusqlite::Connection::open(test.path().join(".wacast/journal.sqlite")).unwrap();
    let kept: i64 = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM delivery_events WHERE campaign = 'other')
                  + (SELECT COUNT(*) FROM inbound) + (SELECT COUNT(*) FROM opt_outs)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 0, "nothing of a refused callback is kept");
}

#[test]
fn listen_refuses_a_non_loopback_address_without_allow_remote() {
    let run = campaign().run(&["listen", "--listen", "0.0.0.0:0"]);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn the_listen_command_records_callbacks_until_interrupted() {
    let test = campaign();
    seed(test.path(), &[(1, State::Sent, Some("m1"))]);
    std::fs::write(test.path().join("key"), "s3cret\n").unwrap();
    let listener = test.listen(&["--campaign", "campaign.yaml", "--hmac-key-file", "key"]);
    let base = listener.base.clone();
    let body = report("m1", 1, "read");
    let signature = callback_signature::sign(b"s3cret", body.as_bytes(), "n");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (status, _) = runtime.block_on(post(
        &format!("{base}/callbacks/promo"),
        &body,
        &[
            ("sinch-whatsapp-callback-signature", &signature),
            ("sinch-whatsapp-callback-signature-nonce", "n"),
        ],
    ));
    assert_eq!(status, StatusCode::OK);
    let (code, said) = listener.interrupt();
    assert_eq!(code, 0, "{said}");
    let transcript = said.replace(&base, "http://[addr]");
    insta::assert_snapshot!(transcript);
    let delivery = journal(test.path()).delivery_of(phone(1)).unwrap().unwrap();
    assert_eq!(delivery.delivery_state, "read");
}

/// A fixture of `tests/fixtures/sinch_v1/`, as JSON.
pub fn sinch_v1_fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sinch_v1")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Sinch's "Text" request sample (sinch/docs, `docs/whatsapp/whatsapp-callback.md`, mid-2021):
/// a delivered status and an inbound text whose `from` is written without a
/// country code. Beside them go a report missing `recipient` and `status` and
/// one missing `message_id`: the good report is recorded, the three others
/// are kept with their reasons, and the callback is answered 200.
#[tokio::test]
async fn one_bad_entry_never_voids_the_rest_of_a_callback() {
    let test = campaign();
    seed(
        test.path(),
        &[(1, State::Sent, Some("asdbas-7sdf78sd-16237smh"))],
    );
    let listener = listen(test.path(), None).await;
    let mut body = sinch_v1_fixture("docs_callback_text.json");
    let statuses = body["statuses"].as_array_mut().unwrap();
    statuses.push(json!({"message_id": "m2", "state": "read"}));
    statuses
        .push(json!({"recipient": "+447911123402", "status": "success", "state": "read\u{1b}[2J"}));
    let (status, receipt) = post(&url(&listener), &body.to_string(), &[]).await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert_eq!(
        (receipt["recorded"].clone(), receipt["unreadable"].clone()),
        (json!(1), json!(3))
    );
    let delivery = journal(test.path()).delivery_of(phone(1)).unwrap().unwrap();
    assert_eq!(delivery.delivery_state, "delivered");
    let (again, replay) = post(&url(&listener), &body.to_string(), &[]).await;
    assert_eq!(
        (again, replay["duplicates"].clone()),
        (StatusCode::OK, json!(1))
    );

    let text = test.run(&["status", "campaign.yaml"]);
    assert_eq!(text.code, 0, "{}", text.transcript());
    let json = test.run(&["status", "campaign.yaml", "--format", "json"]);
    let mut json: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        json["unreadable"]["count"], 3,
        "a replayed callback keeps them once"
    );
    let stamp = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").unwrap();
    insta::assert_snapshot!(
        "status_unreadable_text",
        stamp.replace_all(&text.stdout, "[time]")
    );
    for seen in json["unreadable"]["latest"].as_array_mut().unwrap() {
        seen["received_at"] = json!("[time]");
    }
    insta::assert_json_snapshot!("status_unreadable_json", json["unreadable"]);
}

#[tokio::test]
async fn a_body_that_is_not_the_envelope_is_still_refused() {
    let test = campaign();
    let listener = listen(test.path(), None).await;
    for body in [
        "[1, 2]",
        r#"{"statuses": {"message_id": "m1"}}"#,
        "\"text\"",
    ] {
        let (status, answer) = post(&url(&listener), body, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
    }
}

/// The loop a STOP closes: Sinch sends inbound messages to the callback URL
/// set for the bot (the listener's `/callbacks`, no campaign in it), not to a
/// message's own `callback`. Sinch's interactive reply-button sample (sinch/docs,
/// `docs/whatsapp/whatsapp-http-rest/whatsapp-callback.md`, 2021-06; its `from`
/// made international and its title `STOP`) and a reply the sandbox sends as
/// the bot's callback are both opt-outs, and the next plan suppresses them.
#[tokio::test]
async fn a_stop_reply_to_the_bots_callback_url_is_suppressed_by_the_next_plan() {
    use wacast::sandbox::{Delivery, InboundReply, Sandbox, SandboxConfig};
    let test = campaign();
    seed(
        test.path(),
        &[(2, State::Sent, Some("m2")), (3, State::Sent, Some("m3"))],
    );
    let listener = listen(test.path(), None).await;
    let mut sample = sinch_v1_fixture("docs_inbound_interactive_button.json");
    sample["notifications"][0]["from"] = json!(phone(2).digits());
    sample["notifications"][0]["message"]["message"]["title"] = json!("STOP");
    let (status, receipt) = post(&listener.callback_url(), &sample.to_string(), &[]).await;
    assert_eq!(
        (status, receipt["opt_outs"].clone()),
        (StatusCode::OK, json!(1))
    );

    let sandbox = Sandbox::start(SandboxConfig {
        delivery: Delivery {
            callback_url: Some(listener.callback_url()),
            ..Delivery::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let stop = InboundReply::InteractiveButton {
        id: "opt-out".into(),
        title: "STOP".into(),
    };
    sandbox.send_reply(&phone(3).digits(), &stop).await.unwrap();
    let chat = InboundReply::Text("When does the sale end?".into());
    sandbox.send_reply(&phone(4).digits(), &chat).await.unwrap();

    let journal = journal(test.path());
    assert!(journal.opted_out(phone(2)).unwrap());
    assert!(journal.opted_out(phone(3)).unwrap());
    assert!(
        !journal.opted_out(phone(4)).unwrap(),
        "a question is no opt-out"
    );
    assert_eq!(
        test.read("optout.csv"),
        "phone\n+447911123402\n+447911123403\n"
    );
    let plan = test.run(&["plan", "campaign.yaml", "--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(plan["counts"]["suppressed"], 2, "{plan}");
}
