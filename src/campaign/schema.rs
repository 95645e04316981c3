//! The JSON schema of campaign files, generated from the Rust types so the two
//! cannot drift; a test compares it with the committed `schemas/` file.

use crate::campaign::CampaignFile;

/// The campaign file's JSON schema, pretty-printed with a final newline.
pub fn campaign_schema() -> String {
    let schema = schemars::schema_for!(CampaignFile);
    let mut text = serde_json::to_string_pretty(&schema).expect("schemas always serialise");
    text.push('\n');
    text
}
