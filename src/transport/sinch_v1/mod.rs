//! The Sinch WhatsApp v1 API as a [`Transport`]: its hosts by region, the
//! `/whatsapp/v1/{bot_id}/messages` endpoint with a bearer token, up to
//! [`RECIPIENTS_PER_REQUEST_MAX`] recipients per request, the request body
//! ([`request_body`]), the answers and what they mean ([`answer`]), the wire
//! types ([`wire`]), its [`session`] over the shared HTTP client, and callback
//! signatures.
//! Nothing outside this folder knows any of it, except the sandbox and the
//! receiver, which speak v1 too.

pub mod answer;
pub mod callback_signature;
pub mod request_body;
pub mod session;
pub mod wire;

use crate::campaign::{Region, SinchV1Sender};
use crate::phone::Phone;
use crate::secret::SecretString;
use crate::transport::Transport;
use crate::transport::http_client::HttpClient;
use bytes::Bytes;
use request_body::RequestBody;
use session::Session;
use wire::messages_path;

/// Most recipients in one send request.
pub const RECIPIENTS_PER_REQUEST_MAX: usize = 20;

/// The base URL of a region's API.
pub fn region_url(region: Region) -> &'static str {
    match region {
        Region::Us => "https://us1.whatsapp.api.sinch.com",
        Region::Eu => "https://eu1.whatsapp.api.sinch.com",
    }
}

/// Sends through the v1 API as one bot. Cheap to clone.
#[derive(Clone)]
pub struct SinchV1 {
    client: HttpClient,
    body: RequestBody,
    base_url: String,
}

impl SinchV1 {
    /// Where `sender` is reached: `endpoint` (an override such as
    /// `--endpoint`) if given, else the sender's own endpoint, else its
    /// region's base URL; `None` when it names neither.
    pub fn base_url(sender: &SinchV1Sender, endpoint: Option<&str>) -> Option<String> {
        endpoint
            .map(str::to_owned)
            .or_else(|| sender.endpoint.clone())
            .or_else(|| sender.region.map(|r| region_url(r).to_owned()))
    }

    /// Sends as `bot_id` at `base_url` (e.g. `https://eu1.whatsapp.api.sinch.com`)
    /// with `token`, asking for status reports at `callback` if given.
    pub fn new(
        base_url: &str,
        bot_id: &str,
        token: SecretString,
        callback: Option<&str>,
    ) -> anyhow::Result<SinchV1> {
        Ok(SinchV1 {
            client: HttpClient::new(base_url, &messages_path(bot_id), Some(token))?,
            body: RequestBody::new(callback),
            base_url: crate::secret::masked_url(base_url),
        })
    }
}

impl Transport for SinchV1 {
    type Session = Session;

    fn max_recipients(&self) -> usize {
        RECIPIENTS_PER_REQUEST_MAX
    }

    fn body(&self, message: &str, recipients: &[Phone]) -> Bytes {
        self.body.build(message, recipients)
    }

    fn session(&self) -> Session {
        Session(self.client.session())
    }

    fn describe(&self) -> &str {
        &self.base_url
    }
}
