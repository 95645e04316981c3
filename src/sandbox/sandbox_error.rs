//! Why a sandbox could not start or take new settings. Problems with requests
//! are not errors here: they are answers to the client.

use std::path::PathBuf;

/// A sandbox setting or resource problem.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The address could not be bound, or is not loopback.
    #[error(transparent)]
    Server(#[from] crate::server::ServerError),
    #[error("cannot open record file `{}`", path.display())]
    Record {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
}
