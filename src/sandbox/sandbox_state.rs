//! What every request of a running sandbox shares: the credentials, the fault
//! injector, the record, the counters and the delivery reporter, with the
//! steps of a send (authorise, accept) that use them.

use super::api_error::ApiError;
use super::delivery_reporter::{Delivered, DeliveryReporter};
use super::fault_injector::{Decision, FaultInjector};
use super::recorder::Recorder;
use super::sinch_conversation::conversation_state::ConversationState;
use super::stats::{Counter, InFlight, Stats};
use super::validate::ValidRequest;
use super::{Faults, RecipientFate};
use crate::transport::sinch_v1::wire::{RecipientStatus, SendResponse};
use axum::http::{HeaderMap, StatusCode, header};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::watch;

pub struct SandboxState {
    pub bot_id: String,
    pub token: String,
    pub injector: Mutex<FaultInjector>,
    pub recorder: Recorder,
    pub stats: Arc<Stats>,
    pub reporter: DeliveryReporter,
    pub shutdown: watch::Receiver<bool>,
    pub conversation: ConversationState,
    /// Graph errors answered to chosen recipients (Meta's API only).
    pub meta_answers: super::meta_cloud::ScriptedAnswers,
}

impl SandboxState {
    pub fn injector(&self) -> MutexGuard<'_, FaultInjector> {
        self.injector.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn decide(&self) -> Decision {
        self.injector().decide()
    }

    /// Counts a send request, decides its fate and waits out its latency;
    /// the guard counts it in flight until dropped.
    pub async fn arrive(&self) -> (InFlight<'_>, Decision) {
        self.stats.add(Counter::Requests, 1);
        let in_flight = self.stats.enter();
        let decision = self.decide();
        if let Some(pause) = decision.latency {
            tokio::time::sleep(pause).await;
        }
        (in_flight, decision)
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.injector() = FaultInjector::new(faults);
    }

    /// Checks the bearer token and the bot id, then counts the request against
    /// a token revocation.
    pub fn authorise(&self, bot_id: &str, headers: &HeaderMap) -> Result<(), ApiError> {
        self.bearer(headers).map_err(ApiError::unauthorized)?;
        if bot_id != self.bot_id {
            return Err(ApiError::unauthorized(format!("unknown bot id `{bot_id}`")));
        }
        if !self.injector().authorise() {
            return Err(ApiError::unauthorized("the bearer token has been revoked"));
        }
        Ok(())
    }

    /// Checks the bearer token; the error says what is wrong with it.
    pub fn bearer(&self, headers: &HeaderMap) -> Result<(), &'static str> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err("missing `Authorization: Bearer` header");
        };
        let value = value.to_str().unwrap_or_default();
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err("`Authorization` must use the `Bearer` scheme"),
        };
        if token != self.token {
            return Err("invalid bearer token");
        }
        Ok(())
    }

    /// Records a valid request's messages, schedules their delivery reports,
    /// and builds the 201 answer.
    pub fn accept(&self, request: ValidRequest) -> Result<SendResponse, ApiError> {
        let failure_fraction = self.reporter.delivery().failure_fraction;
        let drawn: Vec<(String, bool, RecipientFate)> = {
            let mut injector = self.injector();
            let mut draw = || {
                let id = injector.message_id().to_string();
                let fails = injector.delivery_fails(failure_fraction);
                (id, fails, injector.fate())
            };
            request.to.iter().map(|_| draw()).collect()
        };
        let sent: Vec<(String, String)> = request
            .to
            .iter()
            .zip(&drawn)
            .map(|(recipient, (id, _, _))| (recipient.clone(), id.clone()))
            .collect();
        self.recorder
            .record(&request.body, &sent)
            .map_err(|error| {
                ApiError::server_error(format!("cannot write the record file: {error}"))
            })?;
        self.stats.add(Counter::Accepted, 1);
        self.stats.add(Counter::Messages, sent.len() as u64);
        let delivered: Vec<Delivered> = sent
            .iter()
            .zip(&drawn)
            .map(|((recipient, message_id), (_, fails, fate))| Delivered {
                message_id: message_id.clone(),
                recipient: format!("+{recipient}"),
                fails: *fails,
                fate: *fate,
            })
            .collect();
        let statuses = delivered.iter().map(answered).collect();
        let reported: Vec<Delivered> = delivered
            .into_iter()
            .filter(|message| message.fate != RecipientFate::Refused)
            .collect();
        if let Some(url) = self.reporter.target(request.callback.as_deref()) {
            self.reporter.report(url, reported);
        }
        Ok(SendResponse {
            kind: "whatsapp".to_owned(),
            statuses,
        })
    }

    /// Counts an error answer under its status.
    pub fn count(&self, error: &ApiError) {
        self.count_status(error.status);
    }

    /// Counts an error answer with `status`.
    pub fn count_status(&self, status: StatusCode) {
        let counter = match status {
            StatusCode::UNAUTHORIZED => Counter::Unauthorized,
            StatusCode::TOO_MANY_REQUESTS => Counter::Throttled,
            StatusCode::SERVICE_UNAVAILABLE => Counter::Unavailable,
            StatusCode::INTERNAL_SERVER_ERROR => Counter::ServerErrors,
            _ => Counter::Rejected,
        };
        self.stats.add(counter, 1);
    }
}

/// A recipient's entry in the 201 answer: `queued`, or a failure inside the
/// answer (`status: failure`, `no_capability`, as Sinch's answers carry one).
fn answered(message: &Delivered) -> RecipientStatus {
    let refused = message.fate == RecipientFate::Refused;
    RecipientStatus {
        message_id: Some(message.message_id.clone()),
        recipient: message.recipient.clone(),
        status: if refused { "failure" } else { "success" }.to_owned(),
        state: Some(if refused { "no_capability" } else { "queued" }.to_owned()),
        details: refused.then(|| "recipient lacks WhatsApp capability".to_owned()),
        timestamp: None,
    }
}
