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
pub mod template_parameter;
pub mod token_backoff;
pub mod token_cache;
pub mod token_request;
