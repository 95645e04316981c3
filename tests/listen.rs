//! `wacast listen` over real HTTP on `127.0.0.1:0`: signatures, idempotent and
//! out-of-order reports, journal failures, reconciliation of uncertain sends,
//! opt-out capture and the command itself.

use crate::support::Test;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use wacast::campaign::Campaign;
use wacast::journal::{Backend, Outcome, State, StateLocation};
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

/// Plans recipients 1–4 in the journal, marks them in flight and records
/// `outcomes` as apply would; the others stay in flight.
pub fn seed(dir: &Path, outcomes: &[(u64, State, Option<&str>)]) {
    let mut journal = journal(dir);
    let run = journal.begin_run().unwrap();
    let mut stage = journal.stage(run).unwrap();
    for n in 1..=4 {
        stage
            .recipient(phone(n), n + 1, &MessageDigest::of_bytes(b"m"))
            .unwrap();
    }
    stage.commit().unwrap();
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

/// A listener for the test's campaign, journal in `.wacast`.
pub async fn listen(dir: &Path, key: Option<&str>) -> ListenerHandle {
    let campaign = Campaign::load(&dir.join("campaign.yaml")).unwrap();
    let config = ListenConfig {
        hmac_key: key.map(|k| HmacKey(k.as_bytes().to_vec())),
        campaigns: vec![CampaignTarget {
            name: campaign.name,
            opt_out: campaign.opt_out,
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
    db.execute_batch("ALTER TABLE deliveries RENAME TO deliveries_away")
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

    db.execute_batch("ALTER TABLE deliveries_away RENAME TO deliveries")
        .unwrap();
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
            StatusCode::NOT_FOUND,
            StatusCode::BAD_REQUEST,
            StatusCode::PAYLOAD_TOO_LARGE
        )
    );
    insta::assert_json_snapshot!("listen_errors", [a, b]);
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
