//! The process exit codes, in one place. The README documents the same table.

/// How a wacast run ended, as the shell sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything worked (for `apply`: every recipient sent).
    Ok,
    /// An error that is not the input's fault: I/O, network, a bug.
    Error,
    /// The command line was wrong.
    Usage,
    /// The campaign, its audience or its catalog has problems; nothing was sent.
    Invalid,
    /// `apply` finished, but some recipients failed or their outcome is unknown.
    Failures,
    /// `apply` stopped early (token, error-rate breaker, interrupt) and can be resumed.
    Stopped,
    /// `plan --detailed-exitcode`: the plan would send something.
    Changes,
    /// `apply` finished for now: the schedule (a window, the messaging
    /// limit, the next wave) defers recipients until later (apply again, or
    /// use `--wait`). A stop (5) takes precedence; failures so far are in
    /// the summary, and the apply that finishes the campaign exits 4.
    Deferred,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Ok => 0,
            ExitStatus::Error => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Invalid => 3,
            ExitStatus::Failures => 4,
            ExitStatus::Stopped => 5,
            ExitStatus::Changes => 2,
            ExitStatus::Deferred => 6,
        }
    }
}
