//! What a committed callback changed, as the listener answers it.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Receipt {
    pub recorded: u64,
    pub reconciled: u64,
    pub duplicates: u64,
    pub orphans: u64,
    pub opt_outs: u64,
    pub ignored: u64,
}
