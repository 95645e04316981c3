//! The Sinch WhatsApp v1 API: wire types, the HTTP client and callback signatures.

pub mod callback_signature;
pub mod client;
pub mod wire;
