//! `wacast listen`: the receiver Sinch POSTs delivery reports and inbound
//! messages to, and Meta its webhooks ([`meta_cloud`], at `/meta-cloud`). Every report is committed to the journal before it is
//! acknowledged, so a callback is never answered 2xx and then lost.
//!
//! - `POST /callbacks/{campaign}` takes the callback envelope for one
//!   campaign: reports are matched by message id, or by campaign and number for
//!   a recipient whose send was uncertain. This is the URL `apply` gives Sinch
//!   (`delivery.callback_url` + `/` + the campaign's name).
//! - `POST /callbacks` takes reports matched by message id alone; an opt-out
//!   arriving there applies to every campaign the listener serves (or, with
//!   none named, to every campaign the number was a recipient of).
//! - With an HMAC key, a callback without a valid signature is refused with
//!   401 and nothing is recorded. A replayed callback (same body and nonce) is
//!   accepted and changes nothing: reports are idempotent, and Sinch retries
//!   for about 22 hours, so refusing repeats would only cause more retries.
//! - If the journal cannot be written the answer is 503, so Sinch retries.
//!
//! Requests are answered by axum; one writer thread ([`CallbackWriter`]) owns
//! the journal and commits callbacks in batches, answering each only after the
//! batch holding it is committed.

mod callback;
mod callback_writer;
mod listen_config;
mod listen_error;
mod listener;
mod listener_thread;
pub mod meta_cloud;
mod receipt;
mod routes;
mod sinch_conversation;

pub use callback::{Callback, Refusal, delivery_state};
pub use callback_writer::{CallbackWriter, Written};
pub use listen_config::{CampaignTarget, DEFAULT_LISTEN, HmacKey, ListenConfig};
pub use listen_error::ListenError;
pub use listener::{Listener, ListenerHandle};
pub use listener_thread::ListenerThread;
pub use receipt::Receipt;
