//! Review through dry-run diffs: state-aware plans, saved plans applied
//! exactly, `wacast diff`, masking and CI exit codes.

use crate::support::{Test, promo, root};

fn apply(test: &Test, target: &str) -> crate::support::Run {
    test.run(&["apply", target, "--sandbox", "--yes"])
}

fn edit(test: &Test, name: &str, from: &str, to: &str) {
    let text = test.read(name);
    assert!(text.contains(from), "{name} has no `{from}`");
    std::fs::write(test.path().join(name), text.replace(from, to)).unwrap();
}

/// Sets a journal recipient's state, as an earlier run would have left it.
fn set_state(test: &Test, last_digits: &str, state: &str) {
    let journal =
        rusqlite::Connection::open(test.path().join("promo/.wacast/journal.sqlite")).unwrap();
    let changed = journal
        .execute(
            "UPDATE recipients SET state = ?1 WHERE CAST(phone AS TEXT) LIKE ?2",
            rusqlite::params![state, format!("%{last_digits}")],
        )
        .unwrap();
    assert_eq!(changed, 1);
}

#[test]
fn plan_classifies_every_recipient_against_the_journal() {
    let test = promo();
    apply(&test, "promo/campaign.yaml");
    set_state(&test, "3458", "unknown");
    set_state(&test, "6789", "failed");
    edit(&test, "promo/audience.csv", "SPRING-BOB", "SPRING-BOB2");
    edit(
        &test,
        "promo/audience.csv",
        "07911 123456,ann,vip,SPRING-ANN\n",
        "",
    );
    let audience = test.read("promo/audience.csv") + "07911 123460,eve,vip,SPRING-EVE\n";
    std::fs::write(test.path().join("promo/audience.csv"), audience).unwrap();
    let run = test.run(&["plan", "promo/campaign.yaml"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.starts_with(
            "Plan: 1 to send, 0 already sent, 1 changed since sent, 1 unknown, 1 failed earlier, 1 no longer in the audience.\n"
        ),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!(run.transcript());
    let flags = test.run(&[
        "plan",
        "promo/campaign.yaml",
        "--resend-unknown",
        "--retry-failed",
    ]);
    assert!(
        flags
            .stdout
            .starts_with("Plan: 3 to send, 0 already sent, 1 changed since sent, 0 unknown, 0 failed earlier, 1 no longer in the audience.\n"),
        "{}",
        flags.stdout
    );
    let journal = test.path().join("promo/.wacast/journal.sqlite");
    let before = std::fs::read(&journal).unwrap();
    test.run(&["plan", "promo/campaign.yaml"]);
    assert_eq!(
        before,
        std::fs::read(&journal).unwrap(),
        "plan never writes"
    );
}

#[test]
fn already_sent_recipients_are_not_planned_again() {
    let test = promo();
    apply(&test, "promo/campaign.yaml");
    let run = test.run(&["plan", "promo/campaign.yaml"]);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn plan_never_creates_the_journal() {
    let test = promo();
    test.run(&["plan", "promo/campaign.yaml"]);
    assert!(!test.path().join("promo/.wacast").exists());
    test.run(&["plan", "promo/campaign.yaml", "--state-dir", "state"]);
    assert!(!test.path().join("state").exists());
}

#[test]
fn detailed_exitcode_tells_no_op_from_will_send() {
    let test = promo();
    let args = ["plan", "promo/campaign.yaml", "--detailed-exitcode"];
    assert_eq!(test.run(&args).code, 2, "something to send");
    apply(&test, "promo/campaign.yaml");
    assert_eq!(test.run(&args).code, 0, "nothing to send");
    assert_eq!(test.run(&["plan", "promo/campaign.yaml"]).code, 0);
    edit(
        &test,
        "promo/campaign.yaml",
        "language: en_GB",
        "language: xx",
    );
    assert_eq!(test.run(&args).code, 1, "an invalid campaign is an error");
    assert_eq!(test.run(&["plan", "promo/campaign.yaml"]).code, 3);
}

#[test]
fn markdown_plan_for_a_pull_request_comment() {
    let test = promo();
    apply(&test, "promo/campaign.yaml");
    edit(&test, "promo/audience.csv", "SPRING-BOB", "SPRING-BOB2");
    let run = test.run(&["plan", "promo/campaign.yaml", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(!run.stdout.contains("7911123457"), "numbers are masked");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn a_fully_applied_plan_sends_nothing() {
    let test = promo();
    let run = test.run(&["plan", "promo/campaign.yaml", "--out", "plan.json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let first = apply(&test, "plan.json");
    assert_eq!(first.code, 0, "{}", first.transcript());
    assert!(
        first.stderr.contains("received 4 message(s)"),
        "{}",
        first.stderr
    );
    let again = apply(&test, "plan.json");
    assert_eq!(again.code, 0, "{}", again.transcript());
    assert!(
        again
            .stderr
            .contains("plan.json: the plan is fully applied"),
        "{}",
        again.stderr
    );
    assert!(again.stderr.contains(": 0 to send"), "{}", again.stderr);
    assert!(!again.stderr.contains("received"), "{}", again.stderr);
}

/// Applying a plan after `change` refuses with `expected` and sends nothing.
fn refused(change: impl FnOnce(&Test), expected: &str) {
    let test = promo();
    apply(&test, "promo/campaign.yaml");
    edit(&test, "promo/audience.csv", "SPRING-BOB", "SPRING-BOB2");
    test.run(&[
        "plan",
        "promo/campaign.yaml",
        "--out",
        "plan.json",
        "--retry-failed",
    ]);
    change(&test);
    let run = apply(&test, "plan.json");
    assert_eq!(run.code, 3, "{}", run.transcript());
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    assert!(!run.stderr.contains("sandbox received"), "{}", run.stderr);
}

#[test]
fn a_stale_plan_is_refused_for_each_pinned_input_and_the_journal() {
    refused(
        |t| edit(t, "promo/campaign.yaml", "discount: 20", "discount: 25"),
        "refusing to apply `plan.json`: campaign.yaml changed since the plan was made: plan again",
    );
    refused(
        |t| edit(t, "promo/audience.csv", "SPRING-ANN", "SPRING-ANN2"),
        "audience.csv changed since the plan was made: plan again",
    );
    refused(
        |t| std::fs::write(t.path().join("optout.csv"), "phone\n+447911123456\n").unwrap(),
        "../optout.csv changed since the plan was made: plan again",
    );
    refused(
        |t| {
            let catalog = t.read("promo/templates.yaml") + "\n";
            std::fs::write(t.path().join("promo/templates.yaml"), catalog).unwrap();
        },
        "templates.yaml changed since the plan was made: plan again",
    );
    refused(
        |t| set_state(t, "3456", "failed"),
        "the journal changed since the plan was made: line 2 (+44 •••• ••3456) was `=` and is now `+`: plan again",
    );
}

#[test]
fn a_saved_plan_is_applied_exactly() {
    let test = promo();
    apply(&test, "promo/campaign.yaml");
    set_state(&test, "3458", "failed");
    edit(&test, "promo/audience.csv", "SPRING-BOB", "SPRING-BOB2");
    let plan = test.run(&[
        "plan",
        "promo/campaign.yaml",
        "--out",
        "plan.json",
        "--retry-failed",
    ]);
    assert!(
        plan.stdout
            .starts_with("Plan: 1 to send, 2 already sent, 1 changed"),
        "{}",
        plan.stdout
    );
    let refused = test.run(&[
        "apply",
        "plan.json",
        "--sandbox",
        "--yes",
        "--resend-unknown",
    ]);
    assert_eq!(refused.code, 2, "{}", refused.transcript());
    let run = apply(&test, "plan.json");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr.contains("the plan still holds (1 to send)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("received 1 message(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn diff_shows_campaign_and_recipient_changes() {
    let test = promo();
    test.run(&["plan", "promo/campaign.yaml", "--out", "old.plan"]);
    edit(&test, "promo/campaign.yaml", "discount: 20", "discount: 25");
    edit(
        &test,
        "promo/campaign.yaml",
        "rate_per_second: 20",
        "rate_per_second: 10",
    );
    edit(&test, "promo/audience.csv", "SPRING-BOB", "SPRING-BOB2");
    edit(
        &test,
        "promo/audience.csv",
        "07911 123458,carol,vip,SPRING-CAROL\n",
        "",
    );
    let audience = test.read("promo/audience.csv") + "07911 123460,eve,vip,SPRING-EVE\n";
    std::fs::write(test.path().join("promo/audience.csv"), audience).unwrap();
    test.run(&["plan", "promo/campaign.yaml", "--out", "new.plan"]);
    let run = test.run(&["diff", "old.plan", "new.plan"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(!run.stdout.contains("7911123457"), "numbers are masked");
    insta::assert_snapshot!(run.transcript());
    let summary = test.run(&["diff", "--summary", "old.plan", "new.plan"]);
    insta::assert_snapshot!("diff_summary", summary.stdout);
    let same = test.run(&["diff", "new.plan", "new.plan"]);
    assert_eq!(
        same.stdout,
        "Diff: 0 added, 0 removed, 0 changed, 4 unchanged; 0 campaign-level change(s).\n"
    );
}

#[test]
fn diff_against_a_git_revision() {
    let test = promo();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(test.path())
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "spring"]);
    edit(
        &test,
        "promo/campaign.yaml",
        "language: en_GB",
        "language: en_US",
    );
    edit(&test, "promo/templates.yaml", "en_GB", "en_US");
    edit(&test, "promo/audience.csv", "SPRING-ANN", "SPRING-ANN2");
    let run = test.run(&["diff", "--rev", "HEAD", "promo/campaign.yaml"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!(run.transcript());
    let numbers = test.run(&[
        "diff",
        "--rev",
        "HEAD",
        "promo/campaign.yaml",
        "--show-numbers",
    ]);
    assert!(
        numbers.stdout.contains("+447911123456"),
        "{}",
        numbers.stdout
    );
}

#[test]
fn numbers_are_masked_except_in_reports() {
    let test = promo();
    let plan = test.run(&["plan", "promo/campaign.yaml", "--out", "plan.json"]);
    let markdown = test.run(&["plan", "promo/campaign.yaml", "--format", "markdown"]);
    let json = test.run(&["plan", "promo/campaign.yaml", "--format", "json"]);
    let diff = test.run(&["diff", "plan.json", "plan.json"]);
    let sent = apply(&test, "plan.json");
    for (what, text) in [
        ("plan", plan.stdout + &plan.stderr),
        ("markdown", markdown.stdout),
        ("json", json.stdout),
        ("diff", diff.stdout),
        ("apply", sent.stderr + &sent.stdout),
        (
            "plan file",
            serde_json::to_string(&crate::support::saved_plan(&test.path().join("plan.json")))
                .unwrap(),
        ),
    ] {
        assert!(
            !text.contains("7911123456"),
            "{what} shows a full number:\n{text}"
        );
    }
    let report = test
        .path()
        .join("promo/.wacast/spring-sale-2026-report.csv");
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("447911123456")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [&report, &test.path().join("promo/.wacast/journal.sqlite")] {
            let mode = std::fs::metadata(file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", file.display());
        }
    }
}

#[test]
fn ci_examples_use_commands_and_flags_that_exist() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("examples/ci")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let Some(command) = line.split("wacast ").nth(1) else {
                continue;
            };
            let mut words = command.split_whitespace();
            let verb = words.next().unwrap();
            if !["plan", "apply", "diff"].contains(&verb) {
                continue;
            }
            let help = Test::new().run(&[verb, "--help"]);
            assert_eq!(help.code, 0, "{line}");
            for flag in words.filter(|w| w.starts_with("--")) {
                assert!(help.stdout.contains(flag), "`{flag}` in `{line}`");
                checked += 1;
            }
        }
    }
    assert!(checked >= 5, "only {checked} flags checked");
}

#[test]
fn outputs_are_never_written_over_inputs_or_state() {
    let test = promo();
    let audience = test.read("promo/audience.csv");
    for out in ["promo/audience.csv", "promo/campaign.yaml", "optout.csv"] {
        let run = test.run(&["plan", "promo/campaign.yaml", "--out", out]);
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert!(run.stderr.contains("refusing to write"), "{}", run.stderr);
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink("promo/audience.csv", test.path().join("link.csv")).unwrap();
    #[cfg(unix)]
    assert_eq!(
        test.run(&["plan", "promo/campaign.yaml", "--out", "link.csv"])
            .code,
        2
    );
    apply(&test, "promo/campaign.yaml");
    let run = test.run(&[
        "apply",
        "promo/campaign.yaml",
        "--sandbox",
        "--yes",
        "--report",
        "promo/.wacast/journal.sqlite",
    ]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_eq!(test.read("promo/audience.csv"), audience);
    assert_eq!(
        test.run(&["plan", "promo/campaign.yaml", "--detailed-exitcode"])
            .code,
        0,
        "the journal is intact: everyone is still sent"
    );
}

#[test]
fn a_reordered_audience_is_not_a_change_and_changes_show_at_their_new_lines() {
    let test = promo();
    test.run(&["plan", "promo/campaign.yaml", "--out", "old.plan"]);
    let audience = test.read("promo/audience.csv");
    let mut lines: Vec<&str> = audience.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let reversed = format!("{header}\n{}\n", lines.join("\n"));
    std::fs::write(test.path().join("promo/audience.csv"), reversed).unwrap();
    edit(&test, "promo/audience.csv", "SPRING-BOB", "SPRING-BOB2");
    test.run(&["plan", "promo/campaign.yaml", "--out", "new.plan"]);
    let summary = test.run(&["diff", "--summary", "old.plan", "new.plan"]);
    assert_eq!(
        summary.stdout,
        "Diff: 0 added, 0 removed, 1 changed, 3 unchanged; 1 campaign-level change(s).\n",
        "the audience file itself changed; its recipients did not move: {}",
        summary.transcript()
    );
    let bob = test
        .read("promo/audience.csv")
        .lines()
        .position(|line| line.contains("SPRING-BOB2"))
        .unwrap()
        + 1;
    let full = test.run(&["diff", "old.plan", "new.plan"]);
    assert!(
        full.stdout.contains(&format!("line {bob}")),
        "the change shows at Bob's line in the new plan ({bob}): {}",
        full.stdout
    );
}

/// The journal's recipients, line and run each, in number order.
fn recipient_rows(test: &Test) -> Vec<(i64, i64, i64, String)> {
    let journal =
        rusqlite::Connection::open(test.path().join("promo/.wacast/journal.sqlite")).unwrap();
    let mut statement = journal
        .prepare("SELECT phone, line, planned_run, state FROM recipients ORDER BY phone")
        .unwrap();
    statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_rerun_leaves_settled_recipients_as_they_are_and_still_finds_their_repeats() {
    let test = promo();
    assert_eq!(apply(&test, "promo/campaign.yaml").code, 0);
    let before = recipient_rows(&test);
    assert!(before.iter().all(|row| row.3 == "sent"), "{before:?}");
    edit(&test, "promo/audience.csv", "SPRING-BOB", "SPRING-BOB2");
    let audience = test.read("promo/audience.csv")
        + "+44 7911 123456,ann again,vip,SPRING-ANN\n07911 123460,eve,vip,SPRING-EVE\n";
    std::fs::write(test.path().join("promo/audience.csv"), audience).unwrap();
    let again = apply(&test, "promo/campaign.yaml");
    assert_eq!(again.code, 0, "{}", again.transcript());
    assert!(
        again.stderr.contains("1 duplicate(s)"),
        "the repeat of a sent number is still found: {}",
        again.stderr
    );
    assert!(
        again.stderr.contains("received 1 message(s)"),
        "only the new recipient is sent: {}",
        again.stderr
    );
    let after = recipient_rows(&test);
    assert_eq!(after.len(), before.len() + 1);
    assert!(
        before.iter().all(|row| after.contains(row)),
        "nothing of a sent recipient is rewritten, their message changed or not:\n{before:?}\n{after:?}"
    );
}
