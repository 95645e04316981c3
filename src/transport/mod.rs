//! The seam between sending and the providers. [`send`](crate::send) drives
//! any [`Transport`]: it asks how many recipients one request may carry, has
//! the transport build each request's body from the message exactly as the
//! plan staged it, and sends through one [`Session`] per worker, which
//! classes the answer into a [`RecipientResult`] per recipient or a
//! [`SendError`] for the whole request. Everything a provider owns (URLs,
//! headers, credentials, JSON shapes, answer codes, limits) lives in its own
//! folder here (`sinch_v1/`, `meta_cloud/`); [`Provider`] picks one from the campaign's
//! sender, once, at the edge. Shared by all: the [`connector`] (TCP, proxy,
//! TLS), the [`http_client`] and the neutral result types.

pub mod connector;
pub mod credentials;
pub mod http_client;
pub mod meta_cloud;
pub mod provider;
pub mod recipient_result;
pub mod send_error;
pub mod sinch_conversation;
pub mod sinch_v1;

pub use credentials::Credentials;
pub use provider::Provider;
pub use recipient_result::{RecipientResult, Verdict};
pub use send_error::SendError;

use crate::phone::Phone;
use bytes::Bytes;
use std::future::Future;

/// A provider's way of sending one template message to a list of
/// recipients. Cheap to clone: the dispatcher builds bodies with one clone
/// while each worker sends through a session of its own.
pub trait Transport: Clone + Send + Sync + 'static {
    /// A worker's connection to the provider.
    type Session: Session;

    /// The most recipients one request may carry (at least 1).
    fn max_recipients(&self) -> usize;

    /// The body of one request sending `message` to every one of
    /// `recipients` (at most [`Transport::max_recipients`]). `message` is the
    /// staged JSON of a [`TemplateMessage`](crate::message::TemplateMessage)
    /// exactly as the plan digested it.
    fn body(&self, message: &str, recipients: &[Phone]) -> Bytes;

    /// A session with a connection of its own, opened when first needed.
    fn session(&self) -> Self::Session;

    /// Where requests go, for people to read (e.g. the base URL).
    fn describe(&self) -> &str;
}

/// One worker's connection to the provider.
pub trait Session: Send + Sync + 'static {
    /// Sends one request with `body` (built by [`Transport::body`] for
    /// `recipients`) and classes the answer: one result per recipient, in
    /// the order of `recipients`, or the class of the whole request's failure.
    fn send(
        &mut self,
        body: Bytes,
        recipients: &[Phone],
    ) -> impl Future<Output = Result<Vec<RecipientResult>, SendError>> + Send;
}
