//! What became of one recipient's request, as apply records it.

use super::State;
use crate::phone::Phone;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub phone: Phone,
    pub state: State,
    pub message_id: Option<String>,
    pub http_status: Option<u16>,
    pub error: Option<String>,
}
