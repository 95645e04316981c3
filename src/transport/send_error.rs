//! Why a send request did not simply succeed, classed by what wacast may do
//! next, whatever the provider. The classes decide the promise "nobody is
//! sent twice": only errors that prove the message was not accepted are
//! retried. Each transport maps its provider's answers onto these.

use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// 429 or 503: the provider asks us to slow down; nothing was accepted.
    #[error("throttled ({status}){}", retry_after_text(.retry_after))]
    Throttled {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The request never reached the provider (connection refused, DNS, TLS).
    #[error("not sent: {reason}")]
    NotSent { reason: String },
    /// 400 and other refusals of the request itself: never retried.
    #[error("rejected ({status}): {message}{}", details_text(.details))]
    Rejected {
        status: u16,
        message: String,
        details: Option<String>,
    },
    /// The provider refused the credentials or the sender (e.g. 401, 403,
    /// 404): stop sending. `hint` is the transport's advice on what to check.
    #[error("refused ({status}): {message}")]
    Unauthorized {
        status: u16,
        message: String,
        hint: &'static str,
    },
    /// Timeouts, resets and 5xx after the request was written: the provider
    /// may have sent the message.
    #[error("outcome unknown: {reason}")]
    Uncertain { status: Option<u16>, reason: String },
    /// The provider answered that it could not take the request now (a
    /// service error with an answer): nothing was accepted, retry with backoff.
    #[error("provider unavailable ({status}): {reason}")]
    Unavailable { status: u16, reason: String },
    /// The provider refuses this request's recipients for now (e.g. too many
    /// messages to one user): nothing was accepted; this request alone is
    /// retried after `after`, while others go on.
    #[error("retry later ({status}): {reason}")]
    RetryLater {
        status: u16,
        reason: String,
        after: Duration,
    },
    /// The provider will send nothing more for this account or number until a
    /// person fixes something (a block, a restriction, a quality limit): stop
    /// sending, resumably. `hint` is the transport's advice on what to check.
    #[error("suspended ({status}): {message}")]
    Suspended {
        status: u16,
        message: String,
        hint: &'static str,
    },
}

impl SendError {
    /// Whether the same request may be sent again without risking a duplicate.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SendError::Throttled { .. }
                | SendError::NotSent { .. }
                | SendError::Unavailable { .. }
                | SendError::RetryLater { .. }
        )
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            SendError::Throttled { status, .. }
            | SendError::Rejected { status, .. }
            | SendError::Unauthorized { status, .. }
            | SendError::Unavailable { status, .. }
            | SendError::RetryLater { status, .. }
            | SendError::Suspended { status, .. } => Some(*status),
            SendError::Uncertain { status, .. } => *status,
            SendError::NotSent { .. } => None,
        }
    }
}

fn retry_after_text(retry_after: &Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| {
        format!(", retry after {} s", d.as_secs_f64().ceil())
    })
}

fn details_text(details: &Option<String>) -> String {
    details
        .as_ref()
        .map_or_else(String::new, |d| format!(" ({d})"))
}
