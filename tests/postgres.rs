//! PostgreSQL state through the real binary and the real HTTP path: apply's
//! fault scenarios, `kill -9` and a resume from another folder (as from
//! another runner), two applies at once, connections ended under a running
//! apply, a listener writing reports while apply sends, and `state push`.
//! Each test works in a schema of its own on the server
//! `WACAST_TEST_DATABASE_URL` names; unset, they are skipped with a notice;
//! set but unreachable, they fail.

use crate::apply::{
    Peer, TOKEN, apply, campaign, nobody_twice, report, sent_once_or_unknown, start_apply,
    statuses, wait_for_requests,
};
use crate::support::Test;
use std::time::{Duration, Instant};
use wacast::journal::postgres::PgLocation;
use wacast::sandbox::{Delivery, Faults, Latency, SandboxConfig};

/// A schema of the test's own, dropped with this.
struct Db {
    base: String,
    schema: String,
    admin: postgres::Client,
}

fn db() -> Option<Db> {
    let Ok(base) = std::env::var("WACAST_TEST_DATABASE_URL") else {
        eprintln!("notice: WACAST_TEST_DATABASE_URL is unset; skipping a PostgreSQL test");
        return None;
    };
    let admin = PgLocation::parse(&base)
        .expect("WACAST_TEST_DATABASE_URL parses")
        .connect()
        .unwrap_or_else(|e| {
            panic!("WACAST_TEST_DATABASE_URL is set but the server cannot be reached: {e}")
        });
    let schema = format!("wacast_it_{:016x}", random());
    Some(Db {
        base,
        schema,
        admin,
    })
}

fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

impl Db {
    /// The state URL: the test's schema on the test server.
    fn url(&self) -> String {
        let separator = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{separator}schema={}", self.base, self.schema)
    }

    /// The state URL whose connections are named `name`, to end them.
    fn named(&self, name: &str) -> String {
        format!("{}&application_name={name}", self.url())
    }

    /// Ends every connection named `name`; how many there were.
    fn terminate(&mut self, name: &str) -> usize {
        self.admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                &[&name],
            )
            .unwrap()
            .len()
    }

    /// A campaign whose state is in this schema.
    fn campaign(&self, rows: usize, delivery: &str) -> Test {
        campaign(rows, false, delivery).env("WACAST_STATE", &self.url())
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = self.admin.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
            self.schema
        ));
    }
}

#[test]
fn a_password_in_a_state_url_is_masked_in_every_error() {
    let test = campaign(2, false, "concurrency: 1");
    let unreachable = test.run(&[
        "plan",
        "campaign.yaml",
        "--state",
        "postgres://ann:hunter2@127.0.0.1:1/jobs?connect_timeout=2",
    ]);
    assert_eq!(unreachable.code, 1, "{}", unreachable.transcript());
    // Nothing listens on port 1 of loopback: the connection is refused, and
    // the message says so once, after the masked URL.
    insta::assert_snapshot!("unreachable_server", unreachable.stderr);
    let bad = test.run(&[
        "status",
        "campaign.yaml",
        "--state",
        "postgresql://ann:hunter2@db/jobs?sslmode=sometimes",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.transcript());
    assert!(bad.stderr.contains("sslmode"), "{}", bad.stderr);
    let from_env = test
        .command(&["apply", "campaign.yaml", "--help"])
        .env("WACAST_STATE", "postgres://ann:hunter2@db/jobs")
        .output()
        .unwrap();
    for text in [
        &unreachable.stdout,
        &unreachable.stderr,
        &bad.stdout,
        &bad.stderr,
        &String::from_utf8_lossy(&from_env.stdout).into_owned(),
    ] {
        assert!(!text.contains("hunter2"), "{text}");
    }
}

#[test]
fn apply_with_postgres_state_waits_out_throttling_and_status_reads_it() {
    let Some(db) = db() else { return };
    let peer = Peer::start(Faults {
        throttle_fraction: 0.4,
        retry_after_secs: 1,
        seed: Some(7),
        ..Faults::default()
    });
    let test = db.campaign(6, "concurrency: 1, rate_per_second: 1000, max_attempts: 10");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(peer.handle().stats().throttled >= 1);
    assert_eq!(peer.received().len(), 6);
    nobody_twice(&peer);
    assert!(!test.path().join(".wacast/journal.sqlite").exists());
    let status = test.run(&["status", "campaign.yaml", "--format", "json"]);
    assert_eq!(status.code, 0, "{}", status.transcript());
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["states"]["sent"], 6, "{status}");
    let again = apply(&test, &peer, &[]);
    assert!(again.stderr.contains("0 to send"), "{}", again.stderr);
}

