//! Meta's webhooks into the listener: the `GET` verification handshake
//! ([`verification`]) and `POST` bodies ([`webhook`]) of status updates
//! ([`delivery_report`]) and user messages ([`inbound_message`]), signed with
//! `X-Hub-Signature-256` under the app secret.

pub mod callback;
#[cfg(test)]
mod contract_tests;
pub mod delivery_report;
pub mod inbound_message;
pub mod routes;
pub mod verification;
pub mod webhook;

pub use routes::WEBHOOK_PATH;
