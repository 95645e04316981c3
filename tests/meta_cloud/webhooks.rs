//! Meta's webhooks into `wacast listen` over real HTTP: the verification
//! handshake, `X-Hub-Signature-256` (good, bad, missing), status updates
//! reconciling a lost answer, opt-outs by text and by button, and bodies
//! with unreadable entries.

use super::{APP_SECRET, Peer, apply, campaign, number, report};
use crate::support::Test;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use wacast::campaign::Campaign;
use wacast::listen::meta_cloud::WEBHOOK_PATH;
use wacast::listen::{CampaignTarget, HmacKey, ListenConfig, Listener, ListenerHandle};
use wacast::sandbox::Faults;
use wacast::secret::SecretString;
use wacast::transport::meta_cloud::webhook_signature::sign;

const VERIFY_TOKEN: &str = "verify-me-42";

/// A listener for the test's campaign, on its own runtime.
struct Receiver {
    runtime: tokio::runtime::Runtime,
    listener: Option<ListenerHandle>,
}

impl Receiver {
    fn start(test: &Test) -> Receiver {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let campaign = Campaign::load(&test.path().join("campaign.yaml")).unwrap();
        let config = ListenConfig {
            app_secret: Some(HmacKey(APP_SECRET.as_bytes().to_vec())),
            verify_token: Some(SecretString::new(VERIFY_TOKEN.to_owned())),
            campaigns: vec![CampaignTarget {
                name: campaign.name,
                opt_out: campaign.opt_out,
                renamed_from: None,
            }],
            ..ListenConfig::new(test.path().join(".wacast"))
        };
        let listener = runtime.block_on(Listener::start(config)).unwrap();
        Receiver {
            runtime,
            listener: Some(listener),
        }
    }

    fn url(&self) -> String {
        format!(
            "{}{WEBHOOK_PATH}",
            self.listener.as_ref().unwrap().base_url()
        )
    }

    /// POSTs `body` with `signature` (none when `None`).
    fn post(&self, body: &str, signature: Option<&str>) -> (StatusCode, Value) {
        self.runtime.block_on(async {
            let mut request = reqwest::Client::new()
                .post(self.url())
                .header("content-type", "application/json")
                .body(body.to_owned());
            if let Some(signature) = signature {
                request = request.header("X-Hub-Signature-256", signature);
            }
            let answer = request.send().await.unwrap();
            (answer.status(), answer.json().await.unwrap_or(Value::Null))
        })
    }

    fn post_signed(&self, body: &str) -> (StatusCode, Value) {
        self.post(body, Some(&sign(APP_SECRET.as_bytes(), body.as_bytes())))
    }

    fn get(&self, query: &str) -> (StatusCode, String) {
        self.runtime.block_on(async {
            let answer = reqwest::get(format!("{}?{query}", self.url()))
                .await
                .unwrap();
            (answer.status(), answer.text().await.unwrap())
        })
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(listener) = self.listener.take() {
            self.runtime.block_on(listener.shutdown());
        }
    }
}

/// A webhook body with one `value`.
fn webhook(value: Value) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
        "changes": [{"field": "messages", "value": value}]}]})
    .to_string()
}

fn status(wamid: &str, state: &str, recipient: &str) -> Value {
    json!({"id": wamid, "status": state, "timestamp": "1750263773",
        "recipient_id": recipient, "biz_opaque_callback_data": "wacast:spring"})
}

