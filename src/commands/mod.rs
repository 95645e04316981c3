//! One module per wacast verb.

pub mod link;
