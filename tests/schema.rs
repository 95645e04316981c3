//! The committed JSON schema matches the Rust types it is generated from.

use crate::support::root;

#[test]
fn committed_schema_is_current() {
    let path = root().join("schemas/campaign.schema.json");
    let generated = wacast::campaign::schema::campaign_schema();
    if std::env::var_os("WACAST_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/campaign.schema.json is stale: run `WACAST_UPDATE_SCHEMA=1 cargo test schema` and commit it"
    );
}

#[test]
fn example_campaigns_point_editors_at_the_schema() {
    for name in ["welcome", "spring-promo", "invoice"] {
        let text =
            std::fs::read_to_string(root().join("campaigns").join(name).join("campaign.yaml"))
                .unwrap();
        assert!(
            text.starts_with(
                "# yaml-language-server: $schema=../../schemas/campaign.schema.json\n"
            ),
            "{name}"
        );
    }
}
