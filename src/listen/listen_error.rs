//! Why a listener could not start.

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error(
        "`{addr}` is not a loopback address; pass `--allow-remote` to receive callbacks from other machines"
    )]
    NonLoopback { addr: SocketAddr },
    #[error("cannot listen on `{addr}`")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Journal(#[from] anyhow::Error),
}
