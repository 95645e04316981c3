//! A change to recipients' states, as committed by [`super::Backend::write`].

use super::Outcome;
use crate::phone::Phone;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A request for these recipients is about to be sent.
    InFlight(Vec<Phone>),
    /// What happened to each recipient of a request.
    Outcomes(Vec<Outcome>),
}

impl Change {
    /// How many recipients the change touches.
    pub fn recipients(&self) -> usize {
        match self {
            Change::InFlight(phones) => phones.len(),
            Change::Outcomes(outcomes) => outcomes.len(),
        }
    }
}
