//! What a committed callback changed, as the listener answers it.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Receipt {
    pub recorded: u64,
    pub reconciled: u64,
    pub duplicates: u64,
    pub orphans: u64,
    pub opt_outs: u64,
    /// Entries that could not be read, kept in the journal with the reason.
    pub unreadable: u64,
    pub ignored: u64,
}
