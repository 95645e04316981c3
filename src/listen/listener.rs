//! Starting and stopping a listener: [`Listener::start`] checks the config,
//! binds, starts the journal writer and serves on the caller's tokio runtime;
//! the [`ListenerHandle`] gives the address and stops it, waiting until every
//! accepted callback is committed.

use super::routes::{self, ListenState};
use super::{CallbackWriter, ListenConfig, ListenError};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Listener;

impl Listener {
    pub async fn start(config: ListenConfig) -> Result<ListenerHandle, ListenError> {
        if !config.allow_remote && !config.listen.ip().is_loopback() {
            return Err(ListenError::NonLoopback {
                addr: config.listen,
            });
        }
        let bind = |source| ListenError::Bind {
            addr: config.listen,
            source,
        };
        let listener = TcpListener::bind(config.listen).await.map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        let (writer, thread) =
            CallbackWriter::start(&config.state, config.campaigns.clone(), config.batch_max)?;
        let router = routes::router(Arc::new(ListenState { config, writer }));
        let (stop, mut stopped) = watch::channel(false);
        let server = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|stopped| *stopped).await;
            };
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await;
        });
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
