//! What the journal knows of one recipient, for a plan to classify: its state
//! and whether the message it was sent is the one it would now get.

use super::State;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecipientFacts {
    pub state: State,
    /// The digest of the message sent equals the one asked about.
    pub same_message: bool,
}
