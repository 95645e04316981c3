//! `provider: sinch-conversation` through the real HTTP path: the binary
//! buys tokens from and sends to a sandbox speaking Sinch's Conversation API,
//! and `wacast listen` reads its callbacks.

mod bodies;
mod callbacks;
mod sending;

use crate::apply::Peer;
use crate::support::Test;
use wacast::sandbox::SandboxConfig;
use wacast::sandbox::conversation::ConversationConfig;

pub(crate) const PROJECT: &str = "5a3b7c1e-0000-4d1c-9a55-2f0c8d1e7b42";
pub(crate) const APP: &str = "01EB37HMH1M6SV18ASNS3G135H";
pub(crate) const KEY_ID: &str = "key-7d1e";
pub(crate) const KEY_SECRET: &str = "secret-0b9f3c";

/// A sandbox that accepts the test's project, app and access key.
pub(crate) fn peer(configure: impl FnOnce(&mut SandboxConfig)) -> Peer {
    let mut config = SandboxConfig {
        conversation: ConversationConfig {
            project_id: PROJECT.into(),
            app_id: APP.into(),
            key_id: KEY_ID.into(),
            key_secret: KEY_SECRET.into(),
            ..ConversationConfig::default()
        },
        ..SandboxConfig::default()
    };
    configure(&mut config);
    Peer::start_with(config)
}

/// A Conversation campaign named `spring` of `rows` recipients, with the
/// access key in the environment.
pub(crate) fn campaign(rows: usize, delivery: &str, template: &str) -> Test {
    let yaml = format!(
        "version: 1\nname: spring\nsender: {{provider: sinch-conversation, project_id: {PROJECT}, app_id: {APP}, region: eu}}\n{template}audience: {{file: audience.csv, default_country: GB}}\ndelivery: {{{delivery}}}\n"
    );
    Test::new()
        .write("campaign.yaml", yaml)
        .write("audience.csv", crate::apply::audience(rows))
        .env("SINCH_KEY_ID", KEY_ID)
        .env("SINCH_KEY_SECRET", KEY_SECRET)
}

/// A template with one body parameter.
pub(crate) const SIMPLE: &str =
    "template:\n  name: spring_sale\n  language: en_GB\n  body_params: [\"{{ name }}\"]\n";

/// `apply --yes` against `peer` for both the API and the tokens.
pub(crate) fn apply(test: &Test, peer: &Peer, extra: &[&str]) -> crate::support::Run {
    let url = peer.url();
    let mut args = vec![
        "apply",
        "campaign.yaml",
        "--yes",
        "--endpoint",
        url.as_str(),
        "--auth-endpoint",
        url.as_str(),
    ];
    args.extend_from_slice(extra);
    test.run(&args)
}
