//! How a listener is set up: where it listens, the journal it writes, the key
//! callbacks are signed with, and the campaigns it serves with their opt-out
//! settings. Plain data, so the command line and the tests build it alike.

use crate::campaign::{OptOut, ProviderKind};
use crate::journal::{Durability, StateLocation};
use crate::secret::SecretString;
use crate::server::Limits;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

/// The address `wacast listen` binds unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8788";
/// The largest callback body accepted.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The HMAC key callbacks are signed with; never printed.
#[derive(Clone)]
pub struct HmacKey(pub Vec<u8>);

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

/// A campaign the listener serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignTarget {
    pub name: String,
    pub opt_out: OptOut,
    /// The name it had before it was renamed (`renamed_from`): messages sent
    /// before the rename still ask for callbacks under that name, for as long
    /// as the provider retries them.
    pub renamed_from: Option<String>,
}

impl CampaignTarget {
    /// Whether callbacks naming `name` are this campaign's.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.renamed_from.as_deref() == Some(name)
    }
}

#[derive(Clone, Debug)]
pub struct ListenConfig {
    /// The address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Whether a non-loopback `listen` address is allowed.
    pub allow_remote: bool,
    /// Where the journal written is.
    pub state: StateLocation,
    /// Whether each commit is flushed before its callback is answered.
    pub durability: Durability,
    /// Timeouts and caps on clients (the body limit is [`BODY_LIMIT`]).
    pub limits: Limits,
    /// Callbacks must carry a valid signature under this key.
    pub hmac_key: Option<HmacKey>,
    /// Meta's webhooks must carry a valid `X-Hub-Signature-256` under this app secret.
    pub app_secret: Option<HmacKey>,
    /// The token Meta's verification handshake must present.
    pub verify_token: Option<SecretString>,
    /// The campaigns served; empty means any campaign in the journal, with the
    /// default opt-out keywords and no suppression file.
    pub campaigns: Vec<CampaignTarget>,
    /// The most callbacks committed in one transaction.
    pub batch_max: usize,
    /// Sinch Conversation API callbacks must carry a valid
    /// `x-sinch-webhook-signature` under one of these secrets.
    pub webhook_secrets: Vec<HmacKey>,
    /// The provider of each campaign served, which decides how its callbacks
    /// are read; a callback for no campaign named here is read by its shape.
    pub providers: Vec<(String, ProviderKind)>,
}

impl ListenConfig {
    pub fn new(state: impl Into<StateLocation>) -> ListenConfig {
        ListenConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            allow_remote: false,
            state: state.into(),
            durability: Durability::default(),
            limits: Limits {
                body_limit: BODY_LIMIT,
                ..Limits::default()
            },
            hmac_key: None,
            app_secret: None,
            verify_token: None,
            campaigns: Vec::new(),
            batch_max: 256,
            webhook_secrets: Vec::new(),
            providers: Vec::new(),
        }
    }

    /// The provider of campaign `name` (or of the campaign renamed from
    /// `name`), if named.
    pub fn provider(&self, name: &str) -> Option<ProviderKind> {
        let name = self
            .campaigns
            .iter()
            .find(|c| c.answers_to(name))
            .map_or(name, |c| c.name.as_str());
        self.providers
            .iter()
            .find(|(campaign, _)| campaign == name)
            .map(|(_, kind)| *kind)
    }

    /// The settings of campaign `name`, if the listener serves it.
    pub fn campaign(&self, name: &str) -> Option<CampaignTarget> {
        if self.campaigns.is_empty() {
            return crate::campaign::is_campaign_name(name).then(|| CampaignTarget {
                name: name.to_owned(),
                opt_out: OptOut::default(),
                renamed_from: None,
            });
        }
        self.campaigns.iter().find(|c| c.answers_to(name)).cloned()
    }
}
