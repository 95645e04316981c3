//! Starting and stopping a listener: [`Listener::start`] checks the config,
//! binds, starts the journal writer and serves on the caller's tokio runtime;
//! the [`ListenerHandle`] gives the address and stops it, waiting until every
//! accepted callback is committed.

use super::routes::{self, ListenState};
use super::{CallbackWriter, ListenConfig, ListenError};
use crate::server::{LocalServer, Role};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Listener;

impl Listener {
    pub async fn start(config: ListenConfig) -> Result<ListenerHandle, ListenError> {
        let server = LocalServer::bind(config.listen, config.allow_remote, Role::Listener)
            .await?
            .with_limits(config.limits);
        let addr = server.addr();
        let (writer, thread) = CallbackWriter::start(
            &config.state,
            config.durability,
            config.campaigns.clone(),
            config.batch_max,
        )?;
        let router = routes::router(Arc::new(ListenState { config, writer }));
        let (stop, stopped) = watch::channel(false);
        // Open callbacks are let finish: each is answered only once committed.
        let server = tokio::spawn(server.serve(router, stopped, None));
        Ok(ListenerHandle {
            addr,
            stop,
            server: Some(server),
            writer: Some(thread),
        })
    }

    /// Serves until `stop` completes; `ready` is called once it listens.
    pub async fn serve(
        config: ListenConfig,
        ready: impl FnOnce(&ListenerHandle),
        stop: impl Future<Output = ()>,
    ) -> Result<(), ListenError> {
        let handle = Listener::start(config).await?;
        ready(&handle);
        stop.await;
        handle.shutdown().await;
        Ok(())
    }
}

/// A running listener.
pub struct ListenerHandle {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    writer: Option<crate::journal::WriterThread>,
}

impl ListenerHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://host:port`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base to set as `delivery.callback_url`: `http://host:port/callbacks`.
    pub fn callback_url(&self) -> String {
        format!("{}/callbacks", self.base_url())
    }

    /// Stops accepting, lets open requests finish and waits until the
    /// journal writer has committed them.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        if let Some(writer) = self.writer.take() {
            let _ = tokio::task::spawn_blocking(move || writer.join()).await;
        }
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}
