//! Conversation API callbacks into `wacast listen`: signed with the
//! webhook's secrets, read by the campaign's provider, recorded as v1's are.

use crate::listen::{campaign, journal, phone, post, seed, url};
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wacast::campaign::{Campaign, ProviderKind};
use wacast::journal::State;
use wacast::listen::{CampaignTarget, HmacKey, ListenConfig, Listener, ListenerHandle};
use wacast::sandbox::sinch_conversation::sandbox_callback::{
    self, CallbackSource, SignedCallback, SimulatedReport,
};
use wacast::transport::sinch_conversation::delivery_report::{DeliveryStatus, FailureReason};

const SECRET: &str = "webhook-secret-1";
const OVERRIDE_SECRET: &str = "override-secret-2";
const SOURCE: CallbackSource<'static> = CallbackSource {
    app_id: super::APP,
    project_id: super::PROJECT,
};

/// A listener serving the test's campaign as a Conversation campaign.
async fn listen(dir: &Path, secrets: &[&str]) -> ListenerHandle {
    let campaign = Campaign::load(&dir.join("campaign.yaml")).unwrap();
    let config = ListenConfig {
        webhook_secrets: secrets
            .iter()
            .map(|s| HmacKey(s.as_bytes().to_vec()))
            .collect(),
        providers: vec![(campaign.name.clone(), ProviderKind::SinchConversation)],
        campaigns: vec![CampaignTarget {
            name: campaign.name,
            opt_out: campaign.opt_out,
            renamed_from: None,
        }],
        ..ListenConfig::new(dir.join(".wacast"))
    };
    Listener::start(config).await.unwrap()
}

fn report(id: &str, n: u64, status: DeliveryStatus, reason: Option<FailureReason>) -> Vec<u8> {
    let identity = phone(n).digits();
    let report = SimulatedReport {
        message_id: id,
        identity: &identity,
        status,
        reason,
        metadata: "{\"campaign\":\"promo\"}",
        event_time: UNIX_EPOCH + Duration::from_secs(1_790_000_000),
    };
    sandbox_callback::delivery_report_body(SOURCE, &report, UNIX_EPOCH)
}

fn sign(body: Vec<u8>, secret: &str) -> SignedCallback {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    sandbox_callback::signed(body, secret.as_bytes(), "01FJA8B4A7BM43YGWSG9GBV067", now)
}

/// The delivery state recorded for the `n`th audience number.
fn state(journal: &dyn wacast::journal::Backend, n: u64) -> String {
    journal
        .delivery_of(phone(n))
        .unwrap()
        .unwrap()
        .delivery_state
}

async fn send(url: &str, signed: &SignedCallback) -> (StatusCode, serde_json::Value) {
    let body = String::from_utf8(signed.body.clone()).unwrap();
    let headers: Vec<(&str, &str)> = signed
        .headers
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    post(url, &body, &headers).await
}

#[tokio::test]
async fn signed_reports_are_recorded_and_bad_or_missing_signatures_refused() {
    let test = campaign();
    seed(
        test.path(),
        &[(1, State::Sent, Some("m1")), (2, State::Sent, Some("m2"))],
    );
    let listener = listen(test.path(), &[SECRET, OVERRIDE_SECRET]).await;
    let body = report("m1", 1, DeliveryStatus::Delivered, None);
    let good = sign(body.clone(), SECRET);
    let mut wrong = sign(body.clone(), "another-secret");
    let mut tampered = good.clone();
    tampered.body = report("m1", 1, DeliveryStatus::Read, None);
    let mut missing = good.clone();
    missing
        .headers
        .retain(|(n, _)| *n != "x-sinch-webhook-signature-nonce");
    wrong
        .headers
        .retain(|(n, _)| *n != "x-sinch-webhook-signature-algorithm");
    let unsigned = SignedCallback {
        body: body.clone(),
        headers: Vec::new(),
    };
    for refused in [&wrong, &tampered, &missing, &unsigned] {
        let (status, answer) = send(&url(&listener), refused).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    }
    let (_, answer) = send(&url(&listener), &unsigned).await;
    insta::assert_json_snapshot!("conversation_missing_signature", answer);
    assert_eq!(journal(test.path()).delivery_of(phone(1)).unwrap(), None);

    let (status, receipt) = send(&url(&listener), &good).await;
    assert_eq!((status, &receipt["recorded"]), (StatusCode::OK, &json!(1)));
    let (status, _) = send(&listener.callback_url(), &good).await;
    assert_eq!(status, StatusCode::OK, "also by message id alone");
    // A message sent with its own `callback_url` is signed with the app's
    // other secret.
    let other = sign(report("m2", 2, DeliveryStatus::Read, None), OVERRIDE_SECRET);
    assert_eq!(send(&url(&listener), &other).await.0, StatusCode::OK);
    let journal = journal(test.path());
    assert_eq!(state(&*journal, 1), "DELIVERED");
    assert_eq!(state(&*journal, 2), "READ");
}

