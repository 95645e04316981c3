//! A local server that speaks the Sinch WhatsApp v1 send contract, and on the
//! same port Meta's WhatsApp Cloud API ([`meta_cloud`]), so wacast runs end to
//! end on a machine with no account and its tests exercise the real HTTP path.
//!
//! - `POST /whatsapp/v1/{bot_id}/messages` checks the bearer token and bot id
//!   (401), validates the body as strictly as Sinch ([`validate`], 400 naming
//!   each problem by its JSON path) and answers 201 with a fresh ULID per
//!   recipient.
//! - Every accepted message is recorded in memory and, optionally, in a JSON
//!   Lines file; `GET /_sandbox/messages` and `GET /_sandbox/stats` show the
//!   record and the counters (with the high-water mark of requests in flight).
//! - Delivery reports are POSTed to a callback URL when one is configured or
//!   named by the message, signed with HMAC-SHA256 when a key is set;
//!   [`SandboxHandle::reports_settled`] waits until none is left to POST.
//! - Replies from users ([`InboundReply`]) are POSTed to the configured
//!   callback URL (the bot's, as Sinch sends inbound messages), for tests
//!   through [`SandboxHandle::send_reply`].
//! - Faults ([`Faults`]): latency, 429 with `Retry-After`, 503, 500, answers
//!   lost after recording (the connection is closed), hangs, and token
//!   revocation after N requests, all drawn from a seedable generator.
//!
//! The server runs on the caller's tokio runtime: [`Sandbox::start`] for tests
//! and `apply --sandbox`, [`Sandbox::serve`] for `wacast sandbox`.

mod api_error;
mod config;
mod delivery_reporter;
mod fault_injector;
mod inbound_reply;
pub mod meta_cloud;
mod outstanding_reports;
mod recipient_fate;
mod recorder;
mod routes;
mod sandbox_error;
mod sandbox_state;
mod server;
pub mod sinch_conversation;
mod stats;
pub mod validate;

/// The callback signature, shared with `wacast listen`.
pub use crate::transport::sinch_v1::callback_signature as signature;
pub use config::{
    DEFAULT_BOT_ID, DEFAULT_KEEP_MESSAGES, DEFAULT_TOKEN, Delivery, Faults, Latency, SandboxConfig,
    parse_duration,
};
pub use inbound_reply::InboundReply;
pub use recipient_fate::{Fates, RecipientFate};
pub use recorder::RecordedMessage;
pub use routes::{MESSAGES_PATH, STATS_PATH};
pub use sandbox_error::SandboxError;
pub use server::{Sandbox, SandboxHandle};
/// The Conversation API side's settings.
pub use sinch_conversation::conversation_config as conversation;
pub use stats::SandboxStats;
