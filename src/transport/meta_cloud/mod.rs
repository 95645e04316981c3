//! Meta's WhatsApp Cloud API (the Graph API) as a [`Transport`]: `POST
//! /{graph_version}/{phone_number_id}/messages` at `https://graph.facebook.com`
//! with a bearer token (a system-user token), one recipient per request. The
//! body is built from the staged message ([`send_request`]), the answer read
//! by [`send_answer`], Graph errors classed by their code ([`error_class`])
//! and mapped onto the neutral words ([`answer`]). The webhook signature
//! ([`webhook_signature`]) is shared with the listener and the sandbox, which
//! speak this API too. Sources: `../shared/reference/meta-cloud.md`.

pub mod answer;
pub mod epoch_time;
pub mod error_class;
pub mod excerpt;
pub mod graph_error;
pub mod send_answer;
pub mod send_request;
pub mod session;
pub mod webhook_signature;

use crate::campaign::MetaCloudSender;
use crate::message::TemplateMessage;
use crate::phone::Phone;
use crate::secret::SecretString;
use crate::transport::Transport;
use crate::transport::http_client::HttpClient;
use bytes::Bytes;
use send_request::PreparedTemplate;
use session::Session;

/// Where the Graph API is.
pub const GRAPH_URL: &str = "https://graph.facebook.com";

/// The path of the send endpoint of a business number.
pub fn messages_path(graph_version: &str, phone_number_id: &str) -> String {
    format!("/{graph_version}/{phone_number_id}/messages")
}

/// The `biz_opaque_callback_data` of a campaign's messages, which Meta echoes
/// in their status webhooks: how the listener tells campaigns apart.
pub fn campaign_tag(campaign: &str) -> String {
    format!("wacast:{campaign}")
}

/// The campaign a `biz_opaque_callback_data` names, if it is a wacast tag.
pub fn campaign_of_tag(tag: &str) -> Option<&str> {
    tag.strip_prefix("wacast:").filter(|name| !name.is_empty())
}

/// Sends through the Cloud API as one business number. Cheap to clone.
#[derive(Clone)]
pub struct MetaCloud {
    client: HttpClient,
    tag: String,
    base_url: String,
}

impl MetaCloud {
    /// Where `sender` is reached: `endpoint` (an override such as
    /// `--endpoint`) if given, else the sender's own, else the Graph API.
    pub fn base_url(sender: &MetaCloudSender, endpoint: Option<&str>) -> String {
        endpoint
            .or(sender.endpoint.as_deref())
            .unwrap_or(GRAPH_URL)
            .to_owned()
    }

    /// Sends as `sender` at `base_url` with `token`, tagging messages with
    /// `campaign`.
    pub fn new(
        base_url: &str,
        sender: &MetaCloudSender,
        token: SecretString,
        campaign: &str,
    ) -> anyhow::Result<MetaCloud> {
        let path = messages_path(&sender.graph_version, &sender.phone_number_id);
        Ok(MetaCloud {
            client: HttpClient::new(base_url, &path, Some(token))?,
            tag: campaign_tag(campaign),
            base_url: base_url.to_owned(),
        })
    }
}

impl Transport for MetaCloud {
    type Session = Session;

    fn max_recipients(&self) -> usize {
        1
    }

    /// The staged message is read back into a [`TemplateMessage`] and
    /// rendered in Meta's shape; staged JSON always reads back (the plan
    /// wrote it), and one that did not would be sent as a body Meta refuses
    /// (error 100), failing that recipient rather than the run.
    fn body(&self, message: &str, recipients: &[Phone]) -> Bytes {
        let to = recipients.first().map(Phone::digits).unwrap_or_default();
        match serde_json::from_str::<TemplateMessage>(message) {
            Ok(message) => PreparedTemplate::new(&message, &self.tag).body_bytes(&to),
            Err(_) => Bytes::from_static(b"{\"messaging_product\":\"whatsapp\"}"),
        }
    }

    fn session(&self) -> Session {
        Session(self.client.session())
    }

    fn describe(&self) -> &str {
        &self.base_url
    }
}
