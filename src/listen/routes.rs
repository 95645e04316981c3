//! The receiver's endpoints. Each callback is checked in order (size, signature,
//! campaign, JSON) and only then handed to the journal writer; the answer is
//! 200 with what changed once it is committed, or a JSON error:
//! 401 unsigned or badly signed, 400 not the envelope, 408 a body too slow,
//! 413 too large, 503 the journal could not be written or the campaign is one
//! this listener neither serves nor finds in its journal (both retryable:
//! Sinch and Meta retry non-2xx answers, so nothing acknowledged is lost).
//! `GET /healthz` answers 200 while the journal writer runs, 503 once it has
//! stopped, for load balancers.

use super::listen_config::BODY_LIMIT;
use super::sinch_conversation;
use super::{Callback, CallbackWriter, HmacKey, ListenConfig, Written};
use crate::campaign::ProviderKind;
use crate::transport::sinch_v1::callback_signature::{
    self, ALGORITHM_HEADER, NONCE_HEADER, SIGNATURE_HEADER,
};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::Arc;

/// What every request needs.
pub struct ListenState {
    pub config: ListenConfig,
    pub writer: CallbackWriter,
}

pub fn router(state: Arc<ListenState>) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/callbacks", post(without_campaign))
        .route("/callbacks/{campaign}", post(for_campaign))
        .route(
            super::meta_cloud::WEBHOOK_PATH,
            get(super::meta_cloud::routes::handshake).post(super::meta_cloud::routes::receive),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn without_campaign(
    State(state): State<Arc<ListenState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    receive(&state, None, &headers, body).await
}

async fn for_campaign(
    State(state): State<Arc<ListenState>>,
    Path(campaign): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    receive(&state, Some(campaign), &headers, body).await
}

async fn receive(
    state: &ListenState,
    campaign: Option<String>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match readable(body) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let conversation = match campaign.as_deref().and_then(|n| state.config.provider(n)) {
        Some(kind) => kind == ProviderKind::SinchConversation,
        None => sinch_conversation::looks_like(&body),
    };
    if let Err(refused) = check_signature(&state.config, conversation, headers, &body) {
        return error(
            StatusCode::UNAUTHORIZED,
            "the callback is not signed with the configured key",
            refused,
        );
    }
    let target = match campaign {
        None => None,
        Some(name) => match state.config.campaign(&name) {
            Some(target) => Some(target),
            None => return unknown_campaign(&name),
        },
    };
    let parsed = match conversation {
        true => sinch_conversation::parse(&body, target),
        false => Callback::parse(&body, target),
    };
    let callback = match parsed {
        Ok(callback) => callback,
        Err(problem) => {
            return error(
                StatusCode::BAD_REQUEST,
                "the body is not a callback envelope",
                problem,
            );
        }
    };
    commit(state, callback).await
}

/// The body, or the answer refusing it when it cannot be read (408 when it
/// did not arrive in time).
pub(super) fn readable(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Response> {
    body.map_err(|rejection| {
        if let Some(refused) = crate::server::body_refused(&rejection) {
            return error(
                StatusCode::REQUEST_TIMEOUT,
                "the body cannot be read",
                refused.to_string(),
            );
        }
        error(
            rejection.status(),
            "the body cannot be read",
            rejection.body_text(),
        )
    })
}

/// 200 while callbacks can be committed, else 503.
async fn health(State(state): State<Arc<ListenState>>) -> Response {
    match state.writer.is_running() {
        true => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        false => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the journal writer has stopped",
            "callbacks cannot be committed; restart the listener",
        ),
    }
}

/// Commits `callback` and answers: 200 with what changed, or 503 when the
/// journal could not be written or does not know the campaign (the provider
/// retries).
pub(super) async fn commit(state: &ListenState, callback: Callback) -> Response {
    match state.writer.submit(callback).await {
        Ok(Written::Receipt(receipt)) => (StatusCode::OK, Json(receipt)).into_response(),
        Ok(Written::UnknownCampaign(name)) => unknown_campaign(&name),
        Ok(Written::NotCarriedOver {
            campaign,
            renamed_from,
        }) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "renamed campaign not applied yet; retry later",
            format!(
                "`{campaign}` was renamed from `{renamed_from}`, and the journal still holds it as \
                 `{renamed_from}`: apply `{campaign}` once to carry its journal over; nothing was recorded"
            ),
        ),
        Err(problem) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the journal could not be written; retry later",
            problem,
        ),
    }
}

/// The retryable answer to a callback for a campaign this listener neither
/// serves nor finds in its journal.
fn unknown_campaign(name: &str) -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "unknown campaign; retry later",
        format!(
            "neither this listener nor its journal knows the campaign `{name}`; \
             nothing was recorded: its reports belong to another journal"
        ),
    )
}

/// Checks the signature a callback of its kind carries when the listener
/// requires signatures: a listener with a key for either kind accepts no
/// unsigned callback of the other kind.
fn check_signature(
    config: &ListenConfig,
    conversation: bool,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    if config.hmac_key.is_none() && config.webhook_secrets.is_empty() {
        return Ok(());
    }
    if conversation {
        return sinch_conversation::verify(&config.webhook_secrets, headers, body)
            .map_err(|e| e.to_string());
    }
    match &config.hmac_key {
        Some(key) => verify(key, headers, body).map_err(|e| e.to_string()),
        None => Err("no HMAC key is configured for Sinch WhatsApp v1 callbacks".to_owned()),
    }
}

fn verify(
    key: &HmacKey,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), callback_signature::SignatureError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    callback_signature::verify(
        &key.0,
        body,
        header(SIGNATURE_HEADER),
        header(NONCE_HEADER),
        header(ALGORITHM_HEADER),
    )
}

/// A JSON error answer, in the shape Sinch's own errors have.
pub(super) fn error(status: StatusCode, message: &str, details: impl Into<String>) -> Response {
    let body = serde_json::json!({"message": message, "details": details.into()});
    (status, Json(body)).into_response()
}

async fn not_found(uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not found",
        format!(
            "no endpoint at `{}`; callbacks go to `/callbacks/{{campaign}}`",
            uri.path()
        ),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed",
        format!("`{method} {}`: callbacks are POSTed", uri.path()),
    )
}
