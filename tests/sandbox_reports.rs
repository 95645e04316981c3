//! `apply --sandbox` records the embedded sandbox's simulated delivery
//! reports in the journal, for every provider, so `status` right after it
//! shows the funnel; `--no-delivery-reports` leaves them out, and the
//! campaign's own callback URL never hears of them.

use crate::support::{Run, Test, promo};
use serde_json::{Value, json};

/// `status --format json`'s funnel.
fn funnel(test: &Test, campaign: &str) -> Value {
    let run = test.run(&["status", campaign, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let status: Value = serde_json::from_str(&run.stdout).unwrap();
    status["funnel"].clone()
}

/// Every one of `n` sent recipients delivered and read.
fn all_read(n: u64) -> Value {
    json!({"sent": n, "delivered": n, "read": n, "failed": 0, "awaiting": 0})
}

/// apply's messages without the lines that vary from run to run.
fn stable_messages(run: &Run) -> String {
    run.stderr
        .lines()
        .filter(|line| !line.starts_with("progress:") && !line.starts_with("this run:"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// The `delivery` section of `status`'s text.
fn delivery_section(status: &str) -> String {
    status
        .lines()
        .skip_while(|line| *line != "delivery")
        .take_while(|line| !line.is_empty())
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn the_readme_s_first_command_leaves_a_funnel_that_status_shows() {
    let test = promo();
    let apply = test.run(&["apply", "promo/campaign.yaml", "--sandbox", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    insta::assert_snapshot!(stable_messages(&apply), @r"
    apply `spring-sale-2026`: 4 to send via the embedded sandbox; audience: 4 recipient(s), 0 skipped, 0 duplicate(s), 1 suppressed; journal: 0 sent, 0 failed, 0 unknown
    the embedded sandbox received 4 message(s)
    recorded 20 delivery report(s) from the embedded sandbox; `wacast status` shows the funnel
    campaign: 4 sent, 0 failed, 0 unknown, 0 pending, 0 skipped; report: promo/.wacast/spring-sale-2026-report.csv (4 row(s))
    ");
    assert_eq!(funnel(&test, "promo/campaign.yaml"), all_read(4));
    let status = test.run(&["status", "promo/campaign.yaml"]);
    insta::assert_snapshot!(delivery_section(&status.stdout), @r"
    delivery
      sent       4
      delivered  4  (100%)
      read       4  (100%)
      failed     0  (0%)
      no report  0 (sent, nothing reported past `sent` yet)
    ");
    let report = test.read("promo/.wacast/spring-sale-2026-report.csv");
    let rows: Vec<&str> = report.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{report}");
    assert!(
        rows.iter()
            .all(|row| row.contains(",sent,") && row.contains(",read,")),
        "the report apply writes shows every message read:\n{report}"
    );
}

#[test]
fn a_conversation_campaign_s_reports_are_recorded() {
    let test =
        crate::conversation::campaign(3, "rate_per_second: 1000", crate::conversation::SIMPLE)
            .env("SINCH_KEY_ID", "")
            .env("SINCH_KEY_SECRET", "");
    // The Conversation API reports from `QUEUED_ON_CHANNEL` on: 3 a message.
    applies_with_reports_read(&test, 3, 9);
}

/// `apply --sandbox` of `test`'s `recipients` records `reports` delivery
/// reports, and every recipient reads as read.
fn applies_with_reports_read(test: &Test, recipients: u64, reports: u64) {
    let apply = test.run(&["apply", "campaign.yaml", "--sandbox", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    assert!(
        apply.stderr.contains(&format!(
            "recorded {reports} delivery report(s) from the embedded sandbox"
        )),
        "{}",
        apply.transcript()
    );
    assert_eq!(funnel(test, "campaign.yaml"), all_read(recipients));
}

#[test]
fn a_meta_cloud_campaign_s_webhooks_are_recorded() {
    let test = crate::meta_cloud::campaign(3, "rate_per_second: 1000");
    // Meta's webhooks say `sent`, `delivered` and `read`: 3 a message.
    applies_with_reports_read(&test, 3, 9);
}

#[test]
fn no_delivery_reports_leaves_recipients_sent_with_nothing_reported() {
    let test = crate::apply::campaign(3, false, "rate_per_second: 1000");
    let apply = test.run(&[
        "apply",
        "campaign.yaml",
        "--sandbox",
        "--yes",
        "--no-delivery-reports",
    ]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    assert!(
        !apply.stderr.contains("delivery report"),
        "{}",
        apply.stderr
    );
    assert_eq!(
        funnel(&test, "campaign.yaml"),
        json!({"sent": 3, "delivered": 0, "read": 0, "failed": 0, "awaiting": 3})
    );
    let without_sandbox = test.run(&["apply", "campaign.yaml", "--no-delivery-reports"]);
    assert_eq!(without_sandbox.code, 2, "{}", without_sandbox.transcript());
}

#[test]
fn the_campaign_s_own_callback_url_hears_nothing_from_the_sandbox() {
    let hook = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    hook.set_nonblocking(true).unwrap();
    let delivery = format!(
        "rate_per_second: 1000, callback_url: \"http://{}/x\"",
        hook.local_addr().unwrap()
    );
    let test = crate::apply::campaign(3, false, &delivery);
    let apply = test.run(&["apply", "campaign.yaml", "--sandbox", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    assert_eq!(funnel(&test, "campaign.yaml"), all_read(3));
    match hook.accept() {
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the campaign's callback URL was called: {other:?}"),
    }
}

#[test]
fn a_callback_url_on_an_unreachable_host_changes_nothing() {
    let test = crate::apply::campaign(
        2,
        false,
        "rate_per_second: 1000, callback_url: \"https://hooks.invalid/x\"",
    );
    let apply = test.run(&["apply", "campaign.yaml", "--sandbox", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    assert!(
        apply
            .stderr
            .contains("recorded 10 delivery report(s) from the embedded sandbox; `wacast status` shows the funnel"),
        "{}",
        apply.transcript()
    );
    assert_eq!(funnel(&test, "campaign.yaml"), all_read(2));
}
