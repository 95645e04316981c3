//! The template message each recipient gets, owned by no provider: rendering it
//! from a row, the platform's rules for its parameters, its digest and its
//! parameters as labelled values.

pub mod digest;
pub mod message_params;
pub mod render;
pub mod rules;
pub mod substitution;
pub mod template_message;

pub use template_message::{Button, Media, TemplateMessage};
