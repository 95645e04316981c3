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
}

impl SendError {
    /// Whether the same request may be sent again without risking a duplicate.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SendError::Throttled { .. } | SendError::NotSent { .. }
        )
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            SendError::Throttled { status, .. }
            | SendError::Rejected { status, .. }
            | SendError::Unauthorized { status, .. } => Some(*status),
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
