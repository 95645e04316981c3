//! A recipient's state in the journal, the same words for every backend.
//!
//! `pending` (to send), `in_flight` (a request may be on the wire), `sent`
//! (with message id), `failed` (with reason), `unknown` (may or may not have
//! been sent). Rows that could not be planned are kept as `skipped`.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    Pending,
    InFlight,
    Sent,
    Failed,
    Unknown,
    Skipped,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Pending,
        State::InFlight,
        State::Sent,
        State::Failed,
        State::Unknown,
        State::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::InFlight => "in_flight",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Unknown => "unknown",
            State::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }
}
