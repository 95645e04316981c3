//! Delivery windows in each recipient's own time zone, through the real
//! binary at fixed clocks (`WACAST_NOW`): plan's `schedule` object, apply
//! sending exactly the recipients whose window is open and exiting 6 for the
//! rest, `apply --wait`, days of the week, a window across midnight and the
//! day clocks change.

use crate::apply::{Peer, TOKEN, apply, nobody_twice};
use crate::support::Test;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use wacast::sandbox::Faults;

/// London, New York, San Francisco, Mumbai, Tokyo, Sydney, a number in two
/// zones (Boise or Los Angeles) and a New York number whose column says Tokyo.
const AUDIENCE: &str = "phone,name,tz
+447400123456,London,
+12125550100,New York,
+14155550100,San Francisco,
+919876543210,Mumbai,
+818012345678,Tokyo,
+61412345678,Sydney,
+12082400123,Boise or Los Angeles,
+12125550101,Tokyo by column,Asia/Tokyo
";

fn campaign(window: &str, audience: &str) -> Test {
    let yaml = format!(
        "version: 1\nname: spring\nsender: {{bot_id: acme-bot, region: eu}}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  body_params: [\"{{{{ name }}}}\"]\naudience: {{file: audience.csv, time_zone_column: tz}}\ndelivery:\n  rate_per_second: 1000\n  window: {window}\n"
    );
    Test::new()
        .write("campaign.yaml", yaml)
        .write("audience.csv", audience)
        .env("SINCH_TOKEN", TOKEN)
}

fn at(test: Test, now: &str) -> Test {
    test.env("WACAST_NOW", now)
}

/// The numbers the sandbox received, each once.
fn received(peer: &Peer) -> BTreeSet<String> {
    nobody_twice(peer);
    peer.received().into_keys().collect()
}

fn numbers(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|n| n.to_string()).collect()
}

fn schedule(test: &Test, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["plan", "campaign.yaml", "--format", "json"];
    all.extend_from_slice(args);
    let run = test.run(&all);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    plan["schedule"].clone()
}

#[test]
fn plan_classifies_each_recipient_in_their_own_zone() {
    let test = at(
        campaign("{hours: \"09:00-20:00\"}", AUDIENCE),
        "2026-01-15T10:00:00Z",
    );
    // 10:00 UTC: London 10:00, Mumbai 15:30, Tokyo 19:00 are open; New York
    // 05:00, San Francisco 02:00, Sydney 21:00 and Boise 03:00 are not.
    let now = schedule(&test, &[]);
    assert_eq!(
        now,
        serde_json::json!({
            "now": "2026-01-15T10:00:00Z",
            "send_now": 4,
            "deferred": 4,
            "next_send_at": "2026-01-15T14:00:00Z",
            "deferred_by": {"window": 4, "wave": 0, "messaging_limit": 0},
            "never_in_window": 0,
            "time_zones": {"from_column": 1, "from_number": 7, "from_window": 0, "ambiguous": 1},
        })
    );
    // `--at` asks the same question for another time, over WACAST_NOW.
    let later = schedule(&test, &["--at", "2026-01-15T17:00:00Z"]);
    assert_eq!(
        later["send_now"], 4,
        "London, New York, San Francisco, Boise: {later}"
    );
    assert_eq!(later["next_send_at"], "2026-01-15T22:00:00Z");
}

