//! Sinch's Conversation API (WhatsApp channel) as a [`Transport`]: an OAuth2
//! token bought with an access key and shared by every worker
//! ([`token_source`]), `POST /v1/projects/{project_id}/messages:send` with one
//! recipient per request ([`send_request`], parameters in Sinch's key grammar
//! by [`template_parameter`]), the answers and what they mean
//! ([`send_answer`], [`api_error`]), and the callbacks Sinch posts back
//! ([`callback`], [`delivery_report`], [`inbound_message`],
//! [`callback_signature`]). The contract and its sources are in
//! `../shared/reference/sinch-conversation.md`; sources are cited where a
//! rule is subtle: **J** `sinch/sinch-sdk-java`, **N** `sinch/sinch-sdk-node`,
//! **P** `sinch/sinch-sdk-python`, **SD** `sinch/docs`
//! (`docs/conversation/`), **SK** `sinch/skills`
//! (`skills/sinch-conversation-api/`).

pub mod access_key;
pub mod access_token;
pub mod api_error;
pub mod callback;
pub mod callback_signature;
pub mod campaign_metadata;
pub mod delivery_report;
pub mod excerpt;
pub mod header;
pub mod inbound_message;
pub mod retry_after;
pub mod send_answer;
pub mod send_request;
pub mod session;
pub mod template_parameter;
pub mod token_backoff;
pub mod token_cache;
pub mod token_request;
pub mod token_source;

use crate::campaign::SinchConversationSender;
use crate::message::TemplateMessage;
use crate::phone::Phone;
use crate::transport::Transport;
use crate::transport::http_client::HttpClient;
use access_key::AccessKey;
use bytes::Bytes;
use send_request::SendRequest;
use session::{Session, Target};
use std::sync::{Arc, Mutex, PoisonError};
use token_source::TokenSource;

/// Sinch's documented limit: 800 requests per second per project (SK
/// `SKILL.md`); more are answered 429.
pub const PROJECT_REQUESTS_PER_SECOND: u32 = 800;
/// How fast an app's queue drains to WhatsApp by default (SK `SKILL.md`):
/// what the recipients see, whatever the request rate.
pub const APP_DRAIN_PER_SECOND: u32 = 20;

/// Sends through the Conversation API as one app. Cheap to clone.
#[derive(Clone)]
pub struct SinchConversation {
    client: HttpClient,
    tokens: TokenSource,
    target: Arc<Target>,
    metadata: Arc<str>,
    callback: Option<Arc<str>>,
    /// The last message's body up to the recipient, rendered once for all of
    /// its recipients.
    prepared: Arc<Mutex<Option<Prepared>>>,
}

/// A staged message and its body up to the recipient.
type Prepared = (Box<str>, Arc<SendRequest>);

impl SinchConversation {
    /// The API's base URL for `sender`: `endpoint` (an override such as
    /// `--endpoint`) if given, else the sender's own, else its region's.
    pub fn base_url(sender: &SinchConversationSender, endpoint: Option<&str>) -> Option<String> {
        endpoint
            .map(str::to_owned)
            .or_else(|| sender.endpoint.clone())
            .or_else(|| sender.region.map(|r| send_request::base_url(r.as_str())))
    }

    /// The OAuth2 host for `sender`: `auth_endpoint` (e.g. `--auth-endpoint`)
    /// if given, else the sender's, else Sinch's global host, which every
    /// SDK uses for every region.
    pub fn auth_base(sender: &SinchConversationSender, auth_endpoint: Option<&str>) -> String {
        auth_endpoint
            .map(str::to_owned)
            .or_else(|| sender.auth_endpoint.clone())
            .unwrap_or_else(|| token_request::DEFAULT_AUTH_BASE.to_owned())
    }

    /// Sends as `sender`'s app at `base_url`, with tokens bought with `key`
    /// at `auth_base`, naming `campaign` in each message's metadata and
    /// asking for reports at `callback` if given.
    pub fn new(
        sender: &SinchConversationSender,
        base_url: &str,
        auth_base: &str,
        key: &AccessKey,
        campaign: &str,
        callback: Option<&str>,
    ) -> anyhow::Result<SinchConversation> {
        Ok(SinchConversation {
            client: HttpClient::new(base_url, &send_request::path(&sender.project_id), None)?,
            tokens: TokenSource::new(auth_base, key)?,
            target: Arc::new(Target {
                base_url: crate::secret::masked_url(base_url),
                project_id: sender.project_id.clone(),
                app_id: sender.app_id.clone(),
            }),
            metadata: campaign_metadata::campaign_metadata(campaign).into(),
            callback: callback.map(Into::into),
            prepared: Arc::default(),
        })
    }

