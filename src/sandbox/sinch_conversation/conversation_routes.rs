//! The sandbox's Conversation API endpoints, beside v1's on the same port:
//! `POST /oauth2/token` issues tokens for the configured access key, and
//! `POST /v1/projects/{project}/messages:send` checks the token, the project,
//! the app and the body as strictly as Sinch, meets the same faults as v1's
//! endpoint (in this API's error shape), answers `{message_id,
//! accepted_time}` and schedules reports in this API's callback format.

use super::bearer_check::BearerCheck;
use super::sandbox_answer::{self, Answer};
use super::sandbox_callback::{self, CallbackSource, SimulatedReport};
use super::sandbox_check::{CheckedSend, check_send_body};
use super::token_check::check_token_request;
use crate::sandbox::delivery_reporter::{Delivered, Post};
use crate::sandbox::fault_injector::Outcome;
use crate::sandbox::sandbox_state::SandboxState;
use crate::sandbox::stats::Counter;
use crate::server::{ConnectionControl, until_stopped};
use crate::transport::sinch_conversation::delivery_report::{DeliveryStatus, FailureReason};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The action of the send endpoint, the last path segment.
const SEND_ACTION: &str = "messages:send";

pub async fn token(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let config = &state.conversation.config;
    if state.conversation.throttle_token_request() {
        state.stats.add(Counter::Throttled, 1);
        return respond(sandbox_answer::throttled(None, None));
    }
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let checked = check_token_request(
        text(header::AUTHORIZATION),
        text(header::CONTENT_TYPE),
        &body,
        &config.key_id,
        &config.key_secret,
    );
    let answer = match checked {
        Ok(()) => sandbox_answer::token(&state.conversation.issue(), config.token_lifetime),
        Err(refusal) => sandbox_answer::token_refused(refusal),
    };
    respond(answer)
}

pub async fn send(
    State(state): State<Arc<SandboxState>>,
    Path((project, action)): Path<(String, String)>,
    Extension(connection): Extension<ConnectionControl>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if action != SEND_ACTION {
        return respond(sandbox_answer::not_found(&format!("`{action}`")));
    }
    state.stats.add(Counter::Requests, 1);
    let _in_flight = state.stats.enter();
    let decision = state.decide();
    if let Some(pause) = decision.latency {
        tokio::time::sleep(pause).await;
    }
    match answer(&state, &project, &headers, &body, decision.outcome) {
        Err(refused) => {
            count(&state, refused.status);
            respond(refused)
        }
        Ok(None) => {
            state.stats.add(Counter::Hung, 1);
            let mut shutdown = state.shutdown.clone();
            until_stopped(&mut shutdown).await;
            connection.close();
            std::future::pending().await
        }
        Ok(Some(_)) if decision.outcome == Outcome::LoseAnswer => {
            state.stats.add(Counter::LostAnswers, 1);
            connection.close();
            std::future::pending().await
        }
        Ok(Some(accepted)) => respond(accepted),
    }
}

/// The answer to a send: accepted (`Some`), refused, or held (`None`).
fn answer(
    state: &SandboxState,
    project: &str,
    headers: &HeaderMap,
    body: &[u8],
    outcome: Outcome,
) -> Result<Option<Answer>, Answer> {
    let conversation = &state.conversation;
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Some(refused) = sandbox_answer::for_bearer(conversation.check(authorization)) {
        return Err(refused);
    }
    if !state.injector().authorise() {
        return Err(sandbox_answer::for_bearer(BearerCheck::Unknown)
            .unwrap_or_else(sandbox_answer::internal));
    }
    if project != conversation.config.project_id {
        return Err(sandbox_answer::not_found(&format!("project `{project}`")));
    }
    if conversation.config.deny_access {
        return Err(sandbox_answer::forbidden(project));
    }
    match outcome {
        Outcome::Hang => return Ok(None),
        Outcome::Throttle { retry_after_secs } => {
            let wait = (retry_after_secs > 0).then(|| Duration::from_secs(retry_after_secs));
            return Err(sandbox_answer::throttled(wait, None));
        }
        Outcome::Unavailable => return Err(sandbox_answer::unavailable(None)),
        Outcome::ServerError => return Err(sandbox_answer::internal()),
        Outcome::Normal | Outcome::LoseAnswer => {}
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| crate::whatsapp::catalog::essence(v) == "application/json");
    if !json {
        return Err(sandbox_answer::error(
            400,
            "INVALID_ARGUMENT",
            "the body must be `application/json`",
            Vec::new(),
        ));
    }
    let checked = match check_send_body(body, &conversation.config.app_id) {
        Ok(checked) => checked,
        Err(problems) if problems.iter().any(|p| p.path == "app_id") => {
            return Err(sandbox_answer::not_found("app"));
        }
        Err(problems) => return Err(sandbox_answer::bad_request(&problems)),
    };
    accept(state, body, checked).map(Some)
}

