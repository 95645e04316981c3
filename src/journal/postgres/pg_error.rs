//! Why an operation on the PostgreSQL journal failed. The location in every
//! message is masked, and a database error carries what was being done.

use super::{LocationError, PgFailure};

/// What an operation on the PostgreSQL journal returns.
pub type Result<T> = std::result::Result<T, JournalError>;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    Location(#[from] LocationError),
    /// `detail` already gives `error` and its causes, so `error` is kept
    /// out of the error's chain (else a message would give them twice).
    #[error("cannot reach the journal in `{location}`: {detail}")]
    Connect {
        location: String,
        detail: String,
        error: postgres::Error,
    },
    #[error(
        "the journal in `{location}` (schema `{schema}`) is version {found}; this wacast reads up to {supported}: upgrade wacast"
    )]
    TooNew {
        location: String,
        schema: String,
        found: i32,
        supported: i32,
    },
    #[error("another apply of `{campaign}` is running{holder}; wait for it to finish")]
    Locked { campaign: String, holder: String },
    #[error("the journal holds {0}")]
    Malformed(String),
    /// As with `Connect`, `detail` gives `error` and its causes.
    #[error("{context}: {detail}")]
    Database {
        context: &'static str,
        detail: String,
        error: postgres::Error,
    },
}

impl JournalError {
    /// What kind of failure this is, for the caller deciding to stop or go on.
    pub fn failure(&self) -> PgFailure {
        match self {
            JournalError::Connect { error, .. } | JournalError::Database { error, .. } => {
                PgFailure::of(error)
            }
            _ => PgFailure::Other,
        }
    }
}

/// Adds what was being done to a database error.
pub(super) trait Context<T> {
    fn context(self, context: &'static str) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, postgres::Error> {
    fn context(self, context: &'static str) -> Result<T> {
        self.map_err(|error| JournalError::Database {
            context,
            detail: describe(&error),
            error,
        })
    }
}

/// An error and its causes, as one line (the driver's own text omits them).
pub(super) fn describe(error: &postgres::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(next) = cause {
        let line = next.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        cause = next.source();
    }
    text
}
