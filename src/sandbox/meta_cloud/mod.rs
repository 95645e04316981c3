//! The sandbox speaking Meta's WhatsApp Cloud API: `POST
//! /{version}/{phone_number_id}/messages` with a bearer token, checked as
//! strictly as Graph ([`sandbox_check`]), answered in Meta's shapes
//! ([`sandbox_answer`]) with fresh wamids ([`wamid`]), the sandbox's faults
//! expressed as Graph errors, and delivery simulated as signed status
//! webhooks ([`sandbox_status`]).

pub mod route;
pub mod sandbox_answer;
pub mod sandbox_check;
pub mod sandbox_status;
mod scripted_answers;
pub mod wamid;

pub use scripted_answers::{Scripted, ScriptedAnswers};

/// The send endpoint, as axum routes it.
pub const MESSAGES_ROUTE: &str = "/{version}/{phone_number_id}/messages";