#[test]
fn a_schema_that_lost_the_campaigns_rows_is_an_error_not_a_fresh_start() {
    let Some(mut db) = db() else { return };
    let peer = Peer::start(Faults::default());
    let test = db.campaign(3, "concurrency: 1, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let schema = db.schema.clone();
    db.admin
        .batch_execute(&format!("DELETE FROM \"{schema}\".recipients"))
        .unwrap();
    for args in [&["plan", "campaign.yaml"][..], &["status", "campaign.yaml"]] {
        let refused = test.run(args);
        assert_eq!(refused.code, 1, "{}", refused.transcript());
        assert!(
            refused
                .stderr
                .contains("the journal records 1 run(s) of it that sent"),
            "{}",
            refused.stderr
        );
    }
    let again = apply(&test, &peer, &[]);
    assert_eq!(again.code, 1, "{}", again.transcript());
    assert_eq!(peer.received().len(), 3, "nobody was sent twice");
    nobody_twice(&peer);
}

#[test]
fn lost_answers_with_postgres_state_become_unknown_and_are_never_sent_twice() {
    let Some(db) = db() else { return };
    let peer = Peer::start(Faults {
        lost_answer_fraction: 0.3,
        seed: Some(11),
        ..Faults::default()
    });
    let test = db.campaign(20, "concurrency: 2, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 4, "{}", run.transcript());
    let lost = peer.handle().stats().lost_answers as usize;
    assert!(lost > 0);
    assert_eq!(statuses(&test).get("unknown"), Some(&lost));
    peer.set_faults(Faults::default());
    let again = apply(&test, &peer, &[]);
    assert_eq!(again.code, 4, "{}", again.transcript());
    nobody_twice(&peer);
}

#[test]
fn a_revoked_token_with_postgres_state_stops_and_a_rerun_finishes() {
    let Some(db) = db() else { return };
    let peer = Peer::start(Faults {
        revoke_after: Some(5),
        ..Faults::default()
    });
    let test = db.campaign(15, "concurrency: 1, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 5, "{}", run.transcript());
    let counts = statuses(&test);
    assert_eq!(
        (counts.get("sent"), counts.get("pending")),
        (Some(&5), Some(&10))
    );
    peer.set_faults(Faults::default());
    let again = apply(&test, &peer, &[]);
    assert_eq!(again.code, 0, "{}", again.transcript());
    assert_eq!(peer.received().len(), 15);
    nobody_twice(&peer);
}

/// The same campaign in a second folder, sharing the state: another runner.
fn elsewhere(db: &Db, first: &Test) -> Test {
    Test::new()
        .write("campaign.yaml", first.read("campaign.yaml"))
        .write("audience.csv", first.read("audience.csv"))
        .env("SINCH_TOKEN", TOKEN)
        .env("WACAST_STATE", &db.url())
}

#[test]
fn kill_9_then_resume_from_another_folder_sends_nobody_twice() {
    let Some(db) = db() else { return };
    let peer = Peer::start(Faults {
        latency: Some(Latency::Fixed(Duration::from_millis(150))),
        ..Faults::default()
    });
    let first = db.campaign(30, "concurrency: 2, rate_per_second: 1000");
    let mut child = start_apply(&first, &peer);
    wait_for_requests(&peer, 6);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(peer.received().len() < 30, "killed mid-run");
    peer.set_faults(Faults::default());
    let second = elsewhere(&db, &first);
    let resumed = apply(&second, &peer, &[]);
    assert!(matches!(resumed.code, 0 | 4), "{}", resumed.transcript());
    nobody_twice(&peer);
    let rows = report(&second);
    assert_eq!(rows.len(), 30, "nobody is lost");
    sent_once_or_unknown(&peer, &rows);
}

#[test]
fn a_second_apply_from_another_process_is_refused_naming_the_holder() {
    let Some(db) = db() else { return };
    let peer = Peer::start(Faults {
        latency: Some(Latency::Fixed(Duration::from_millis(200))),
        ..Faults::default()
    });
    let first = db.campaign(50, "concurrency: 1, rate_per_second: 1000");
    let mut child = start_apply(&first, &peer);
    wait_for_requests(&peer, 1);
    let second = apply(&elsewhere(&db, &first), &peer, &[]);
    let holder = child.id();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(second.code, 1, "{}", second.transcript());
    assert!(
        second
            .stderr
            .contains("another apply of `spring` is running (host `"),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains(&format!("pid {holder}, since 20")),
        "{}",
        second.stderr
    );
}

#[test]
fn ended_connections_stop_the_run_with_exit_5_and_a_rerun_sends_nobody_twice() {
    let Some(mut db) = db() else { return };
    let peer = Peer::start(Faults {
        latency: Some(Latency::Fixed(Duration::from_millis(100))),
        ..Faults::default()
    });
    let test = db.campaign(40, "concurrency: 2, rate_per_second: 1000");
    let url = peer.url();
    let name = format!("wacast_{}", std::process::id());
    let child = test
        .command(&["apply", "campaign.yaml", "--yes", "--endpoint", &url])
        .env("WACAST_STATE", db.named(&name))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_requests(&peer, 4);
    assert!(db.terminate(&name) >= 1, "wacast's connections were found");
    let stopped = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("the journal"), "{stderr}");
    let sent_before = peer.received().len();
    assert!(sent_before < 40, "stopped before the end");
    let resumed = apply(&test, &peer, &[]);
    assert!(matches!(resumed.code, 0 | 4), "{}", resumed.transcript());
    nobody_twice(&peer);
    let rows = report(&test);
    assert_eq!(rows.len(), 40, "nobody is lost");
    sent_once_or_unknown(&peer, &rows);
    let unknown = rows.iter().filter(|(_, s)| s == "unknown").count();
    assert!(
        unknown <= 4,
        "only what was in flight is unknown: {unknown}"
    );
}

#[test]
fn a_listener_writes_reports_into_postgres_while_apply_sends() {
    let Some(db) = db() else { return };
    let test = db.campaign(30, "concurrency: 2, rate_per_second: 1000");
    let listener = test.listen(&["--campaign", "campaign.yaml"]);
    let base = listener.base.clone();
    let peer = Peer::start_with(SandboxConfig {
        delivery: Delivery {
            callback_url: Some(format!("{base}/callbacks")),
            step_delay: Duration::from_millis(5),
            ..Delivery::default()
        },
        faults: Faults {
            latency: Some(Latency::Fixed(Duration::from_millis(20))),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut funnel = serde_json::Value::Null;
    while Instant::now() < deadline {
        let status = test.run(&["status", "campaign.yaml", "--format", "json"]);
        let status: serde_json::Value = serde_json::from_str(&status.stdout)
            .unwrap_or_else(|_| panic!("{}", status.transcript()));
        funnel = status["funnel"].clone();
        if funnel["read"] == 30 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (code, said) = listener.interrupt();
    assert_eq!(code, 0, "{said}");
    assert_eq!(funnel["read"], 30, "{funnel}");
    assert_eq!(funnel["sent"], 30, "{funnel}");
}

#[test]
fn state_push_copies_a_sqlite_journal_and_plan_sees_the_same_classes() {
    let Some(db) = db() else { return };
    let peer = Peer::start(Faults {
        lost_answer_fraction: 0.3,
        seed: Some(11),
        ..Faults::default()
    });
    let test = campaign(20, false, "concurrency: 2, rate_per_second: 1000");
    assert_eq!(apply(&test, &peer, &[]).code, 4);
    let csv = test.read("audience.csv") + "07400 999999,Newcomer\n";
    let test = test.write("audience.csv", csv);
    let old = test.run(&["plan", "campaign.yaml", "--format", "json"]);
    assert_eq!(old.code, 0, "{}", old.transcript());
    let url = db.url();
    let pushed = test.run(&["state", "push", "--from", ".wacast", "--to", &url]);
    assert_eq!(pushed.code, 0, "{}", pushed.transcript());
    assert!(
        pushed.stderr.contains("campaign `spring`"),
        "{}",
        pushed.stderr
    );
    let new = test.run(&["plan", "campaign.yaml", "--format", "json", "--state", &url]);
    assert_eq!(new.code, 0, "{}", new.transcript());
    assert_eq!(old.stdout, new.stdout, "the same plan against either state");
    let again = test.run(&["state", "push", "--from", ".wacast", "--to", &url]);
    assert_eq!(again.code, 1, "{}", again.transcript());
    assert!(
        again.stderr.contains("already holds campaign `spring`"),
        "{}",
        again.stderr
    );
    let status = test.run(&["status", "campaign.yaml", "--state", &url]);
    assert_eq!(status.code, 0, "{}", status.transcript());
    let resumed = test.run(&[
        "apply",
        "campaign.yaml",
        "--yes",
        "--endpoint",
        &peer.url(),
        "--state",
        &url,
    ]);
    assert_eq!(resumed.code, 4, "{}", resumed.transcript());
    assert!(resumed.stderr.contains("1 to send"), "{}", resumed.stderr);
    nobody_twice(&peer);
}

#[test]
fn waves_with_postgres_state_stop_at_a_failed_gate_and_go_on_across_runs() {
    let Some(db) = db() else { return };
    let peer = Peer::start(Faults::default());
    let test = db.campaign(
        5,
        "rate_per_second: 1000, waves: [{size: 2, wait: 15m, max_failed_percent: 5}]",
    );
    // Rehearsed on a set clock: the journal's times are on it too.
    let url = peer.url();
    let apply_at = |now: &str| {
        let args = [
            "apply",
            "campaign.yaml",
            "--yes",
            "--no-wait",
            "--format",
            "json",
        ];
        let mut args = args.to_vec();
        args.extend(["--endpoint", url.as_str()]);
        test.run_with(&args, &[("WACAST_NOW", now)])
    };
    let first = apply_at("2026-01-15T10:00:00Z");
    assert_eq!(first.code, 6, "{}", first.transcript());
    assert_eq!(peer.received().len(), 2);
    let summary: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(summary["schedule"]["deferred_by"]["wave"], 3, "{summary}");
    let early = apply_at("2026-01-15T10:05:00Z");
    assert_eq!(early.code, 6, "{}", early.transcript());
    assert_eq!(peer.received().len(), 2, "the wait has not passed");
    let summary: serde_json::Value = serde_json::from_str(&early.stdout).unwrap();
    let next = summary["schedule"]["next_send_at"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(next.starts_with("2026-01-15T10:15:0"), "{next}");
    let done = apply_at("2026-01-15T10:20:00Z");
    assert_eq!(done.code, 0, "{}", done.transcript());
    assert_eq!(peer.received().len(), 5);
    nobody_twice(&peer);

    let refusing = Peer::start(Faults {
        fates: wacast::sandbox::Fates {
            refused: 1.0,
            ..Default::default()
        },
        ..Faults::default()
    });
    let gated = db.campaign(6, "").write(
        "campaign.yaml",
        "version: 1\nname: gated\nsender: {bot_id: acme-bot, region: eu}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  body_params: [\"{{ name }}\"]\naudience: {file: audience.csv, default_country: GB}\ndelivery: {rate_per_second: 1000, waves: [{size: 3, max_failed_percent: 10}]}\n",
    );
    let stopped = apply(&gated, &refusing, &["--format", "json"]);
    assert_eq!(stopped.code, 5, "{}", stopped.transcript());
    assert_eq!(refusing.received().len(), 3);
    let summary: serde_json::Value = serde_json::from_str(&stopped.stdout).unwrap();
    assert!(
        summary["stopped"]
            .as_str()
            .unwrap()
            .starts_with("wave 1's gate `max_failed_percent: 10` failed: 3 of 3"),
        "{summary}"
    );
}
