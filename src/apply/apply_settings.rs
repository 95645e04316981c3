//! What an apply needs besides the campaign, as the command line decided it:
//! where the state and the report go, where to send (an endpoint, or an
//! embedded sandbox) and with which token, and whether unknown or failed
//! recipients are sent again.

use crate::journal::{Durability, StateLocation};
use crate::secret::SecretString;
use crate::transport::sinch_conversation::access_key::AccessKey;
use std::path::PathBuf;

#[derive(Debug)]
pub struct ApplySettings {
    /// The state chosen with `--state` (a folder or a database URL); default
    /// `.wacast/` beside the campaign.
    pub state: Option<StateLocation>,
    /// The report chosen with `--report`; default in the state folder (or in
    /// `.wacast/` beside the campaign when the state is in a database).
    pub report: Option<PathBuf>,
    /// The base URL chosen with `--endpoint`, over the campaign's.
    pub endpoint: Option<String>,
    /// Send to a sandbox started in-process instead of the provider.
    pub sandbox: bool,
    /// Where that sandbox POSTs each message's simulated delivery reports
    /// (a listener's URL for the campaign's provider); none simulates none.
    pub sandbox_reports_to: Option<String>,
    pub token: SecretString,
    /// The access key that buys tokens (Sinch Conversation API).
    pub access_key: Option<AccessKey>,
    /// The token host chosen with `--auth-endpoint`, over the campaign's.
    pub auth_endpoint: Option<String>,
    /// Send again to recipients whose earlier outcome is unknown.
    pub resend_unknown: bool,
    /// Send again to recipients that failed earlier.
    pub retry_failed: bool,
    /// The clock `WACAST_NOW` sets (it runs on from there); else the system's.
    pub now: Option<jiff::Timestamp>,
    /// Keep running until recipients the schedule defers are sent.
    pub wait: bool,
    /// End after a wave of a staged rollout instead of waiting out its
    /// `wait` (a later apply checks its gate).
    pub no_wait: bool,
    /// Whether every journal commit is flushed to disk (`--durability`).
    pub durability: Durability,
}
