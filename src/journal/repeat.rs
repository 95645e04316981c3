//! What staging found for a number already planned in this run.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repeat {
    pub first_line: u64,
    pub same_message: bool,
}
