//! Sending stopped because the journal could not be written (a lost database
//! connection, a full disk), and what follows could not be recorded either:
//! the run is stopped, and the next apply resumes it, turning what was in
//! flight into `unknown`.

use crate::send::stop::StopReason;

#[derive(Debug, thiserror::Error)]
#[error(
    "sending stopped: {stop}; the end of the run could not be recorded ({error}). \
Apply again once the journal can be reached: nobody is sent twice, and what was in flight becomes `unknown`"
)]
pub struct JournalLost {
    pub stop: String,
    pub error: String,
}

impl JournalLost {
    /// `error` as a lost journal when sending stopped on one; else unchanged.
    pub fn after(stopped: Option<&StopReason>, error: anyhow::Error) -> anyhow::Error {
        match stopped {
            Some(stop @ StopReason::Journal(_)) => JournalLost {
                stop: stop.to_string(),
                error: format!("{error:#}"),
            }
            .into(),
            _ => error,
        }
    }
}
