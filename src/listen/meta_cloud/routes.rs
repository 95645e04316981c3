//! The listener's endpoint for Meta, [`WEBHOOK_PATH`]: one URL for every
//! `meta-cloud` campaign, since Meta sends one app's events to one URL.
//! `GET` is the verification handshake (200 with the challenge when the
//! verify token matches, else 403); `POST` is checked in order (signature when
//! an app secret is set: 401 and nothing recorded when bad or missing; then
//! the body: 400 when it is not a webhook at all) and committed before it is
//! answered 200.

use super::callback::callback;
use super::verification::{REFUSED_STATUS, verify_subscription};
use super::webhook::WebhookBatch;
use crate::listen::routes::{ListenState, commit, error, readable};
use crate::transport::meta_cloud::webhook_signature::{self, SIGNATURE_HEADER};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Where Meta's webhooks go: the callback URL to register in the app.
pub const WEBHOOK_PATH: &str = "/meta-cloud";

/// The `GET` handshake Meta makes when the callback URL is registered.
pub async fn handshake(
    State(state): State<Arc<ListenState>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let pairs = query.map(|Query(pairs)| pairs).unwrap_or_default();
    let refused = |reason: String| {
        let status = StatusCode::from_u16(REFUSED_STATUS).unwrap_or(StatusCode::FORBIDDEN);
        error(status, "the verification request is refused", reason)
    };
    let Some(token) = &state.config.verify_token else {
        return refused("this listener has no verify token (`--verify-token-file`)".to_owned());
    };
    match verify_subscription(&pairs, token.expose()) {
        Ok(challenge) => (StatusCode::OK, challenge).into_response(),
        Err(reason) => refused(reason.to_string()),
    }
}

/// A webhook body: statuses and user messages of any `meta-cloud` campaign.
pub async fn receive(
    State(state): State<Arc<ListenState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match readable(body) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    if let Some(secret) = &state.config.app_secret {
        let header = headers
            .get(SIGNATURE_HEADER)
            .and_then(|value| value.to_str().ok());
        if let Err(refused) = webhook_signature::verify(&secret.0, header, &body) {
            return error(
                StatusCode::UNAUTHORIZED,
                "the webhook is not signed with the configured app secret",
                refused.to_string(),
            );
        }
    }
    let batch = match WebhookBatch::parse(&body) {
        Ok(batch) => batch,
        Err(problem) => {
            return error(
                StatusCode::BAD_REQUEST,
                "the body is not a WhatsApp Business Account webhook",
                problem.to_string(),
            );
        }
    };
    commit(&state, callback(batch)).await
}
