//! What a local server grants one client, so that it can face a network:
//! idle or slow clients are cut off, the connections open at once and the
//! request bodies held in memory are capped, and a client beyond a cap waits
//! or is refused without costing the server a file descriptor or memory.

use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; beyond it, new ones wait in the
    /// operating system's accept queue, holding no file descriptor of the
    /// server. Lowered to what the open-file limit leaves room for.
    pub max_connections: usize,
    /// How long a request's head may take to arrive, counted from when the
    /// connection is ready for it: on a kept-alive connection this is also
    /// how long it may sit idle. Then the connection is closed.
    pub header_timeout: Duration,
    /// How long a request's body may take to arrive after its head (408).
    pub body_timeout: Duration,
    /// The largest body one request may send (413, answered by the routes).
    pub body_limit: usize,
    /// The request bodies all connections together may hold in memory,
    /// counted by their declared length (a body without one counts as
    /// [`Limits::body_limit`]); a request beyond it is answered 503 with
    /// `Retry-After` before its body is read.
    pub body_budget: usize,
}

/// File descriptors kept for everything but client connections (the
/// journal, its files, the runtime).
const RESERVED_FILES: usize = 64;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            body_limit: 1024 * 1024,
            body_budget: 32 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// [`Limits::max_connections`], lowered so that connections can never
    /// exhaust the process's open-file limit.
    pub fn connections_allowed(&self) -> usize {
        let files = open_file_limit().unwrap_or(usize::MAX);
        self.max_connections
            .min(files.saturating_sub(RESERVED_FILES))
            .max(1)
    }
}

/// The soft limit on open files, when the system says.
fn open_file_limit() -> Option<usize> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct it is given.
        let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
        if got == 0 && limit.rlim_cur != libc::RLIM_INFINITY {
            return usize::try_from(limit.rlim_cur).ok();
        }
    }
    None
}
