//! Who sends a campaign, as the campaign file says: the provider and its
//! account (`sender.provider`, absent for Sinch's WhatsApp v1 so every
//! existing campaign stays valid) with the fields that provider takes. Each
//! provider's fields are checked like every other field; a field another
//! provider takes is an error naming the provider.

use super::field_errors::FieldErrors;
use super::http_url::is_http_url;
pub use super::meta_cloud_sender::MetaCloudSender;
pub use super::sinch_conversation_sender::{ConversationRegion, SinchConversationSender};
use super::yaml::Spanned;
use schemars::JsonSchema;
use serde::Deserialize;

/// `sender` in the campaign file: every provider's fields, checked against
/// the provider named.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SenderFile {
    /// The provider: `sinch-whatsapp-v1` (the default), `sinch-conversation` or `meta-cloud`.
    #[serde(default)]
    #[schemars(with = "Option<ProviderKind>")]
    pub provider: Option<Spanned<String>>,
    /// Sinch WhatsApp v1: the bot id (not secret).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub bot_id: Option<Spanned<String>>,
    /// Sinch Conversation API: the project id (not secret).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub project_id: Option<Spanned<String>>,
    /// Sinch Conversation API: the app id (not secret).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub app_id: Option<Spanned<String>>,
    /// The provider's region, which selects its base URL (Sinch WhatsApp v1:
    /// `us` or `eu`; Sinch Conversation API: `us`, `eu` or `br`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
    /// A base URL that overrides the region (e.g. a local sandbox); for
    /// `meta-cloud`, it replaces `https://graph.facebook.com`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub endpoint: Option<Spanned<String>>,
    /// Sinch Conversation API: the OAuth2 host that overrides
    /// `https://auth.sinch.com` (tokens come from `<auth_endpoint>/oauth2/token`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub auth_endpoint: Option<Spanned<String>>,
    /// Meta WhatsApp Cloud API: the id Meta gives the business number (digits; not the number).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub phone_number_id: Option<Spanned<String>>,
    /// Meta WhatsApp Cloud API: the Graph API version in the path, e.g. `v23.0` (the default).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub graph_version: Option<Spanned<String>>,
}

/// The providers wacast sends through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// Sinch's WhatsApp API v1.
    SinchWhatsappV1,
    /// Sinch's Conversation API, WhatsApp channel.
    SinchConversation,
    /// Meta's WhatsApp Cloud API (the Graph API), without a reseller.
    MetaCloud,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 3] = [
        ProviderKind::SinchWhatsappV1,
        ProviderKind::SinchConversation,
        ProviderKind::MetaCloud,
    ];

    /// The name in campaign files.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::SinchWhatsappV1 => "sinch-whatsapp-v1",
            ProviderKind::SinchConversation => "sinch-conversation",
            ProviderKind::MetaCloud => "meta-cloud",
        }
    }

    pub fn parse(name: &str) -> Option<ProviderKind> {
        ProviderKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// A Sinch WhatsApp v1 region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    Us,
    Eu,
}

impl Region {
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
        }
    }
}

/// A checked sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sender {
    SinchV1(SinchV1Sender),
    SinchConversation(SinchConversationSender),
    MetaCloud(MetaCloudSender),
}

/// A Sinch WhatsApp v1 bot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinchV1Sender {
    pub bot_id: String,
    pub region: Option<Region>,
    /// Without a trailing `/`.
    pub endpoint: Option<String>,
}

impl Sender {
    pub fn kind(&self) -> ProviderKind {
        match self {
            Sender::SinchV1(_) => ProviderKind::SinchWhatsappV1,
            Sender::SinchConversation(_) => ProviderKind::SinchConversation,
            Sender::MetaCloud(_) => ProviderKind::MetaCloud,
        }
    }

    /// The account messages are sent as (a bot, an app or a phone number id):
    /// with the provider, the sender's identity.
    pub fn account(&self) -> &str {
        match self {
            Sender::SinchV1(sender) => &sender.bot_id,
            Sender::SinchConversation(sender) => &sender.app_id,
            Sender::MetaCloud(sender) => &sender.phone_number_id,
        }
    }

    /// Who sends, for the messaging limit: the provider and its account id
    /// (bot, app or phone number id), e.g. `meta-cloud:106540352242922`.
    pub fn identity(&self) -> String {
        format!("{}:{}", self.kind().as_str(), self.account())
    }

