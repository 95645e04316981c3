//! The sender of a `provider: sinch-conversation` campaign: the project and
//! app messages are sent as, the region that picks the API host (it must be
//! the app's region, or calls answer 404: `sinch/skills`
//! `skills/sinch-conversation-api/SKILL.md`), and the two hosts a test or a
//! proxy may replace: `endpoint` (the API) and `auth_endpoint` (the OAuth2
//! token host).

use super::field_errors::FieldErrors;
use super::sender::{SenderFile, check_endpoint};
use super::yaml::Spanned;

/// A Sinch Conversation API region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConversationRegion {
    Us,
    Eu,
    Br,
}

impl ConversationRegion {
    pub const ALL: [ConversationRegion; 3] = [
        ConversationRegion::Us,
        ConversationRegion::Eu,
        ConversationRegion::Br,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConversationRegion::Us => "us",
            ConversationRegion::Eu => "eu",
            ConversationRegion::Br => "br",
        }
    }
}

/// A Sinch Conversation API app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinchConversationSender {
    pub project_id: String,
    pub app_id: String,
    pub region: Option<ConversationRegion>,
    /// Without a trailing `/`.
    pub endpoint: Option<String>,
    /// Without a trailing `/`.
    pub auth_endpoint: Option<String>,
}

pub(super) fn check(
    file: SenderFile,
    at: &Spanned<()>,
    checker: &mut impl FieldErrors,
) -> SinchConversationSender {
    let project_id = identifier(
        file.project_id.as_ref(),
        "project_id",
        "project id",
        at,
        checker,
    );
    let app_id = identifier(file.app_id.as_ref(), "app_id", "app id", at, checker);
    let region = file.region.as_ref().and_then(|region| {
        let found = ConversationRegion::ALL
            .into_iter()
            .find(|r| r.as_str() == region.value);
        if found.is_none() {
            checker.error_help(
                region,
                "campaign.sender",
                format!("unknown region `{}`", region.value),
                "the regions of `sinch-conversation` are `us`, `eu` and `br` (the app's region)",
            );
        }
        found
    });
    check_endpoint(file.endpoint.as_ref(), checker);
    check_endpoint(file.auth_endpoint.as_ref(), checker);
    if file.region.is_none() && file.endpoint.is_none() {
        checker.error_help(
            at,
            "campaign.sender",
            "the sender has neither `region` nor `endpoint`",
            "add `region: us`, `region: eu` or `region: br` (the app's region) to `sender`",
        );
    }
    let trimmed = |e: Option<Spanned<String>>| e.map(|e| e.value.trim_end_matches('/').to_owned());
    SinchConversationSender {
        project_id,
        app_id,
        region,
        endpoint: trimmed(file.endpoint),
        auth_endpoint: trimmed(file.auth_endpoint),
    }
}

/// A required id that goes into a URL path or a JSON body as it is.
fn identifier(
    value: Option<&Spanned<String>>,
    field: &str,
    what: &str,
    at: &Spanned<()>,
    checker: &mut impl FieldErrors,
) -> String {
    match value {
        Some(value) => {
            if value.value.trim().is_empty() || value.value.contains(['/', '?', '#', ' ']) {
                checker.error(
                    value,
                    "campaign.sender",
                    format!("`{}` is not a valid {what}", value.value),
                );
            }
            value.value.clone()
        }
        None => {
            checker.error(
                at,
                "campaign.sender",
                format!("`sender` needs `{field}` (the Sinch Conversation {what})"),
            );
            String::new()
        }
    }
}
