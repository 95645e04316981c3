//! Every example campaign in `campaigns/` validates and plans.

use crate::support::{Test, root};

#[test]
fn every_example_campaign_validates() {
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("campaigns")).unwrap() {
        let campaign = entry.unwrap().path().join("campaign.yaml");
        if !campaign.is_file() {
            continue;
        }
        seen += 1;
        let run = Test::new().run(&["validate", campaign.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}:\n{}", campaign.display(), run.transcript());
        assert!(run.stderr.contains(": valid,"), "{}", run.stderr);
    }
    assert!(
        seen >= 3,
        "expected at least three example campaigns, found {seen}"
    );
}
