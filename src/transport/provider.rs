//! The one place a campaign's sender becomes a transport: a closed set of
//! providers, chosen once at the edge. The caller matches on it and runs the
//! generic sender with the transport inside, so nothing past this point
//! branches on the provider.

use crate::campaign::Sender;
use crate::transport::Credentials;
use crate::transport::Transport as _;
use crate::transport::meta_cloud::MetaCloud;
use crate::transport::sinch_conversation::SinchConversation;
use crate::transport::sinch_v1::SinchV1;

/// The transport a campaign sends through.
#[derive(Clone)]
pub enum Provider {
    SinchV1(SinchV1),
    SinchConversation(SinchConversation),
    MetaCloud(MetaCloud),
}

impl Provider {
    /// Where `sender` is reached: `endpoint` (an override such as
    /// `--endpoint`) if given, else what the campaign names; `None` when it
    /// names nothing.
    pub fn base_url(sender: &Sender, endpoint: Option<&str>) -> Option<String> {
        match sender {
            Sender::SinchV1(sender) => SinchV1::base_url(sender, endpoint),
            Sender::SinchConversation(sender) => SinchConversation::base_url(sender, endpoint),
            Sender::MetaCloud(sender) => Some(MetaCloud::base_url(sender, endpoint)),
        }
    }

    /// The transport for `sender` at `base_url`, with `credentials`, sending
    /// `campaign` and asking for status reports at `callback` if given.
    pub fn new(
        sender: &Sender,
        base_url: &str,
        credentials: Credentials,
        campaign: &str,
        callback: Option<&str>,
    ) -> anyhow::Result<Provider> {
        Ok(match sender {
            Sender::SinchV1(sender) => Provider::SinchV1(SinchV1::new(
                base_url,
                &sender.bot_id,
                credentials.token,
                callback,
            )?),
            Sender::SinchConversation(sender) => {
                let key = credentials.access_key.ok_or_else(|| {
                    anyhow::anyhow!("no access key: set `SINCH_KEY_ID` and `SINCH_KEY_SECRET`")
                })?;
                let auth =
                    SinchConversation::auth_base(sender, credentials.auth_endpoint.as_deref());
                Provider::SinchConversation(SinchConversation::new(
                    sender, base_url, &auth, &key, campaign, callback,
                )?)
            }
            Sender::MetaCloud(sender) => Provider::MetaCloud(MetaCloud::new(
                base_url,
                sender,
                credentials.token,
                campaign,
            )?),
        })
    }

    /// Where requests go, for people to read.
    pub fn describe(&self) -> &str {
        match self {
            Provider::SinchV1(transport) => transport.describe(),
            Provider::SinchConversation(transport) => transport.describe(),
            Provider::MetaCloud(transport) => transport.describe(),
        }
    }
}
