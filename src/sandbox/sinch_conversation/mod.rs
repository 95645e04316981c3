//! The sandbox's side of Sinch's Conversation API: what it refuses
//! ([`token_check`], [`bearer_check`], [`sandbox_check`]), what it answers
//! ([`sandbox_answer`]) and the signed callbacks it posts
//! ([`sandbox_callback`]).

pub mod bearer_check;
pub mod conversation_config;
pub mod conversation_routes;
pub mod conversation_state;
pub mod sandbox_answer;
pub mod sandbox_callback;
pub mod sandbox_check;
pub mod token_check;