fn status_json(test: &Test) -> Value {
    let run = test.run(&["status", "campaign.yaml", "--format", "json"]);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn the_handshake_answers_the_challenge_only_for_the_verify_token() {
    let test = campaign(1, "rate_per_second: 1000");
    let receiver = Receiver::start(&test);
    let (status, body) = receiver.get(&format!(
        "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={VERIFY_TOKEN}"
    ));
    assert_eq!((status, body.as_str()), (StatusCode::OK, "1158201444"));
    for query in [
        "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong".to_owned(),
        format!("hub.mode=unsubscribe&hub.challenge=1&hub.verify_token={VERIFY_TOKEN}"),
        "hub.mode=subscribe&hub.challenge=1".to_owned(),
        String::new(),
    ] {
        let (status, body) = receiver.get(&query);
        assert_eq!(status, StatusCode::FORBIDDEN, "{query}");
        assert!(!body.contains("1158201444"), "{query}: {body}");
    }
}

/// A campaign of one recipient, sent through `peer`, and its wamid.
fn one_sent(peer: &Peer) -> (Test, String) {
    let test = campaign(1, "rate_per_second: 1000");
    let run = apply(&test, peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let wamid = report(&test)[0].message_id.clone();
    (test, wamid)
}

#[test]
fn signatures_good_bad_and_missing() {
    let peer = Peer::start(Faults::default());
    let (test, wamid) = one_sent(&peer);
    let receiver = Receiver::start(&test);
    let body = webhook(json!({"statuses": [status(&wamid, "delivered", &number(0))]}));

    let (code, answer) = receiver.post(&body, None);
    assert_eq!(code, StatusCode::UNAUTHORIZED, "{answer}");
    insta::assert_snapshot!(
        "meta_cloud_signature_missing",
        answer["details"].as_str().unwrap()
    );
    let wrong = sign(b"another secret", body.as_bytes());
    let (code, answer) = receiver.post(&body, Some(&wrong));
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    insta::assert_snapshot!(
        "meta_cloud_signature_mismatch",
        answer["details"].as_str().unwrap()
    );
    assert_eq!(
        status_json(&test)["funnel"]["delivered"],
        0,
        "nothing recorded"
    );

    let (code, answer) = receiver.post_signed(&body);
    assert_eq!(code, StatusCode::OK, "{answer}");
    assert_eq!(answer["recorded"], 1);
    let (_, again) = receiver.post_signed(&body);
    assert_eq!(again["duplicates"], 1, "Meta's retries change nothing");
    assert_eq!(status_json(&test)["funnel"]["delivered"], 1);
}

#[test]
fn a_lost_answer_is_unknown_until_a_status_webhook_reconciles_it() {
    let test = campaign(3, "concurrency: 1, rate_per_second: 1000");
    let receiver = Receiver::start(&test);
    let peer = Peer::with_webhooks(
        Faults {
            lost_answer_fraction: 1.0,
            ..Faults::default()
        },
        Some(receiver.url()),
        // Late enough that apply has recorded the lost answers as unknown.
        Duration::from_secs(3),
    );
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 4, "{}", run.transcript());
    assert!(report(&test).iter().all(|row| row.status == "unknown"));
    peer.nobody_twice();
    let deadline = Instant::now() + Duration::from_secs(40);
    while status_json(&test)["reconciled"] != 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let summary = status_json(&test);
    assert_eq!(summary["reconciled"], 3, "{summary:#}");
    assert_eq!(summary["states"]["sent"], 3, "{summary:#}");
    let rows = report_after_plan(&test);
    for (row, message) in rows.iter().zip(peer.handle().messages()) {
        assert_eq!(row.status, "sent");
        assert_eq!(
            row.message_id, message.message_id,
            "the wamid of the webhook"
        );
    }
}

#[test]
fn a_status_with_a_foreign_wamid_is_an_orphan_and_marks_nobody() {
    let peer = Peer::start(Faults::default());
    let test = campaign(2, "rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let before = report(&test);
    let receiver = Receiver::start(&test);
    let body = webhook(json!({"statuses": [
        status("wamid.FOREIGN0", "delivered", &number(0)),
        status("wamid.FOREIGN1", "read", &number(1)),
    ]}));
    let (code, answer) = receiver.post_signed(&body);
    assert_eq!(
        (code, &answer["orphans"]),
        (StatusCode::OK, &json!(2)),
        "{answer}"
    );
    let summary = status_json(&test);
    assert_eq!(summary["orphans"], 2, "{summary:#}");
    assert_eq!(summary["states"]["sent"], 2, "{summary:#}");
    assert_eq!(summary["funnel"]["delivered"], 0, "{summary:#}");
    let after = report_after_plan(&test);
    let ids = |rows: &[super::Row]| {
        rows.iter()
            .map(|r| r.message_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&after), ids(&before), "each keeps its own wamid");
}

#[test]
fn statuses_of_a_campaign_the_journal_does_not_know_are_refused_for_a_retry() {
    let peer = Peer::start(Faults::default());
    let (test, wamid) = one_sent(&peer);
    let receiver = Receiver::start(&test);
    let mut foreign = status("wamid.AUTUMN0", "delivered", &number(0));
    foreign["biz_opaque_callback_data"] = json!("wacast:autumn");
    let only_foreign = webhook(json!({"statuses": [foreign.clone()]}));
    let (code, answer) = receiver.post_signed(&only_foreign);
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert!(
        answer["details"].as_str().unwrap().contains("`autumn`"),
        "{answer}"
    );
    assert_eq!(status_json(&test)["orphans"], 0, "nothing recorded");
    let mixed = webhook(json!({"statuses": [foreign, status(&wamid, "read", &number(0))]}));
    let (code, answer) = receiver.post_signed(&mixed);
    assert_eq!(code, StatusCode::OK, "{answer}");
    assert_eq!(
        (&answer["recorded"], &answer["orphans"]),
        (&json!(1), &json!(1))
    );
}

/// The report as a fresh apply with nothing to send writes it.
fn report_after_plan(test: &Test) -> Vec<super::Row> {
    let run = test.run(&[
        "apply",
        "campaign.yaml",
        "--yes",
        "--endpoint",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    report(test)
}

#[test]
fn opt_outs_by_text_and_by_button_are_recorded_once() {
    let test = campaign(3, "rate_per_second: 1000");
    let receiver = Receiver::start(&test);
    let message = |id: &str, from: &str, kind: &str, content: Value| {
        let mut message = json!({"from": from, "id": id, "timestamp": "1750263900", "type": kind});
        message[kind] = content;
        message
    };
    let body = webhook(json!({
        "contacts": [{"profile": {"name": "Ann"}, "wa_id": number(0)}],
        "messages": [
            message("wamid.in1", &number(0), "text", json!({"body": " STOP "})),
            message("wamid.in2", &number(1), "button", json!({"payload": "stop", "text": "Stop promotions"})),
            message("wamid.in3", &number(2), "interactive",
                json!({"type": "button_reply", "button_reply": {"id": "unsubscribe", "title": "Unsubscribe"}})),
        ]
    }));
    let (code, answer) = receiver.post_signed(&body);
    assert_eq!(code, StatusCode::OK, "{answer}");
    assert_eq!(answer["opt_outs"], 3);
    let (_, again) = receiver.post_signed(&body);
    assert_eq!(again["opt_outs"], 0, "each inbound message counts once");
    assert_eq!(
        test.read("optout.csv"),
        format!("phone\n+{}\n+{}\n+{}\n", number(0), number(1), number(2))
    );
    let plan = test.run(&["plan", "campaign.yaml", "--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(plan["counts"]["suppressed"], 3);
}

#[test]
fn a_body_with_unreadable_entries_records_the_readable_ones() {
    let peer = Peer::start(Faults::default());
    let test = campaign(1, "rate_per_second: 1000");
    assert_eq!(apply(&test, &peer, &[]).code, 0);
    let wamid = report(&test)[0].message_id.clone();
    let receiver = Receiver::start(&test);
    let body = webhook(json!({"statuses": [
        {"status": "read"},
        status(&wamid, "read", &number(0)),
        {"id": "wamid.x", "status": "read", "timestamp": {"not": "seconds"}},
    ]}));
    let (code, answer) = receiver.post_signed(&body);
    assert_eq!(code, StatusCode::OK, "{answer}");
    assert_eq!(
        (answer["recorded"].clone(), answer["unreadable"].clone()),
        (json!(1), json!(2))
    );
    let status = status_json(&test);
    assert_eq!(status["funnel"]["read"], 1);
    assert_eq!(status["unreadable"]["count"], 2, "kept with their reasons");
    let (code, _) = receiver.post_signed("{\"object\":\"page\",\"entry\":[]}");
    assert_eq!(code, StatusCode::BAD_REQUEST, "not a WhatsApp webhook");
}

#[test]
fn a_status_saying_the_user_stopped_marketing_is_an_opt_out_for_later_plans() {
    let peer = Peer::start(Faults::default());
    let test = campaign(2, "rate_per_second: 1000");
    assert_eq!(apply(&test, &peer, &[]).code, 0);
    let wamid = report(&test)[1].message_id.clone();
    let receiver = Receiver::start(&test);
    let mut failed = status(&wamid, "failed", &number(1));
    failed["errors"] = json!([{"code": 131050, "title": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
        "message": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
        "error_data": {"details": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."}}]);
    let body = webhook(json!({"statuses": [failed]}));
    let (code, answer) = receiver.post_signed(&body);
    assert_eq!(code, StatusCode::OK, "{answer}");
    assert_eq!(
        (answer["recorded"].clone(), answer["opt_outs"].clone()),
        (json!(1), json!(1))
    );
    let (_, again) = receiver.post_signed(&body);
    assert_eq!(again["opt_outs"], 0, "recorded once");
    assert_eq!(test.read("optout.csv"), format!("phone\n+{}\n", number(1)));
    let status = status_json(&test);
    assert_eq!(status["opted_out"]["count"], 1, "{status:#}");
    assert_eq!(super::suppressed_when_retrying(&test), 1);
}
