//! The `message_metadata` wacast attaches to every send: a JSON string naming
//! the campaign, e.g. `{"campaign":"spring-sale"}`. Sinch echoes it as
//! `metadata` in delivery reports (reference; J `MessageDeliveryReport.java`),
//! which lets reports be attributed even in `DISPATCH` mode, where
//! `conversation_id` and `contact_id` are empty.

/// The most characters `message_metadata` may hold (J, P: 1024).
pub const MAX_METADATA_CHARS: usize = 1024;

/// The metadata string for `campaign`.
pub fn campaign_metadata(campaign: &str) -> String {
    serde_json::json!({ "campaign": campaign }).to_string()
}

/// The campaign named by metadata written by [`campaign_metadata`]; `None`
/// for any other metadata (empty, free text, JSON without a string `campaign`).
pub fn campaign_from_metadata(metadata: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(metadata.trim()).ok()?;
    let campaign = value.as_object()?.get("campaign")?.as_str()?;
    (!campaign.is_empty()).then(|| campaign.to_owned())
}

/// Whether `metadata` fits Sinch's limit.
pub fn fits(metadata: &str) -> bool {
    metadata.chars().count() <= MAX_METADATA_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_campaign() {
        let metadata = campaign_metadata("spring-sale");
        assert_eq!(metadata, r#"{"campaign":"spring-sale"}"#);
        assert_eq!(
            campaign_from_metadata(&metadata).as_deref(),
            Some("spring-sale")
        );
        assert_eq!(
            campaign_from_metadata(&campaign_metadata("a\"b")).as_deref(),
            Some("a\"b")
        );
    }

    #[test]
    fn other_metadata_names_no_campaign() {
        for metadata in [
            "",
            "metadata value",
            "{}",
            r#"{"campaign":3}"#,
            r#"{"campaign":""}"#,
            "[1]",
        ] {
            assert_eq!(campaign_from_metadata(metadata), None, "{metadata}");
        }
        assert!(fits(&"x".repeat(1024)));
        assert!(!fits(&"x".repeat(1025)));
    }
}
