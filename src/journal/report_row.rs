//! One row of the results report: a recipient (or a skipped row) with what
//! delivery reports said of its message.

use super::{Delivery, State};
use crate::phone::Phone;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub line: u64,
    pub phone: Option<Phone>,
    pub state: State,
    pub message_id: Option<String>,
    pub attempts: u32,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    /// The delivery of this row's number, if any report arrived for it.
    pub delivery: Option<Delivery>,
}
