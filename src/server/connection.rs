//! One client connection, served by hyper with a server's router. Connections
//! are served here rather than through `axum::serve` so a request can close
//! its own connection without answering: the sandbox's lost-answer fault,
//! where the client cannot know whether its message went out.

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

/// How long open requests get to finish once the server shuts down.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Lets a request close the connection it arrived on; handed to every request
/// as an extension.
#[derive(Clone, Debug, Default)]
pub struct ConnectionControl {
    close: Arc<Notify>,
}

impl ConnectionControl {
    /// Closes the connection at once: the client gets no answer to any request
    /// on it, only an end of stream.
    pub fn close(&self) {
        self.close.notify_one();
    }
}

/// Serves HTTP/1.1 on `stream` until the client leaves, a request closes the
/// connection, or the server shuts down.
pub async fn serve_connection(
    stream: TcpStream,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let control = ConnectionControl::default();
    let service = {
        let control = control.clone();
        hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(control.clone());
            router.clone().oneshot(request)
        })
    };
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        () = control.close.notified() => return,
        () = until_stopped(&mut shutdown) => {}
    }
    connection.as_mut().graceful_shutdown();
    tokio::select! {
        _ = connection.as_mut() => {}
        () = control.close.notified() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {}
    }
}

/// Completes once the server is shutting down (or its handle is gone).
pub async fn until_stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopped| *stopped).await;
}
