//! A campaign renamed after sending: `plan` warns that the journal's
//! campaign of the old name already sent this audience the same message, and
//! `renamed_from` carries the old name's journal over, so nobody is messaged
//! again.

use crate::listen::{AUDIENCE, CAMPAIGN};
use crate::support::Test;

fn sent_then_renamed(extra: &str) -> Test {
    sent_then_renamed_to("spring", extra)
}

/// `promo` sent, then renamed `name` with `extra` added to the campaign.
fn sent_then_renamed_to(name: &str, extra: &str) -> Test {
    let test = Test::new()
        .write("campaign.yaml", CAMPAIGN)
        .write("audience.csv", AUDIENCE);
    let run = test.run(&["apply", "campaign.yaml", "--sandbox", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let renamed = CAMPAIGN.replace("name: promo\n", &format!("name: {name}\n{extra}"));
    test.write("campaign.yaml", renamed)
}

#[test]
fn a_renamed_campaign_is_warned_about_in_the_plan() {
    let test = sent_then_renamed("");
    let plan = test.run(&["plan", "campaign.yaml"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert!(
        plan.stdout.starts_with("Plan: 4 to send"),
        "{}",
        plan.stdout
    );
    insta::assert_snapshot!(plan.stderr);
    let json = test.run(&["plan", "campaign.yaml", "--format", "json"]);
    assert!(json.stdout.contains("plan.renamed"), "{}", json.stdout);
}

#[test]
fn a_new_name_sorting_before_the_old_one_is_warned_about_too() {
    // The journal's other campaigns are read as the two ranges of names
    // around this one: `promo` comes after `autumn`.
    let test = sent_then_renamed_to("autumn", "");
    let json = test.run(&["plan", "campaign.yaml", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.transcript());
    assert!(json.stdout.contains("plan.renamed"), "{}", json.stdout);
    assert!(
        json.stdout.contains("campaign `promo` already sent"),
        "{}",
        json.stdout
    );
}

#[test]
fn renamed_from_carries_the_journal_over_and_nobody_is_messaged_again() {
    let test = sent_then_renamed("renamed_from: promo\n");
    let plan = test.run(&["plan", "campaign.yaml"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert!(
        plan.stdout.starts_with("Plan: 0 to send, 4 already sent"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stderr.contains("plan.renamed"), "{}", plan.stderr);
    let status = test.run(&["status", "campaign.yaml"]);
    assert!(status.stdout.contains("4 sent"), "{}", status.stdout);
    let apply = test.run(&["apply", "campaign.yaml", "--sandbox", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    assert!(apply.stderr.contains("0 to send"), "{}", apply.stderr);
    let db = rusqlite::Connection::open(test.path().join(".wacast/journal.sqlite")).unwrap();
    let names: Vec<(String, i64)> = db
        .prepare("SELECT campaign, COUNT(*) FROM recipients GROUP BY campaign")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(names, [("spring".to_owned(), 4)]);
    let again = test.run(&["apply", "campaign.yaml", "--sandbox", "--yes"]);
    assert!(again.stderr.contains("0 to send"), "{}", again.stderr);
}

#[test]
fn renamed_from_must_be_another_valid_campaign_name() {
    for (extra, expected) in [
        (
            "renamed_from: Promo 2025\n",
            "`Promo 2025` is not a valid campaign name",
        ),
        (
            "renamed_from: spring\n",
            "`renamed_from` is the campaign's own name `spring`",
        ),
    ] {
        let test = sent_then_renamed(extra);
        let run = test.run(&["validate", "campaign.yaml"]);
        assert_eq!(run.code, 3, "{}", run.transcript());
        assert!(run.stderr.contains(expected), "{}", run.stderr);
        assert!(run.stderr.contains("campaign.yaml:3:"), "{}", run.stderr);
    }
}

/// POSTs a `delivered` report for `message_id` (sent to `phone`) to `url`.
async fn delivered(url: &str, message_id: &str, phone: &str) -> (reqwest::StatusCode, String) {
    let body = serde_json::json!({"type": "whatsapp", "statuses": [{
        "status": "success", "state": "delivered", "message_id": message_id,
        "recipient": format!("+{phone}"), "timestamp": "2026-11-28T10:00:00Z",
    }]});
    let answer = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    (answer.status(), answer.text().await.unwrap())
}

#[test]
fn callbacks_under_the_old_name_wait_for_the_carry_over_then_are_recorded() {
    let test = sent_then_renamed("renamed_from: promo\n");
    let db = rusqlite::Connection::open(test.path().join(".wacast/journal.sqlite")).unwrap();
    let (message_id, phone): (String, i64) = db
        .query_row(
            "SELECT message_id, phone FROM recipients ORDER BY line LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    drop(db);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(crate::listen::listen(test.path(), None));
    // Messages sent before the rename ask for callbacks under the old name.
    let url = format!("{}/promo", listener.callback_url());
    let phone = phone.to_string();
    let (status, body) = runtime.block_on(delivered(&url, &message_id, &phone));
    assert_eq!(
        status, 503,
        "retried until the journal is carried over: {body}"
    );
    insta::assert_snapshot!("not_carried_over_yet", body);

    let apply = test.run(&["apply", "campaign.yaml", "--sandbox", "--yes"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    let (status, body) = runtime.block_on(delivered(&url, &message_id, &phone));
    assert_eq!(status, 200, "{body}");
    let receipt: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        receipt["orphans"], 0,
        "matched to the renamed campaign: {receipt}"
    );
    runtime.block_on(listener.shutdown());
    let status = test.run(&["status", "campaign.yaml", "--format", "json"]);
    assert_eq!(status.code, 0, "{}", status.transcript());
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert!(
        status["funnel"]["delivered"].as_u64() >= Some(1),
        "the report counts for the renamed campaign: {status}"
    );
}
