//! Plan files: version 3 (compressed) as `plan --out` writes it, read back by
//! `show`, `apply PLAN_FILE` and `diff`; version 2 still read; a damaged file
//! named in an error, never a panic.

use crate::support::{Test, as_version_2, promo};

fn apply(test: &Test, target: &str) -> crate::support::Run {
    test.run(&["apply", target, "--sandbox", "--yes"])
}

fn edit(test: &Test, name: &str, from: &str, to: &str) {
    let text = test.read(name);
    assert!(text.contains(from), "{name} has no `{from}`");
    std::fs::write(test.path().join(name), text.replace(from, to)).unwrap();
}

#[test]
fn a_plan_file_is_a_header_line_then_compressed_recipients() {
    let test = promo();
    let run = test.run(&["plan", "promo/campaign.yaml", "--out", "saved.plan"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let bytes = std::fs::read(test.path().join("saved.plan")).unwrap();
    let end = bytes.iter().position(|&b| b == b'\n').unwrap();
    let header: serde_json::Value = serde_json::from_slice(&bytes[..end]).unwrap();
    assert_eq!(header["format"], "wacast-plan");
    assert_eq!(header["version"], 3);
    assert_eq!(&bytes[end + 1..end + 3], [0x1f, 0x8b], "a gzip stream");
    let mut files: Vec<String> = std::fs::read_dir(test.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["optout.csv", "promo", "saved.plan"],
        "no temporary file is left beside the plan"
    );
}

#[test]
fn show_prints_a_saved_plan_as_plan_printed_it() {
    let test = promo();
    apply(&test, "promo/campaign.yaml");
    edit(&test, "promo/audience.csv", "SPRING-BOB", "SPRING-BOB2");
    for format in ["text", "json", "markdown"] {
        for numbers in [&[][..], &["--show-numbers"][..]] {
            let mut args = vec!["plan", "promo/campaign.yaml", "--format", format];
            args.extend(["--out", "saved.plan"]);
            args.extend(numbers);
            let plan = test.run(&args);
            assert_eq!(plan.code, 0, "{}", plan.transcript());
            let shown = test.run(&["show", "saved.plan", "--format", format]);
            assert_eq!(shown.code, 0, "{}", shown.transcript());
            assert_eq!(shown.stdout, plan.stdout, "{format} {numbers:?}");
            assert_eq!(shown.stderr, "");
        }
    }
    let text = test.run(&["plan", "promo/campaign.yaml", "--out", "saved.plan"]);
    assert!(text.stdout.contains("~ line"), "{}", text.stdout);
    edit(&test, "promo/audience.csv", "SPRING-ANN", "SPRING-ANN2");
    let shown = test.run(&["show", "saved.plan"]);
    assert_eq!(
        shown.stdout, text.stdout,
        "the plan as it was saved, whatever became of its inputs"
    );
}

#[test]
fn show_names_what_is_not_a_plan_it_can_show() {
    let test = with_version_2_plan();
    let old = test.run(&["show", "old.plan"]);
    assert_eq!(old.code, 3, "{}", old.transcript());
    let campaign = test.run(&["show", "promo/campaign.yaml"]);
    assert_eq!(campaign.code, 2, "{}", campaign.transcript());
    insta::assert_snapshot!(format!("{}{}", old.transcript(), campaign.transcript()));
}

/// The promo campaign with `old.plan`, the plan of it that wacast wrote in
/// version 2 (`plan --out` before version 3, kept in `tests/fixtures/plan-v2`).
fn with_version_2_plan() -> Test {
    let fixture = crate::support::root().join("tests/fixtures/plan-v2/promo.plan");
    promo().write("old.plan", std::fs::read(fixture).unwrap())
}

#[test]
fn version_2_is_rewritten_as_version_2_wrote_it() {
    let test = with_version_2_plan();
    test.run(&["plan", "promo/campaign.yaml", "--out", "saved.plan"]);
    as_version_2(
        &test.path().join("saved.plan"),
        &test.path().join("rewritten.plan"),
    );
    assert_eq!(test.read("rewritten.plan"), test.read("old.plan"));
    let diff = test.run(&["diff", "old.plan", "saved.plan"]);
    assert_eq!(
        diff.stdout,
        "Diff: 0 added, 0 removed, 0 changed, 4 unchanged; 0 campaign-level change(s).\n"
    );
}

#[test]
fn a_version_2_plan_file_is_still_applied() {
    let test = with_version_2_plan();
    assert!(test.read("old.plan").contains("\"version\":2"));
    let run = apply(&test, "old.plan");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("old.plan: the plan still holds (4 to send)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("received 4 message(s)"),
        "{}",
        run.stderr
    );
    edit(&test, "promo/audience.csv", "SPRING-BOB", "SPRING-BOB2");
    let refused = apply(&test, "old.plan");
    assert_eq!(refused.code, 3, "{}", refused.transcript());
    assert!(
        refused
            .stderr
            .contains("audience.csv changed since the plan was made"),
        "{}",
        refused.stderr
    );
}

#[test]
fn diff_reads_version_2_and_version_3_plans_alike() {
    let test = promo();
    test.run(&["plan", "promo/campaign.yaml", "--out", "old.plan"]);
    as_version_2(
        &test.path().join("old.plan"),
        &test.path().join("old2.plan"),
    );
    edit(&test, "promo/audience.csv", "SPRING-BOB", "SPRING-BOB2");
    edit(&test, "promo/campaign.yaml", "discount: 20", "discount: 25");
    test.run(&["plan", "promo/campaign.yaml", "--out", "new.plan"]);
    as_version_2(
        &test.path().join("new.plan"),
        &test.path().join("new2.plan"),
    );
    let both_3 = test.run(&["diff", "old.plan", "new.plan"]);
    assert_eq!(both_3.code, 0, "{}", both_3.transcript());
    assert!(both_3.stdout.contains("changed"), "{}", both_3.stdout);
    for (old, new) in [
        ("old2.plan", "new.plan"),
        ("old.plan", "new2.plan"),
        ("old2.plan", "new2.plan"),
    ] {
        let run = test.run(&["diff", old, new]);
        assert_eq!(run.code, 0, "{}", run.transcript());
        assert_eq!(run.stdout, both_3.stdout, "{old} {new}");
    }
    let same = test.run(&["diff", "old2.plan", "old.plan"]);
    assert_eq!(
        same.stdout,
        "Diff: 0 added, 0 removed, 0 changed, 4 unchanged; 0 campaign-level change(s).\n"
    );
}

#[test]
fn a_damaged_plan_file_is_named_and_nothing_is_sent() {
    let test = promo();
    test.run(&["plan", "promo/campaign.yaml", "--out", "saved.plan"]);
    let bytes = std::fs::read(test.path().join("saved.plan")).unwrap();
    let body = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let middle = body + (bytes.len() - body) / 2;
    let mut flipped = bytes.clone();
    flipped[middle] ^= 0x55;
    let damaged = [
        ("no-trailer.plan", bytes[..bytes.len() - 4].to_vec()),
        ("half.plan", bytes[..middle].to_vec()),
        ("flipped.plan", flipped),
    ];
    for (name, bytes) in &damaged {
        std::fs::write(test.path().join(name), bytes).unwrap();
        for args in [
            vec!["show", name],
            vec!["diff", "saved.plan", name],
            vec!["diff", name, "saved.plan"],
            vec!["apply", name, "--sandbox", "--yes"],
        ] {
            let run = test.run(&args);
            assert_eq!(run.code, 1, "{args:?}\n{}", run.transcript());
            assert!(
                run.stderr
                    .contains(&format!("`{name}` is damaged or cut short: plan again")),
                "{args:?}\n{}",
                run.stderr
            );
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
            assert!(!run.stderr.contains("received"), "{}", run.stderr);
        }
    }
    let run = test.run(&["show", "half.plan"]);
    insta::assert_snapshot!(run.transcript());
}
