//! A state that shows a campaign ran before while its journal has nothing of
//! it: a journal file deleted, emptied (0 bytes) or replaced, or a database
//! whose rows of the campaign are gone. Reading it as "every recipient is
//! new" would message everyone again, so opening it is this error instead,
//! naming the state location and the evidence.

use std::fmt;

#[derive(Debug, PartialEq, Eq)]
pub struct LostJournal {
    /// The state folder or (masked) database URL.
    pub location: String,
    pub campaign: String,
    /// What shows the campaign ran: a file of the folder, or the journal's runs.
    pub evidence: String,
    /// What is wrong with the journal.
    pub problem: String,
}

impl std::error::Error for LostJournal {}

impl fmt::Display for LostJournal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the state `{}` shows that `{}` ran before ({}), but {}; wacast will not start \
             afresh and message everyone again: restore the journal from a backup, or name \
             the state that holds it with `--state`",
            self.location, self.campaign, self.evidence, self.problem
        )
    }
}
