//! What the messaging limit counts: the unique numbers one sender reached in
//! a span of time, across every campaign in the same state. A number counts
//! when a message to it was sent, is on its way (`in_flight`) or its outcome
//! is unknown, at the time of its latest outcome (for a send, the moment its
//! answer came; for an unknown one recovered later, the recovery: never
//! earlier than the send, so the count errs on the side of the limit).
//!
//! Backends answer with each number's time, oldest first (RFC 3339 UTC, so
//! text order is time order); the SQL is the same for both.

/// The times of the numbers a sender reached, oldest first.
pub struct Reached;

impl Reached {
    /// The query, with `?1` the sender and `?2` the earliest time.
    pub const SQL: &'static str = "SELECT MAX(r.updated_at) AS at FROM recipients r
         JOIN senders s ON s.campaign = r.campaign
         WHERE s.sender = ?1 AND r.state IN ('sent', 'unknown', 'in_flight') AND r.updated_at >= ?2
         GROUP BY r.phone ORDER BY at";

    /// The query with PostgreSQL's placeholders.
    pub fn postgres() -> String {
        Reached::SQL.replace("?1", "$1").replace("?2", "$2")
    }
}
