//! Fixture cases: each folder under `tests/fixtures/cases/` holds a campaign,
//! its audience and optionally `args` (the command line, default
//! `plan campaign.yaml`). The transcript (exit code, stdout, stderr) of each
//! is a snapshot, so a new case is a new folder, not new Rust.

use crate::support::Test;

#[test]
fn fixture_cases() {
    insta::glob!("fixtures/cases/*/campaign.yaml", |path| {
        let folder = path.parent().unwrap();
        let args = std::fs::read_to_string(folder.join("args"))
            .unwrap_or_else(|_| "plan campaign.yaml".to_owned());
        let args: Vec<&str> = args.split_whitespace().collect();
        let test = Test::fixture(folder);
        let run = test.run(&args);
        insta::assert_snapshot!(run.transcript());
    });
}
