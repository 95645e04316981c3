//! The sandbox's endpoints: Sinch's send endpoint with its faults, and the
//! read-only `/_sandbox/` endpoints that show what was "sent" and how the
//! server answered. Unknown paths and methods get JSON errors too.

use super::api_error::ApiError;
use super::fault_injector::Outcome;
use super::sandbox_state::SandboxState;
use super::sinch_conversation::conversation_routes;
use super::stats::Counter;
use super::validate::{self, ValidRequest};
use crate::server::{ConnectionControl, until_stopped};
use crate::whatsapp::catalog;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use std::sync::Arc;

/// The path of the recorded messages.
pub const MESSAGES_PATH: &str = "/_sandbox/messages";
/// The path of the counters.
pub const STATS_PATH: &str = "/_sandbox/stats";

pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/whatsapp/v1/{bot_id}/messages", post(send))
        .route("/oauth2/token", post(conversation_routes::token))
        .route(
            "/v1/projects/{project}/{action}",
            post(conversation_routes::send),
        )
        .route(
            super::meta_cloud::MESSAGES_ROUTE,
            post(super::meta_cloud::route::send),
        )
        .route(MESSAGES_PATH, get(messages))
        .route(STATS_PATH, get(stats))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn send(
    State(state): State<Arc<SandboxState>>,
    Path(bot_id): Path<String>,
    Extension(connection): Extension<ConnectionControl>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (_in_flight, decision) = state.arrive().await;
    let answer = body
        .map_err(|rejection| ApiError::unreadable_body(rejection.status(), rejection.body_text()))
        .and_then(|body| answer(&state, &bot_id, &headers, &body, decision.outcome));
    match (answer, decision.outcome) {
        (Err(error), _) => {
            state.count(&error);
            error.into_response()
        }
        (Ok(None), _) => hang(&state, &connection).await,
        (Ok(Some(_)), Outcome::LoseAnswer) => {
            state.stats.add(Counter::LostAnswers, 1);
            connection.close();
            std::future::pending().await
        }
        (Ok(Some(accepted)), _) => (StatusCode::CREATED, Json(accepted)).into_response(),
    }
}

/// The answer to a send: accepted (`Some`), refused, or held (`None`, a hang).
fn answer(
    state: &SandboxState,
    bot_id: &str,
    headers: &HeaderMap,
    body: &[u8],
    outcome: Outcome,
) -> Result<Option<crate::transport::sinch_v1::wire::SendResponse>, ApiError> {
    state.authorise(bot_id, headers)?;
    match outcome {
        Outcome::Hang => return Ok(None),
        Outcome::Throttle { retry_after_secs } => {
            return Err(ApiError::throttled(retry_after_secs));
        }
        Outcome::Unavailable => return Err(ApiError::unavailable()),
        Outcome::ServerError => return Err(ApiError::server_error("simulated server error")),
        Outcome::Normal | Outcome::LoseAnswer => {}
    }
    let request = valid_request(headers, body)?;
    state.accept(request).map(Some)
}

fn valid_request(headers: &HeaderMap, body: &[u8]) -> Result<ValidRequest, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap_or("(not text)"));
    if content_type.map(catalog::essence).as_deref() != Some("application/json") {
        return Err(ApiError::unsupported_media_type(content_type));
    }
    validate::validate(body).map_err(|rejection| ApiError::invalid(rejection.details))
}

/// Holds a request unanswered until shutdown, then drops its connection.
pub(super) async fn hang(state: &SandboxState, connection: &ConnectionControl) -> Response {
    state.stats.add(Counter::Hung, 1);
    let mut shutdown = state.shutdown.clone();
    until_stopped(&mut shutdown).await;
    connection.close();
    std::future::pending().await
}

async fn messages(State(state): State<Arc<SandboxState>>) -> Response {
    Json(state.recorder.messages()).into_response()
}

async fn stats(State(state): State<Arc<SandboxState>>) -> Response {
    Json(state.stats.snapshot()).into_response()
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(uri.path())
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::method_not_allowed(method.as_str(), uri.path())
}
