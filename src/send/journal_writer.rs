//! The journal writer senders commit through: the one group-commit writer
//! of [`crate::journal`], named here so the executor's modules keep their
//! paths. Intent and outcomes are committed in groups; a page of pending
//! recipients is read beside the writer.

pub use crate::journal::JournalWriter;
