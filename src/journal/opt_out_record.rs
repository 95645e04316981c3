//! A number that opted out of a campaign by replying.

use crate::phone::Phone;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptOutRecord {
    pub campaign: String,
    pub phone: Phone,
    pub keyword: String,
    /// The inbound message that carried it.
    pub message_id: Option<String>,
    /// The suppression list it is appended to.
    pub file: Option<String>,
}
