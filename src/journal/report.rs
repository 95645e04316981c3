//! One delivery report, as a listener read it from a callback.

use super::DeliveryState;
use crate::phone::Phone;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The campaign named in the callback URL, if any.
    pub campaign: Option<String>,
    pub message_id: String,
    pub recipient: Option<Phone>,
    /// The provider's own word for the state, as stored and reported.
    pub state: String,
    /// Where `state` stands along the way to `read`.
    pub progress: DeliveryState,
    pub details: Option<String>,
    /// When the provider says it happened (RFC 3339); the receive time when absent.
    pub timestamp: Option<String>,
}
