//! The Sinch WhatsApp v1 API: wire types, the HTTP client and its error classes.
//! This is the only transport; another provider API would sit beside it.

pub mod client;
pub mod connector;
pub mod send_error;
pub mod wire;
