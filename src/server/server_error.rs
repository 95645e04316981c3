//! Why a local server could not start.

use super::Role;
use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Listening beyond this machine was not allowed with `--allow-remote`.
    #[error("{}", non_loopback(*.addr, *.role))]
    NonLoopback { addr: SocketAddr, role: Role },
    #[error("cannot listen on `{addr}`")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Each server says why loopback is its default in its own words.
fn non_loopback(addr: SocketAddr, role: Role) -> String {
    match role {
        Role::Sandbox => format!(
            "refusing to listen on `{addr}`, which is not a loopback address, without `--allow-remote`"
        ),
        Role::Listener => format!(
            "`{addr}` is not a loopback address; pass `--allow-remote` to receive callbacks from other machines"
        ),
    }
}
