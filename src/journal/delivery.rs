//! A recipient's delivery, for the results report: the furthest state
//! reported (the provider's word) and when it was delivered, read or failed.

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub message_id: String,
    pub delivery_state: String,
    pub delivered_at: Option<String>,
    pub read_at: Option<String>,
    pub failure_details: Option<String>,
}
