//! Sending stopped because the journal could not be written (a lost database
//! connection, a full disk), and what follows could not be recorded either:
//! the run is stopped, and the next apply resumes it, turning what was in
//! flight into `unknown`. Sends the provider accepted whose outcome could not
//! be recorded either are named, since they will read as `unknown`.

use crate::journal::Outcome;
use crate::send::stop::StopReason;

#[derive(Debug, thiserror::Error)]
#[error(
    "sending stopped: {stop}; the end of the run could not be recorded ({error}).{unrecorded} \
Make room in `{location}` (or let the journal be reached), then apply again to resume: nobody is sent twice, and what was in flight becomes `unknown`"
)]
pub struct JournalLost {
    /// What the run did before it stopped, still to be shown.
    pub this_run: super::ThisRun,
    pub stop: String,
    pub error: String,
    /// Where the journal is: its folder, or its database URL masked.
    pub location: String,
    /// Says which accepted sends could not be recorded, if any.
    pub unrecorded: String,
}

impl JournalLost {
    /// `error` as a lost journal when sending stopped on one; else unchanged.
    /// `lost` are the outcomes that could not be recorded.
    pub fn after(
        this_run: super::ThisRun,
        stopped: Option<&StopReason>,
        error: anyhow::Error,
        location: &str,
        lost: &[Outcome],
    ) -> anyhow::Error {
        match stopped {
            Some(stop @ StopReason::Journal(_)) => JournalLost {
                this_run,
                stop: stop.to_string(),
                error: format!("{error:#}"),
                location: location.to_owned(),
                unrecorded: unrecorded(lost)
                    .map(|text| format!(" {text}."))
                    .unwrap_or_default(),
            }
            .into(),
            _ => error,
        }
    }
}

/// The accepted sends among `lost`, in words: they will read as `unknown`
/// (resent only with `--resend-unknown`), with the provider's message ids.
pub fn unrecorded(lost: &[Outcome]) -> Option<String> {
    let ids: Vec<&str> = lost
        .iter()
        .filter(|o| o.state == crate::journal::State::Sent)
        .filter_map(|o| o.message_id.as_deref())
        .collect();
    if ids.is_empty() {
        return None;
    }
    Some(format!(
        "{} send(s) the provider accepted could not be recorded and will read as `unknown`: message id(s) {}",
        ids.len(),
        ids.join(", ")
    ))
}