#[test]
fn plans_without_a_window_have_no_schedule() {
    let test = crate::apply::campaign(2, false, "rate_per_second: 10")
        .env("WACAST_NOW", "2026-01-15T10:00:00Z");
    let run = test.run(&["plan", "campaign.yaml", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(plan.get("schedule").is_none(), "{}", run.stdout);
    let text = test.run(&["plan", "campaign.yaml"]);
    assert!(!text.stdout.contains("schedule"), "{}", text.stdout);
}

#[test]
fn apply_sends_exactly_the_open_window_and_exits_6_for_the_rest() {
    let peer = Peer::start(Faults::default());
    let test = at(
        campaign("{hours: \"09:00-20:00\"}", AUDIENCE),
        "2026-01-15T10:00:00Z",
    );
    let run = apply(&test, &peer, &["--format", "json"]);
    assert_eq!(run.code, 6, "{}", run.transcript());
    assert_eq!(
        received(&peer),
        numbers(&[
            "447400123456",
            "919876543210",
            "818012345678",
            "12125550101"
        ])
    );
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["status"], "deferred");
    assert_eq!(
        summary["counts"]["pending"], 4,
        "deferred recipients stay pending"
    );
    assert_eq!(summary["schedule"]["deferred"], 4);
    assert_eq!(summary["schedule"]["next_send_at"], "2026-01-15T14:00:00Z");
    assert!(run.stderr.contains("finished for now"), "{}", run.stderr);
    let status = test.run(&["status", "campaign.yaml", "--format", "json"]);
    assert_eq!(status.code, 0, "{}", status.transcript());
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["schedule"]["deferred"], 4, "{status}");
    assert_eq!(status["schedule"]["next_send_at"], "2026-01-15T14:00:00Z");

    // At 17:00 UTC New York (12:00), San Francisco and Boise (09:00/10:00) open.
    let test = at(test, "2026-01-15T17:00:00Z");
    let run = apply(&test, &peer, &["--format", "json"]);
    assert_eq!(run.code, 6, "{}", run.transcript());
    assert_eq!(received(&peer).len(), 7);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["schedule"]["next_send_at"], "2026-01-15T22:00:00Z");

    // At 23:00 UTC it is 10:00 in Sydney: the last one goes, and apply exits 0.
    let test = at(test, "2026-01-15T23:00:00Z");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(received(&peer).len(), 8);
}