/// Records a valid send, schedules its reports, and answers it.
fn accept(state: &SandboxState, body: &[u8], checked: CheckedSend) -> Result<Answer, Answer> {
    let failure_fraction = state.reporter.delivery().failure_fraction;
    let (message_id, fails) = {
        let mut injector = state.injector();
        (
            injector.message_id().to_string(),
            injector.delivery_fails(failure_fraction),
        )
    };
    let body: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let sent = [(checked.identity.clone(), message_id.clone())];
    state
        .recorder
        .record(&body, &sent)
        .map_err(|_| sandbox_answer::internal())?;
    state.stats.add(Counter::Accepted, 1);
    state.stats.add(Counter::Messages, 1);
    if let Some(url) = state.reporter.target(checked.callback_url.as_deref()) {
        let delivered = Delivered {
            message_id: message_id.clone(),
            recipient: checked.identity.clone(),
            fails,
            fate: Default::default(),
        };
        let source = Source {
            app_id: state.conversation.config.app_id.clone(),
            project_id: state.conversation.config.project_id.clone(),
            secret: state.conversation.config.webhook_secret.clone(),
            metadata: checked.message_metadata.clone(),
        };
        state.reporter.report_with(
            url,
            vec![delivered],
            Arc::new(move |message, step| source.post(message, step)),
        );
    }
    Ok(sandbox_answer::accepted(&message_id, SystemTime::now()))
}

/// Who reports come from, and how they are signed.
struct Source {
    app_id: String,
    project_id: String,
    secret: Option<String>,
    metadata: String,
}

impl Source {
    /// The report for `message` at v1's simulated `step`, in this API's
    /// terms: no callback for the queued steps (SD
    /// `conversation-callbacks.md`), `QUEUED_ON_CHANNEL` once sent to
    /// WhatsApp, then `DELIVERED` and `READ`, or `FAILED` with a reason and
    /// WhatsApp's own error code.
    fn post(&self, message: &Delivered, step: &str) -> Option<Post> {
        let (status, reason) = match step {
            "sent" => (DeliveryStatus::QueuedOnChannel, None),
            "delivered" => (DeliveryStatus::Delivered, None),
            "read" => (DeliveryStatus::Read, None),
            "failed" => (DeliveryStatus::Failed, Some(simulated_failure())),
            _ => return None,
        };
        let now = SystemTime::now();
        let report = SimulatedReport {
            message_id: &message.message_id,
            identity: &message.recipient,
            status,
            reason,
            metadata: &self.metadata,
            event_time: now,
        };
        let source = CallbackSource {
            app_id: &self.app_id,
            project_id: &self.project_id,
        };
        let body = sandbox_callback::delivery_report_body(source, &report, now);
        Some(match &self.secret {
            Some(secret) => {
                let nonce = ulid::Ulid::generate().to_string();
                let timestamp = now
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let signed = sandbox_callback::signed(body, secret.as_bytes(), &nonce, timestamp);
                Post {
                    body: signed.body,
                    headers: signed.headers,
                }
            }
            None => Post {
                body,
                headers: Vec::new(),
            },
        })
    }
}

fn simulated_failure() -> FailureReason {
    FailureReason {
        code: "RECIPIENT_NOT_REACHABLE".to_owned(),
        description: "simulated delivery failure".to_owned(),
        sub_code: "UNSPECIFIED_SUB_CODE".to_owned(),
        channel_code: "131026".to_owned(),
    }
}

fn count(state: &SandboxState, status: u16) {
    let counter = match status {
        401 => Counter::Unauthorized,
        429 => Counter::Throttled,
        503 => Counter::Unavailable,
        500 => Counter::ServerErrors,
        _ => Counter::Rejected,
    };
    state.stats.add(counter, 1);
}

fn respond(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in answer.headers {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    response
}
