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

/// An audience whose record never ends (an unclosed quote in a large file,
/// `/dev/zero`): read within a bound, reported at the line the record starts
/// on, quoted in a line rather than in megabytes.
#[test]
fn runaway_records_and_cells_are_bounded_and_quoted_short() {
    let campaign = "version: 1\nname: case\nsender: {bot_id: acme-bot, region: eu}\ntemplate:\n  name: t\n  language: en_GB\n  body_params: [\"{{ name }}\"]\naudience:\n  file: audience.csv\n  default_country: GB\n";
    let audience = |rows: usize| {
        let mut csv = String::from("phone,name\n07911 123456,Ann\n07911 123457,\"Bob\n");
        for row in 0..rows {
            csv.push_str(&format!("07911 {:06},Name {row}\n", 200_000 + row));
        }
        csv
    };
    let cell = Test::new()
        .write("campaign.yaml", campaign)
        .write("audience.csv", audience(4_000) + "\"\n");
    let cell = cell.run(&["validate", "campaign.yaml"]);
    let record = Test::new()
        .write("campaign.yaml", campaign)
        .write("audience.csv", audience(60_000));
    let record = record.run(&["validate", "campaign.yaml"]);
    assert!(record.stderr.len() < 1_000, "{}", record.stderr.len());
    insta::assert_snapshot!("runaway_cell", cell.transcript());
    insta::assert_snapshot!("runaway_record", record.transcript());
    let endless = Test::new().write(
        "campaign.yaml",
        campaign.replace("file: audience.csv", "file: /dev/zero"),
    );
    let endless = endless.run(&["plan", "campaign.yaml"]);
    insta::assert_snapshot!("endless_audience", endless.transcript());
}