#[test]
fn apply_wait_sends_when_the_window_opens() {
    let peer = Peer::start(Faults::default());
    // Three seconds before 09:00 in London.
    let test = at(
        campaign(
            "{hours: \"09:00-20:00\"}",
            "phone,name,tz\n+447400123456,London,\n+447400123457,Londoner,\n",
        ),
        "2026-01-15T08:59:57Z",
    );
    let started = Instant::now();
    let run = apply(&test, &peer, &["--wait"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(received(&peer).len(), 2);
    assert!(
        run.stderr
            .contains("waiting until 2026-01-15T09:00:00Z for 2 deferred recipient(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn days_of_the_week_are_the_recipients_days() {
    let test = campaign(
        "{hours: \"09:00-20:00\", days: [mon, tue, wed, thu, fri]}",
        AUDIENCE,
    );
    // Saturday 2026-01-17 10:00 UTC: nobody's weekday (it is Saturday
    // everywhere but Sydney, where it is Saturday night).
    let saturday = schedule(&test, &["--at", "2026-01-17T10:00:00Z"]);
    assert_eq!(saturday["send_now"], 0, "{saturday}");
    // Tokyo and Sydney open first, on Monday morning their time.
    assert_eq!(saturday["next_send_at"], "2026-01-18T22:00:00Z");
    let friday = schedule(&test, &["--at", "2026-01-16T10:00:00Z"]);
    assert_eq!(friday["send_now"], 4, "{friday}");
}

#[test]
fn a_window_across_midnight_belongs_to_the_day_it_opened() {
    let audience = "phone,name,tz\n+447400123456,London,\n";
    let test = campaign("{hours: \"22:00-06:00\", days: [fri]}", audience);
    // Friday 2026-01-16 23:00 and Saturday 05:59 are Friday's night.
    assert_eq!(
        schedule(&test, &["--at", "2026-01-16T23:00:00Z"])["send_now"],
        1
    );
    assert_eq!(
        schedule(&test, &["--at", "2026-01-17T05:59:00Z"])["send_now"],
        1
    );
    let saturday = schedule(&test, &["--at", "2026-01-17T06:00:00Z"]);
    assert_eq!(saturday["send_now"], 0);
    assert_eq!(saturday["next_send_at"], "2026-01-23T22:00:00Z");
}

#[test]
fn the_day_clocks_change_the_window_follows_local_time() {
    let audience = "phone,name,tz\n+447400123456,London,\n+12125550100,New York,\n";
    let test = campaign("{hours: \"09:00-20:00\"}", audience);
    // 2026-03-08: New York moves to EDT (-4); 09:00 there is 13:00 UTC.
    let sunday = schedule(&test, &["--at", "2026-03-08T12:30:00Z"]);
    assert_eq!(sunday["send_now"], 1, "London only: {sunday}");
    assert_eq!(sunday["next_send_at"], "2026-03-08T13:00:00Z");
    assert_eq!(
        schedule(&test, &["--at", "2026-03-08T13:00:00Z"])["send_now"],
        2
    );
    // 2026-03-29: London moves to BST (+1); 20:00 there is 19:00 UTC.
    let london = schedule(&test, &["--at", "2026-03-29T19:00:00Z"]);
    assert_eq!(london["send_now"], 1, "New York only: {london}");
    assert_eq!(london["next_send_at"], "2026-03-30T08:00:00Z");
}

#[test]
fn bad_clocks_are_usage_errors() {
    let test = at(campaign("{hours: \"09:00-20:00\"}", AUDIENCE), "yesterday");
    let run = test.run(&["plan", "campaign.yaml"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("WACAST_NOW"), "{}", run.stderr);
    let run = Test::new().run(&["plan", "campaign.yaml", "--at", "noon"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
}

/// A campaign of `sender` named `name` with a messaging limit of 3.
fn limited(test: Test, name: &str, numbers: &[&str]) -> Test {
    let yaml = format!(
        "version: 1\nname: {name}\nsender: {{bot_id: acme-bot, region: eu}}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  body_params: [\"{{{{ name }}}}\"]\naudience: {{file: {name}.csv, default_country: GB}}\ndelivery:\n  rate_per_second: 1000\n  messaging_limit: 3\n"
    );
    let mut csv = String::from("phone,name\n");
    for number in numbers {
        csv.push_str(&format!("{number},someone\n"));
    }
    test.write(&format!("{name}.yaml"), yaml)
        .write(&format!("{name}.csv",), csv)
}

fn apply_file(test: &Test, peer: &Peer, file: &str) -> serde_json::Value {
    let url = peer.url();
    let run = test.run(&[
        "apply",
        file,
        "--yes",
        "--endpoint",
        &url,
        "--format",
        "json",
    ]);
    assert!(matches!(run.code, 0 | 6), "{}", run.transcript());
    let mut summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    summary["exit"] = run.code.into();
    summary
}

/// `now` shifted by `hours`, as RFC 3339.
fn hours_from_now(hours: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    jiff::Timestamp::from_second(now + hours * 3600)
        .unwrap()
        .to_string()
}

#[test]
fn the_messaging_limit_counts_every_campaign_of_the_sender() {
    let peer = Peer::start(Faults::default());
    let test = limited(Test::new(), "first", &["07400100001", "07400100002"]);
    let test = limited(
        test,
        "second",
        &["07400100003", "07400100004", "07400100005"],
    )
    .env("SINCH_TOKEN", TOKEN);
    let first = apply_file(&test, &peer, "first.yaml");
    assert_eq!(first["exit"], 0, "{first}");

    // The first campaign's two sends leave one of three for the second.
    let plan = test.run(&["plan", "second.yaml", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(plan["schedule"]["send_now"], 1, "{plan}");
    assert_eq!(plan["schedule"]["deferred_by"]["messaging_limit"], 2);
    assert_eq!(plan["schedule"]["forecast"]["reached_last_24h"], 2);
    assert_eq!(plan["schedule"]["forecast"]["days"], 2);

    let second = apply_file(&test, &peer, "second.yaml");
    assert_eq!(second["exit"], 6, "{second}");
    assert_eq!(second["status"], "deferred");
    assert_eq!(second["schedule"]["send_now"], 1);
    assert_eq!(second["schedule"]["deferred_by"]["messaging_limit"], 2);
    assert!(second["schedule"]["next_send_at"].is_string(), "{second}");
    assert_eq!(received(&peer).len(), 3);

    // Still within 24 hours: nothing more goes.
    let again = apply_file(
        &test.env("WACAST_NOW", &hours_from_now(23)),
        &peer,
        "second.yaml",
    );
    assert_eq!(again["exit"], 6, "{again}");
    assert_eq!(received(&peer).len(), 3);
}

#[test]
fn the_messaging_limit_rolls_over_after_24_hours() {
    let peer = Peer::start(Faults::default());
    let test = limited(
        Test::new(),
        "first",
        &["07400100001", "07400100002", "07400100003"],
    );
    let test = limited(test, "second", &["07400100004", "07400100005"]).env("SINCH_TOKEN", TOKEN);
    assert_eq!(apply_file(&test, &peer, "first.yaml")["exit"], 0);
    let full = apply_file(&test, &peer, "second.yaml");
    assert_eq!(full["exit"], 6, "{full}");
    assert_eq!(full["schedule"]["send_now"], 0);
    let later = test.env("WACAST_NOW", &hours_from_now(25));
    let rolled = apply_file(&later, &peer, "second.yaml");
    assert_eq!(rolled["exit"], 0, "{rolled}");
    assert_eq!(received(&peer).len(), 5);
}
