//! How many of a campaign's recipients are in each state.

use super::State;

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StateCounts {
    pub pending: u64,
    pub in_flight: u64,
    pub sent: u64,
    pub failed: u64,
    pub unknown: u64,
    pub skipped: u64,
}

impl StateCounts {
    pub fn add(&mut self, state: State, count: u64) {
        let slot = match state {
            State::Pending => &mut self.pending,
            State::InFlight => &mut self.in_flight,
            State::Sent => &mut self.sent,
            State::Failed => &mut self.failed,
            State::Unknown => &mut self.unknown,
            State::Skipped => &mut self.skipped,
        };
        *slot += count;
    }
}