#[tokio::test]
async fn sinchs_sdk_test_vector_passes() {
    let test = campaign();
    seed(test.path(), &[]);
    let listener = listen(test.path(), &["foo_secret1234"]).await;
    let body = include_str!("../fixtures/sinch_conversation/contact_create_signed.json");
    assert_eq!(body.len(), 405);
    let headers = [
        (
            "x-sinch-webhook-signature",
            "6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=",
        ),
        (
            "x-sinch-webhook-signature-nonce",
            "01FJA8B4A7BM43YGWSG9GBV067",
        ),
        ("x-sinch-webhook-signature-timestamp", "1634579353"),
        ("x-sinch-webhook-signature-algorithm", "HmacSHA256"),
    ];
    let (status, receipt) = post(&url(&listener), body, &headers).await;
    assert_eq!(
        (status, &receipt["ignored"]),
        (StatusCode::OK, &json!(1)),
        "{receipt}"
    );
    let (status, _) = post(
        &url(&listener),
        &body.replace("New Test", "Old Test"),
        &headers,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn reports_never_move_back_and_a_failure_keeps_whatsapps_code() {
    let test = campaign();
    seed(
        test.path(),
        &[(1, State::Sent, Some("m1")), (2, State::Sent, Some("m2"))],
    );
    let listener = listen(test.path(), &[]).await;
    for status in [
        DeliveryStatus::Read,
        DeliveryStatus::QueuedOnChannel,
        DeliveryStatus::Delivered,
    ] {
        let body = String::from_utf8(report("m1", 1, status, None)).unwrap();
        assert_eq!(post(&url(&listener), &body, &[]).await.0, StatusCode::OK);
    }
    let failure = FailureReason {
        code: "OUTSIDE_ALLOWED_SENDING_WINDOW".into(),
        description: "The underlying channel reported: re-engagement message".into(),
        sub_code: "UNSPECIFIED_SUB_CODE".into(),
        channel_code: "131047".into(),
    };
    let body = String::from_utf8(report("m2", 2, DeliveryStatus::Failed, Some(failure))).unwrap();
    let (_, first) = post(&url(&listener), &body, &[]).await;
    let (_, again) = post(&url(&listener), &body, &[]).await;
    assert_eq!(
        (&first["recorded"], &again["duplicates"]),
        (&json!(1), &json!(1))
    );
    let journal = journal(test.path());
    assert_eq!(state(&*journal, 1), "READ");
    let failed = journal.delivery_of(phone(2)).unwrap().unwrap();
    insta::assert_snapshot!(failed.failure_details.unwrap(), @"OUTSIDE_ALLOWED_SENDING_WINDOW (whatsapp error 131047): The underlying channel reported: re-engagement message");
    drop(listener);
    let status = test.run(&["status", "campaign.yaml"]);
    assert!(
        status.stdout.contains("whatsapp error 131047"),
        "{}",
        status.stdout
    );
}

#[tokio::test]
async fn an_unknown_send_is_reconciled_by_its_report() {
    let test = campaign();
    seed(test.path(), &[(1, State::Unknown, None)]);
    let listener = listen(test.path(), &[]).await;
    let body = String::from_utf8(report("m9", 1, DeliveryStatus::QueuedOnChannel, None)).unwrap();
    let (status, receipt) = post(&url(&listener), &body, &[]).await;
    assert_eq!(
        (status, &receipt["reconciled"]),
        (StatusCode::OK, &json!(1))
    );
    let counts = journal(test.path()).counts().unwrap();
    assert_eq!((counts.sent, counts.unknown), (1, 0));
}

#[tokio::test]
async fn a_report_with_a_foreign_message_id_marks_nobody_sent() {
    let test = campaign();
    crate::listen::settled(test.path());
    let listener = listen(test.path(), &[]).await;
    for n in 1..=3 {
        let body = report(&format!("foreign-{n}"), n, DeliveryStatus::Delivered, None);
        let body = String::from_utf8(body).unwrap();
        let (status, receipt) = post(&url(&listener), &body, &[]).await;
        assert_eq!(
            (status, &receipt["orphans"]),
            (StatusCode::OK, &json!(1)),
            "{receipt}"
        );
    }
    let journal = journal(test.path());
    let counts = journal.counts().unwrap();
    assert_eq!((counts.sent, counts.failed, counts.pending), (1, 1, 2));
    assert_eq!(journal.delivery_summary().unwrap().orphans, 3);
    assert!(journal.delivery_of(phone(1)).unwrap().is_none());
}

#[tokio::test]
async fn opt_outs_by_text_and_by_button_are_captured() {
    let test = campaign();
    seed(test.path(), &[(1, State::Sent, Some("m1"))]);
    let listener = listen(test.path(), &[]).await;
    let at = SystemTime::now();
    let (n2, n3, n4) = (phone(2).digits(), phone(3).digits(), phone(4).digits());
    let button = sandbox_callback::inbound_quick_reply_body(SOURCE, "in1", &n2, "m2", "STOP", at);
    let text = sandbox_callback::inbound_text_body(SOURCE, "in2", &n3, " unsubscribe ", at);
    let chat =
        sandbox_callback::inbound_text_body(SOURCE, "in3", &n4, "stop the offers please", at);
    let mut counts = Vec::new();
    for body in [&button, &button, &text, &chat] {
        let (status, receipt) =
            post(&url(&listener), std::str::from_utf8(body).unwrap(), &[]).await;
        assert_eq!(status, StatusCode::OK, "{receipt}");
        counts.push(receipt["opt_outs"].clone());
    }
    assert_eq!(counts, [json!(1), json!(0), json!(1), json!(0)]);
    assert_eq!(
        test.read("optout.csv"),
        "phone\n+447911123402\n+447911123403\n"
    );
    assert!(journal(test.path()).opted_out(phone(2)).unwrap());
}

#[tokio::test]
async fn one_listener_serves_v1_and_conversation_callbacks() {
    let test = campaign();
    seed(
        test.path(),
        &[(1, State::Sent, Some("m1")), (2, State::Sent, Some("m2"))],
    );
    let campaign = Campaign::load(&test.path().join("campaign.yaml")).unwrap();
    let config = ListenConfig {
        campaigns: vec![CampaignTarget {
            name: campaign.name,
            opt_out: campaign.opt_out,
            renamed_from: None,
        }],
        ..ListenConfig::new(test.path().join(".wacast"))
    };
    let listener = Listener::start(config).await.unwrap();
    let v1 = crate::listen::report("m1", 1, "delivered");
    let conversation = String::from_utf8(report("m2", 2, DeliveryStatus::Read, None)).unwrap();
    assert_eq!(post(&url(&listener), &v1, &[]).await.0, StatusCode::OK);
    assert_eq!(
        post(&listener.callback_url(), &conversation, &[]).await.0,
        StatusCode::OK
    );
    let journal = journal(test.path());
    assert_eq!(state(&*journal, 1), "delivered");
    assert_eq!(state(&*journal, 2), "READ");
}

/// A listener for the Conversation campaign `spring` of `test`, and the URL
/// its reports go to.
fn listen_to_spring(
    runtime: &tokio::runtime::Runtime,
    test: &crate::support::Test,
    secrets: &[&str],
) -> (ListenerHandle, String) {
    let config = ListenConfig {
        webhook_secrets: secrets
            .iter()
            .map(|s| HmacKey(s.as_bytes().to_vec()))
            .collect(),
        providers: vec![("spring".into(), ProviderKind::SinchConversation)],
        campaigns: vec![CampaignTarget {
            name: "spring".into(),
            opt_out: wacast::campaign::OptOut::default(),
            renamed_from: None,
        }],
        ..ListenConfig::new(test.path().join(".wacast"))
    };
    let listener = runtime.block_on(Listener::start(config)).unwrap();
    let callback = format!("{}/spring", listener.callback_url());
    (listener, callback)
}

#[test]
fn the_sandbox_reports_deliveries_signed_into_the_listener() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let test = super::campaign(3, "rate_per_second: 1000", super::SIMPLE);
    let (listener, callback) = listen_to_spring(&runtime, &test, &[SECRET]);
    let peer = super::peer(|c| {
        c.delivery.callback_url = Some(callback);
        c.delivery.step_delay = Duration::from_millis(20);
        c.conversation.webhook_secret = Some(SECRET.into());
    });
    let run = super::apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while peer.handle().stats().callbacks_delivered < 9 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let stats = peer.handle().stats();
    assert_eq!(
        (stats.callbacks_delivered, stats.callbacks_failed),
        (9, 0),
        "QUEUED_ON_CHANNEL, DELIVERED and READ for each of 3"
    );
    let report = test.run(&["status", "campaign.yaml", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(report["funnel"]["read"], 3, "{report}");
    runtime.block_on(async { drop(listener) });
}

#[test]
fn lost_answers_are_unknown_until_their_delivery_report_reconciles_them() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let test = super::campaign(12, "concurrency: 2, rate_per_second: 1000", super::SIMPLE);
    let (listener, callback) = listen_to_spring(&runtime, &test, &[]);
    let peer = super::peer(|c| {
        c.delivery.callback_url = Some(callback);
        c.delivery.step_delay = Duration::from_millis(300);
        c.faults.lost_answer_fraction = 0.4;
        c.faults.seed = Some(5);
    });
    let run = super::apply(&test, &peer, &[]);
    assert_eq!(run.code, 4, "{}", run.transcript());
    let lost = peer.handle().stats().lost_answers;
    assert!(lost > 0);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let states = || {
        let status = test.run(&["status", "campaign.yaml", "--format", "json"]);
        let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
        (
            status["states"]["sent"].clone(),
            status["states"]["unknown"].clone(),
        )
    };
    while states().1 != json!(0) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        states(),
        (json!(12), json!(0)),
        "{lost} lost answers reconciled"
    );
    crate::apply::nobody_twice(&peer);
    runtime.block_on(async { drop(listener) });
}
