//! `POST /{version}/{phone_number_id}/messages`: the send endpoint of Meta's
//! Cloud API. Checked in Graph's order (path, token, number), then the
//! sandbox's faults in Meta's words (throttling → 130429 with 429, unavailable
//! → 2 with 503, a server error → a 502 page with no Graph error, a revoked
//! token → 190), then the body ([`check_send_body`]), then any error scripted
//! for the recipient. An accepted message is recorded, answered with a fresh
//! wamid and, when a callback URL is set, followed by status webhooks signed
//! with the key as app secret.

use super::Scripted;
use super::sandbox_answer::{
    AcceptedAnswer, ErrorAnswer, accepted_answer, error_answer, graph_error, held_answer,
    invalid_request_answer, server_error_answer,
};
use super::sandbox_check::{CheckedSend, check_send_body};
use super::sandbox_status::{SimulatedMessage, SimulatedOutcome};
use crate::campaign::meta_cloud_sender::is_graph_version;
use crate::sandbox::fault_injector::Outcome;
use crate::sandbox::routes::hang;
use crate::sandbox::sandbox_state::SandboxState;
use crate::sandbox::stats::Counter;
use crate::server::ConnectionControl;
use crate::transport::meta_cloud::webhook_signature::{SIGNATURE_HEADER, sign};
use crate::whatsapp::catalog;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The business account id the simulated webhooks carry.
const SANDBOX_WABA_ID: &str = "102290129340398";
/// The business number the simulated webhooks show.
const SANDBOX_DISPLAY_NUMBER: &str = "15550783881";
/// The code of a failed simulated delivery: 131026, message undeliverable.
const UNDELIVERABLE: i64 = 131026;

pub async fn send(
    State(state): State<Arc<SandboxState>>,
    Path((version, phone_number_id)): Path<(String, String)>,
    Extension(connection): Extension<ConnectionControl>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (_in_flight, decision) = state.arrive().await;
    let answer = match body {
        Ok(body) => answer(
            &state,
            &version,
            &phone_number_id,
            &headers,
            &body,
            decision.outcome,
        ),
        Err(rejection) => Err(graph_error(
            100,
            rejection.status().as_u16(),
            "Invalid parameter",
            &rejection.body_text(),
        )),
    };
    match answer {
        Err(error) => refuse(&state, error),
        Ok(None) => hang(&state, &connection).await,
        Ok(Some(_)) if decision.outcome == Outcome::LoseAnswer => {
            state.stats.add(Counter::LostAnswers, 1);
            connection.close();
            std::future::pending().await
        }
        Ok(Some(accepted)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            accepted.body,
        )
            .into_response(),
    }
}

/// The answer to a send: accepted (`Some`), refused, or held (`None`, a hang).
fn answer(
    state: &SandboxState,
    version: &str,
    phone_number_id: &str,
    headers: &HeaderMap,
    body: &[u8],
    outcome: Outcome,
) -> Result<Option<AcceptedAnswer>, ErrorAnswer> {
    if !is_graph_version(version) {
        return Err(graph_error(
            2500,
            400,
            "Unknown path components",
            &format!("`{version}` is not a Graph API version such as `v23.0`"),
        ));
    }
    state.bearer(headers).map_err(|_| error_answer(190))?;
    if phone_number_id != state.bot_id {
        return Err(graph_error(
            100,
            400,
            "Unsupported post request",
            &format!(
                "Object with ID '{phone_number_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"
            ),
        ));
    }
    if !state.injector().authorise() {
        return Err(error_answer(190));
    }
    match outcome {
        Outcome::Hang => return Ok(None),
        Outcome::Throttle { .. } => return Err(error_answer(130429)),
        Outcome::Unavailable => return Err(error_answer(2)),
        Outcome::ServerError => return Err(server_error_answer()),
        Outcome::Normal | Outcome::LoseAnswer => {}
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap_or("(not text)"));
    if content_type.map(catalog::essence).as_deref() != Some("application/json") {
        return Err(graph_error(
            100,
            400,
            "Invalid parameter",
            "`Content-Type` must be `application/json`",
        ));
    }
    let checked = check_send_body(body).map_err(|problems| invalid_request_answer(&problems))?;
    let held = match state.meta_answers.next(&checked.to) {
        Some(Scripted::Error(code)) => return Err(error_answer(code)),
        Some(Scripted::Held) => true,
        None => false,
    };
    accept(state, phone_number_id, body, checked, held).map(Some)
}

/// Records a checked send, schedules its status webhooks and builds the answer.
fn accept(
    state: &SandboxState,
    phone_number_id: &str,
    body: &[u8],
    checked: CheckedSend,
    held: bool,
) -> Result<AcceptedAnswer, ErrorAnswer> {
    let accepted = match held {
        true => held_answer(&checked.to),
        false => accepted_answer(&checked.to),
    };
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    state
        .recorder
        .record(&json, &[(checked.to.clone(), accepted.wamid.clone())])
        .map_err(|_| graph_error(1, 500, "API Unknown", "cannot write the record file"))?;
    state.stats.add(Counter::Accepted, 1);
    state.stats.add(Counter::Messages, 1);
    if let Some(url) = state.reporter.target(None) {
        let delivery = state.reporter.delivery();
        let outcome = match state.injector().delivery_fails(delivery.failure_fraction) {
            true => SimulatedOutcome::Failed(UNDELIVERABLE),
            false => SimulatedOutcome::Read,
        };
        let secret = delivery.hmac_key.clone();
        let message = SimulatedMessage {
            waba_id: SANDBOX_WABA_ID.to_owned(),
            display_phone_number: SANDBOX_DISPLAY_NUMBER.to_owned(),
            phone_number_id: phone_number_id.to_owned(),
            wamid: accepted.wamid.clone(),
            recipient_id: checked.to,
            opaque: checked.opaque,
        };
        let bodies = message
            .delivery(outcome, epoch_seconds(), b"")
            .into_iter()
            .map(|hook| String::from_utf8_lossy(&hook.body).into_owned())
            .collect();
        state.reporter.post_in_order(url, bodies, move |body| {
            secret.as_ref().map_or_else(Vec::new, |secret| {
                vec![(SIGNATURE_HEADER, sign(secret.as_bytes(), body.as_bytes()))]
            })
        });
    }
    Ok(accepted)
}

fn refuse(state: &SandboxState, error: ErrorAnswer) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    match status {
        StatusCode::BAD_GATEWAY => state.stats.add(Counter::ServerErrors, 1),
        status => state.count_status(status),
    }
    let kind = match error.body.first() {
        Some(b'{') => "application/json",
        _ => "text/html",
    };
    (status, [(header::CONTENT_TYPE, kind)], error.body).into_response()
}

fn epoch_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
