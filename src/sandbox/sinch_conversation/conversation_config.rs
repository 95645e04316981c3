//! How the sandbox speaks the Conversation API: the project, app and access
//! key it accepts, how long its tokens live, when it expires one early (to
//! exercise refresh-and-resend), whether it denies access (403), and the
//! secret its callbacks are signed with.

use std::fmt;
use std::time::Duration;

pub const DEFAULT_PROJECT_ID: &str = "sandbox-project";
pub const DEFAULT_APP_ID: &str = "sandbox-app";
pub const DEFAULT_KEY_ID: &str = "sandbox-key";
pub const DEFAULT_KEY_SECRET: &str = "sandbox-secret";

#[derive(Clone)]
pub struct ConversationConfig {
    pub project_id: String,
    pub app_id: String,
    pub key_id: String,
    pub key_secret: String,
    /// The `expires_in` of every token issued.
    pub token_lifetime: Duration,
    /// A token stops working (401 "expired") after this many sends with it.
    pub expire_token_after: Option<u64>,
    /// Every send is answered 403, as for a key without access to the
    /// project or an account over its billing limit.
    pub deny_access: bool,
    /// The webhook secret reports are signed with; unsigned without one.
    pub webhook_secret: Option<String>,
    /// The first this many token requests are answered 429, without
    /// `Retry-After`, as Sinch's token bucket does.
    pub throttle_token_requests: u64,
}

impl Default for ConversationConfig {
    fn default() -> ConversationConfig {
        ConversationConfig {
            project_id: DEFAULT_PROJECT_ID.to_owned(),
            app_id: DEFAULT_APP_ID.to_owned(),
            key_id: DEFAULT_KEY_ID.to_owned(),
            key_secret: DEFAULT_KEY_SECRET.to_owned(),
            token_lifetime: Duration::from_secs(3600),
            expire_token_after: None,
            deny_access: false,
            webhook_secret: None,
            throttle_token_requests: 0,
        }
    }
}

impl fmt::Debug for ConversationConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConversationConfig")
            .field("project_id", &self.project_id)
            .field("app_id", &self.app_id)
            .field("key_id", &self.key_id)
            .field("key_secret", &"(redacted)")
            .field("token_lifetime", &self.token_lifetime)
            .field("expire_token_after", &self.expire_token_after)
            .field("deny_access", &self.deny_access)
            .field("throttle_token_requests", &self.throttle_token_requests)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "(redacted)"),
            )
            .finish()
    }
}