    /// How many tokens were bought so far.
    pub fn tokens_fetched(&self) -> u64 {
        self.tokens.fetched()
    }

    /// `message` rendered up to the recipient, reusing the last rendering.
    fn prepared(&self, message: &str) -> Arc<SendRequest> {
        let mut slot = self.prepared.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((staged, request)) = slot.as_ref()
            && **staged == *message
        {
            return request.clone();
        }
        let request = Arc::new(self.render(message));
        *slot = Some((message.into(), request.clone()));
        request
    }

    fn render(&self, message: &str) -> SendRequest {
        // The staged message was rendered and checked by wacast; one that
        // does not read back gets an empty template, which Sinch refuses
        // with 400, so the recipient fails with a reason instead of a panic.
        let message: TemplateMessage =
            serde_json::from_str(message).unwrap_or_else(|_| TemplateMessage {
                kind: "template".into(),
                template_name: String::new(),
                language: String::new(),
                header_params: Vec::new(),
                body_params: Vec::new(),
                media: crate::message::Media::Text,
                buttons: Vec::new(),
            });
        SendRequest::new(
            &self.target.app_id,
            &message,
            &self.metadata,
            self.callback.as_deref(),
        )
    }
}

impl Transport for SinchConversation {
    type Session = Session;

    /// One recipient per request: `messages:send` takes one `recipient`.
    fn max_recipients(&self) -> usize {
        1
    }

    fn body(&self, message: &str, recipients: &[Phone]) -> Bytes {
        let request = self.prepared(message);
        let mut body = Vec::new();
        for phone in recipients.iter().take(1) {
            request.write_body(&phone.digits(), &mut body);
        }
        body.into()
    }

    fn session(&self) -> Session {
        Session {
            http: self.client.session(),
            tokens: self.tokens.clone(),
            target: self.target.clone(),
        }
    }

    fn describe(&self) -> &str {
        &self.target.base_url
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::ConversationRegion;
    use crate::secret::SecretString;

    fn transport() -> SinchConversation {
        let sender = SinchConversationSender {
            project_id: "p-1".into(),
            app_id: "APP".into(),
            region: Some(ConversationRegion::Eu),
            endpoint: None,
            auth_endpoint: None,
        };
        let key = AccessKey {
            key_id: "k".into(),
            key_secret: SecretString::new("s"),
        };
        let base = SinchConversation::base_url(&sender, None).unwrap();
        assert_eq!(base, "https://eu.conversation.api.sinch.com");
        let auth = SinchConversation::auth_base(&sender, None);
        assert_eq!(auth, "https://auth.sinch.com");
        SinchConversation::new(&sender, &base, &auth, &key, "spring", None).unwrap()
    }

    #[test]
    fn each_recipient_gets_the_message_as_staged() {
        let transport = transport();
        let message = r#"{"type":"template","template_name":"t","language":"en_GB","body_params":["Ann"],"media":{"type":"text"}}"#;
        let phones = [
            Phone::from_digits("447400000001").unwrap(),
            Phone::from_digits("447400000002").unwrap(),
        ];
        let first: serde_json::Value =
            serde_json::from_slice(&transport.body(message, &phones[..1])).unwrap();
        let second: serde_json::Value =
            serde_json::from_slice(&transport.body(message, &phones[1..])).unwrap();
        let identity = |v: &serde_json::Value| {
            v["recipient"]["identified_by"]["channel_identities"][0]["identity"].clone()
        };
        assert_eq!(
            (identity(&first), identity(&second)),
            ("447400000001".into(), "447400000002".into())
        );
        assert_eq!(first["message"], second["message"]);
        assert_eq!(first["app_id"], "APP");
        assert_eq!(first["message_metadata"], r#"{"campaign":"spring"}"#);
        assert_eq!(
            first["message"]["template_message"]["channel_template"]["WHATSAPP"]["parameters"]["body[1]text"],
            "Ann"
        );
        assert_eq!(transport.max_recipients(), 1);
    }
}