    /// The base URL the campaign names, if any.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Sender::SinchV1(sender) => sender.endpoint.as_deref(),
            Sender::SinchConversation(sender) => sender.endpoint.as_deref(),
            Sender::MetaCloud(sender) => sender.endpoint.as_deref(),
        }
    }

    /// The region the campaign names, if any, as written.
    pub fn region(&self) -> Option<&'static str> {
        match self {
            Sender::SinchV1(sender) => sender.region.map(Region::as_str),
            Sender::SinchConversation(sender) => sender.region.map(ConversationRegion::as_str),
            Sender::MetaCloud(_) => None,
        }
    }

    /// Checks `file` for its provider, reporting every problem to `checker`.
    pub(super) fn check(sender: Spanned<SenderFile>, checker: &mut impl FieldErrors) -> Sender {
        let at = Spanned {
            value: (),
            referenced: sender.referenced,
            defined: sender.defined,
        };
        let file = sender.value;
        let kind = match &file.provider {
            None => ProviderKind::SinchWhatsappV1,
            Some(name) => ProviderKind::parse(&name.value).unwrap_or_else(|| {
                checker.error_help(
                    name,
                    "campaign.sender",
                    format!("`{}` is not a provider", name.value),
                    format!(
                        "the providers are {}",
                        ProviderKind::ALL
                            .iter()
                            .map(|k| format!("`{}`", k.as_str()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                ProviderKind::SinchWhatsappV1
            }),
        };
        match kind {
            ProviderKind::SinchWhatsappV1 => {
                foreign_fields(&file, kind, checker);
                Sender::SinchV1(sinch_v1(file, &at, checker))
            }
            ProviderKind::SinchConversation => {
                foreign_fields(&file, kind, checker);
                Sender::SinchConversation(super::sinch_conversation_sender::check(
                    file, &at, checker,
                ))
            }
            ProviderKind::MetaCloud => {
                foreign_fields(&file, kind, checker);
                Sender::MetaCloud(super::meta_cloud_sender::check(file, &at, checker))
            }
        }
    }
}

fn sinch_v1(file: SenderFile, at: &Spanned<()>, checker: &mut impl FieldErrors) -> SinchV1Sender {
    let bot_id = match &file.bot_id {
        Some(bot_id) => {
            if bot_id.value.trim().is_empty() || bot_id.value.contains(['/', '?', '#', ' ']) {
                checker.error(
                    bot_id,
                    "campaign.sender",
                    format!("`{}` is not a valid bot id", bot_id.value),
                );
            }
            bot_id.value.clone()
        }
        None => {
            checker.error(
                at,
                "campaign.sender",
                "`sender` needs a `bot_id` (the Sinch bot id)",
            );
            String::new()
        }
    };
    let region = file
        .region
        .as_ref()
        .and_then(|region| match region.value.as_str() {
            "us" => Some(Region::Us),
            "eu" => Some(Region::Eu),
            other => {
                checker.error_help(
                    region,
                    "campaign.sender",
                    format!("unknown region `{other}`"),
                    "the regions are `us` and `eu`",
                );
                None
            }
        });
    check_endpoint(file.endpoint.as_ref(), checker);
    if file.region.is_none()
        && file.endpoint.is_none()
        && let Some(bot_id) = &file.bot_id
    {
        checker.error_help(
            bot_id,
            "campaign.sender",
            "the sender has neither `region` nor `endpoint`",
            "add `region: us` or `region: eu` to `sender`",
        );
    }
    SinchV1Sender {
        bot_id,
        region,
        endpoint: file
            .endpoint
            .map(|e| e.value.trim_end_matches('/').to_owned()),
    }
}

/// The fields `kind` does not take, each an error naming the provider.
fn foreign_fields(file: &SenderFile, kind: ProviderKind, checker: &mut impl FieldErrors) {
    let fields = [
        ("bot_id", &file.bot_id, ProviderKind::SinchWhatsappV1),
        (
            "project_id",
            &file.project_id,
            ProviderKind::SinchConversation,
        ),
        ("app_id", &file.app_id, ProviderKind::SinchConversation),
        (
            "auth_endpoint",
            &file.auth_endpoint,
            ProviderKind::SinchConversation,
        ),
        (
            "phone_number_id",
            &file.phone_number_id,
            ProviderKind::MetaCloud,
        ),
        (
            "graph_version",
            &file.graph_version,
            ProviderKind::MetaCloud,
        ),
    ];
    if kind == ProviderKind::MetaCloud
        && let Some(region) = &file.region
    {
        checker.error_help(
            region,
            "campaign.sender",
            "`region` is not a field of provider `meta-cloud`",
            "Meta's Graph API has one host; set `endpoint` to replace it",
        );
    }
    for (name, value, owner) in fields {
        if let Some(value) = value
            && owner != kind
        {
            checker.error_help(
                value,
                "campaign.sender",
                format!("`{name}` is not a field of provider `{}`", kind.as_str()),
                format!("`{name}` belongs to `provider: {}`", owner.as_str()),
            );
        }
    }
}

/// An endpoint must be an absolute http(s) URL.
pub(super) fn check_endpoint(endpoint: Option<&Spanned<String>>, checker: &mut impl FieldErrors) {
    if let Some(endpoint) = endpoint
        && !is_http_url(&endpoint.value)
    {
        checker.error(
            endpoint,
            "campaign.sender",
            format!("`{}` is not an http(s) URL", endpoint.value),
        );
    }
}
