//! Binding and serving: [`LocalServer::bind`] refuses a non-loopback address
//! unless allowed and names the address when the bind fails;
//! [`LocalServer::serve`] accepts connections until shutdown is signalled,
//! serves each on its own task, then drains them.

use super::connection::{Shared, serve_connection, until_stopped};
use super::{Limits, ServerError};
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// Which server this is, for its messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// `wacast sandbox`: a provider-compatible server to send to.
    Sandbox,
    /// `wacast listen`: the receiver of delivery reports and replies.
    Listener,
}

/// A bound listening socket, not yet serving.
pub struct LocalServer {
    listener: TcpListener,
    addr: SocketAddr,
    limits: Limits,
}

impl LocalServer {
    /// Binds `addr`; a non-loopback address only with `allow_remote`.
    pub async fn bind(
        addr: SocketAddr,
        allow_remote: bool,
        role: Role,
    ) -> Result<LocalServer, ServerError> {
        check_loopback(addr, allow_remote, role)?;
        let bind = |source| ServerError::Bind { addr, source };
        let listener = TcpListener::bind(addr).await.map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        Ok(LocalServer {
            listener,
            addr,
            limits: Limits::default(),
        })
    }

    /// Holds every client to `limits` instead of the defaults.
    pub fn with_limits(self, limits: Limits) -> LocalServer {
        LocalServer { limits, ..self }
    }

    /// The address bound (with the port the system picked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves `router` until `shutdown` turns true, then stops accepting and
    /// lets open connections finish: for at most `drain`, or until they all
    /// have when `drain` is `None`. At most [`Limits::connections_allowed`]
    /// connections are served at once; further clients wait to be accepted.
    pub async fn serve(
        self,
        router: Router,
        shutdown: watch::Receiver<bool>,
        drain: Option<Duration>,
    ) {
        let shared = Shared {
            router,
            limits: self.limits,
            budget: Arc::new(Semaphore::new(self.limits.body_budget)),
        };
        let slots = Arc::new(Semaphore::new(self.limits.connections_allowed()));
        let mut connections = JoinSet::new();
        let mut stopped = shutdown.clone();
        loop {
            let slot = tokio::select! {
                slot = Arc::clone(&slots).acquire_owned() => slot,
                () = until_stopped(&mut stopped) => break,
            };
            let Ok(slot) = slot else { break };
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        let served = serve_connection(stream, shared.clone(), shutdown.clone());
                        connections.spawn(async move {
                            served.await;
                            drop(slot);
                        });
                    }
                    // Out of file descriptors or similar: wait for some to free up.
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                },
                () = until_stopped(&mut stopped) => break,
            }
            while connections.try_join_next().is_some() {}
        }
        drop(self.listener);
        let drained = async { while connections.join_next().await.is_some() {} };
        match drain {
            Some(limit) => {
                let _ = tokio::time::timeout(limit, drained).await;
            }
            None => drained.await,
        }
    }
}

/// Refuses a non-loopback address unless allowed.
pub fn check_loopback(addr: SocketAddr, allow_remote: bool, role: Role) -> Result<(), ServerError> {
    if allow_remote || addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(ServerError::NonLoopback { addr, role })
    }
}
