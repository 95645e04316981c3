//! What a failed statement means for the caller: a lost connection (stop
//! sending, exit so a rerun resumes), a refused write (a constraint, a bug or
//! bad data), or anything else.

use postgres::error::SqlState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PgFailure {
    /// The connection is gone: closed, reset, or the server ended the session
    /// (`pg_terminate_backend`, a restart, a failover). Nothing after the last
    /// commit was kept.
    ConnectionLost,
    /// The server refused the data: a unique, foreign key, not-null or check
    /// constraint.
    Constraint,
    Other,
}

impl PgFailure {
    pub fn of(error: &postgres::Error) -> PgFailure {
        if error.is_closed() {
            return PgFailure::ConnectionLost;
        }
        if let Some(code) = error.code() {
            return Self::of_code(code);
        }
        if error
            .source_chain()
            .any(|source| source.is::<std::io::Error>())
        {
            return PgFailure::ConnectionLost;
        }
        PgFailure::Other
    }

    fn of_code(code: &SqlState) -> PgFailure {
        let class = &code.code()[..2];
        if class == "08"
            || *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CRASH_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW
        {
            PgFailure::ConnectionLost
        } else if class == "23" {
            PgFailure::Constraint
        } else {
            PgFailure::Other
        }
    }
}

trait SourceChain {
    fn source_chain(&self) -> impl Iterator<Item = &(dyn std::error::Error + 'static)>;
}

impl SourceChain for postgres::Error {
    fn source_chain(&self) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
        std::iter::successors(std::error::Error::source(self), |e| e.source())
    }
}
