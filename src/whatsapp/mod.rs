//! The WhatsApp platform's own vocabulary, shared by every provider: template
//! language codes, media header kinds and their limits, parameter limits, and
//! Click to WhatsApp links.

pub mod catalog;
pub mod click_link;
