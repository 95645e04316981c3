//! Why a sandbox could not start or take new settings. Problems with requests
//! are not errors here: they are answers to the client.

use std::net::SocketAddr;
use std::path::PathBuf;

/// A sandbox setting or resource problem.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "refusing to listen on `{addr}`, which is not a loopback address, without `--allow-remote`"
    )]
    NonLoopback { addr: SocketAddr },
    #[error("cannot listen on `{addr}`")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open record file `{}`", path.display())]
    Record {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
}
