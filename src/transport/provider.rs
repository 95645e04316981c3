//! The one place a campaign's sender becomes a transport: a closed set of
//! providers, chosen once at the edge. The caller matches on it and runs the
//! generic sender with the transport inside, so nothing past this point
//! branches on the provider.

use crate::campaign::Sender;
use crate::secret::SecretString;
use crate::transport::Transport as _;
use crate::transport::meta_cloud::MetaCloud;
use crate::transport::sinch_v1::SinchV1;

/// The transport a campaign sends through.
#[derive(Clone)]
pub enum Provider {
    SinchV1(SinchV1),
    MetaCloud(MetaCloud),
}

impl Provider {
    /// Where `sender` is reached: `endpoint` (an override such as
    /// `--endpoint`) if given, else what the campaign names; `None` when it
    /// names nothing.
    pub fn base_url(sender: &Sender, endpoint: Option<&str>) -> Option<String> {
        match sender {
            Sender::SinchV1(sender) => SinchV1::base_url(sender, endpoint),
            Sender::MetaCloud(sender) => Some(MetaCloud::base_url(sender, endpoint)),
        }
    }

    /// The transport for `sender` at `base_url`, with `token`, asking for
    /// status reports at `callback` if given (providers that take one per
    /// message), sending `campaign`.
    pub fn new(
        sender: &Sender,
        base_url: &str,
        token: SecretString,
        callback: Option<&str>,
        campaign: &str,
    ) -> anyhow::Result<Provider> {
        Ok(match sender {
            Sender::SinchV1(sender) => {
                Provider::SinchV1(SinchV1::new(base_url, &sender.bot_id, token, callback)?)
            }
            Sender::MetaCloud(sender) => {
                Provider::MetaCloud(MetaCloud::new(base_url, sender, token, campaign)?)
            }
        })
    }

    /// Where requests go, for people to read.
    pub fn describe(&self) -> &str {
        match self {
            Provider::SinchV1(transport) => transport.describe(),
            Provider::MetaCloud(transport) => transport.describe(),
        }
    }
}
