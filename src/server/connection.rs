//! One client connection, served by hyper with a server's router. Connections
//! are served here rather than through `axum::serve` so a request can close
//! its own connection without answering: the sandbox's lost-answer fault,
//! where the client cannot know whether its message went out.
//!
//! Each connection is held to the server's [`Limits`]: hyper closes it when a
//! request's head (or the next one, on a kept-alive connection) does not
//! arrive in time, a body must arrive within its own deadline, and a request
//! whose body the shared budget cannot hold is answered 503 before its body
//! is read.

use super::Limits;
use super::timed_body::TimedBody;
use axum::Router;
use axum::response::{IntoResponse, Response};
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore, watch};
use tower::ServiceExt;

/// The most a connection buffers of what it reads (hyper's default is about
/// 400 KiB): with hundreds of connections, their buffers are the server's
/// memory. A request head larger than this is refused (431).
const READ_BUFFER: usize = 64 * 1024;

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

/// What every connection of one server shares.
#[derive(Clone)]
pub struct Shared {
    pub router: Router,
    pub limits: Limits,
    /// Bytes of request bodies that may be held at once, one permit a byte.
    pub budget: Arc<Semaphore>,
}

/// Serves HTTP/1.1 on `stream` until the client leaves, a request closes the
/// connection, a limit cuts it off, or the server shuts down.
pub async fn serve_connection(
    stream: TcpStream,
    shared: Shared,
    mut shutdown: watch::Receiver<bool>,
) {
    let control = ConnectionControl::default();
    let header_timeout = shared.limits.header_timeout;
    let service = {
        let control = control.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            serve_request(request, shared.clone(), control.clone())
        })
    };
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(READ_BUFFER)
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

/// Answers one request: its body charged to the budget until the answer is
/// made, and read within its deadline.
async fn serve_request(
    request: hyper::Request<Incoming>,
    shared: Shared,
    control: ConnectionControl,
) -> Result<Response, std::convert::Infallible> {
    let limit = shared.limits.body_limit;
    let charge = request
        .body()
        .size_hint()
        .upper()
        .map_or(limit, |declared| (declared as usize).min(limit));
    let Ok(_held) = shared
        .budget
        .clone()
        .try_acquire_many_owned(u32::try_from(charge).unwrap_or(u32::MAX))
    else {
        return Ok(busy());
    };
    let deadline = tokio::time::Instant::now() + shared.limits.body_timeout;
    let mut request = request.map(|body| axum::body::Body::new(TimedBody::new(body, deadline)));
    request.extensions_mut().insert(control);
    shared.router.oneshot(request).await
}

/// 503 for a request whose body the budget cannot hold now; the connection
/// is closed, since its body is left unread.
fn busy() -> Response {
    let body = serde_json::json!({
        "message": "the server is busy; retry later",
        "details": "too many request bodies are being received at once",
    });
    (
        hyper::StatusCode::SERVICE_UNAVAILABLE,
        [("retry-after", "1"), ("connection", "close")],
        axum::Json(body),
    )
        .into_response()
}

/// Completes once the server is shutting down (or its handle is gone).
pub async fn until_stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopped| *stopped).await;
}
