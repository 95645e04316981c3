//! Starting and stopping a sandbox. [`Sandbox::start`] binds, spawns the server
//! on the caller's tokio runtime and returns a [`SandboxHandle`]: the address
//! and credentials to send with, the record and counters to inspect, fault
//! settings to change mid-test, and shutdown. Dropping the handle stops the
//! server too.

use super::delivery_reporter::DeliveryReporter;
use super::fault_injector::FaultInjector;
use super::meta_cloud;
use super::recorder::{RecordedMessage, Recorder};
use super::routes::{self, MESSAGES_PATH, STATS_PATH};
use super::sandbox_state::SandboxState;
use super::sinch_conversation::conversation_state::ConversationState;
use super::stats::Stats;
use super::{Faults, InboundReply, SandboxConfig, SandboxError, SandboxStats};
use crate::server::{LocalServer, Role};
use crate::transport::sinch_v1::wire::messages_path;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long shutdown waits for open connections before cutting them.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// The local Sinch-compatible server.
pub struct Sandbox;

impl Sandbox {
    /// Checks `config`, binds its address and serves on the current runtime.
    pub async fn start(config: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
        config.check()?;
        let server = LocalServer::bind(config.listen, config.allow_remote, Role::Sandbox).await?;
        let addr = server.addr();
        let (stop, shutdown) = watch::channel(false);
        let stats = Arc::new(Stats::default());
        let reporter = DeliveryReporter::new(
            config.delivery,
            stats.clone(),
            shutdown.clone(),
            &config.bot_id,
        );
        let state = Arc::new(SandboxState {
            bot_id: config.bot_id,
            token: config.token,
            injector: std::sync::Mutex::new(FaultInjector::new(config.faults)),
            recorder: Recorder::new(config.keep_messages, config.record.as_deref())?,
            reporter,
            stats,
            shutdown: shutdown.clone(),
            conversation: ConversationState::new(config.conversation),
            meta_answers: Default::default(),
        });
        let router = routes::router(state.clone());
        let server = tokio::spawn(server.serve(router, shutdown, Some(SHUTDOWN_WAIT)));
        Ok(SandboxHandle {
            addr,
            state,
            stop,
            server: Some(server),
        })
    }

    /// Runs a sandbox until `stop` completes: `ready` is called once it
    /// listens. Returns the final counters.
    pub async fn serve(
        config: SandboxConfig,
        ready: impl FnOnce(&SandboxHandle),
        stop: impl Future<Output = ()>,
    ) -> Result<SandboxStats, SandboxError> {
        let handle = Sandbox::start(config).await?;
        ready(&handle);
        stop.await;
        let stats = handle.stats();
        handle.shutdown().await;
        Ok(stats)
    }
}

/// A running sandbox.
pub struct SandboxHandle {
    addr: SocketAddr,
    state: Arc<SandboxState>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
}

impl SandboxHandle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://host:port`, the base URL to give a Sinch client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full URL of the send endpoint.
    pub fn messages_url(&self) -> String {
        format!("{}{}", self.base_url(), messages_path(&self.state.bot_id))
    }

    /// The URL of the recorded messages (`GET`).
    pub fn recorded_url(&self) -> String {
        format!("{}{MESSAGES_PATH}", self.base_url())
    }

    /// The URL of the counters (`GET`).
    pub fn stats_url(&self) -> String {
        format!("{}{STATS_PATH}", self.base_url())
    }

    pub fn bot_id(&self) -> &str {
        &self.state.bot_id
    }

    /// The project id the Conversation API side accepts.
    pub fn conversation_project(&self) -> &str {
        &self.state.conversation.config.project_id
    }

    /// The app id the Conversation API side accepts.
    pub fn conversation_app(&self) -> &str {
        &self.state.conversation.config.app_id
    }

    /// How many Conversation API tokens were issued.
    pub fn tokens_issued(&self) -> u64 {
        self.state.conversation.issued()
    }

    pub fn token(&self) -> &str {
        &self.state.token
    }

    /// The accepted messages kept in memory, oldest first.
    pub fn messages(&self) -> Vec<RecordedMessage> {
        self.state.recorder.messages()
    }

    pub fn stats(&self) -> SandboxStats {
        self.state.stats.snapshot()
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.state.injector().faults().clone()
    }

    /// Replaces the faults from the next request on. The random choices restart
    /// from the new seed and the revocation count restarts at zero.
    pub fn set_faults(&self, faults: Faults) -> Result<(), SandboxError> {
        faults.check()?;
        self.state.set_faults(faults);
        Ok(())
    }

    /// Answers the next sends to `to` (digits) on Meta's API with the Graph
    /// errors `codes`, one per request, before answering normally again.
    pub fn script_meta_errors(&self, to: &str, codes: &[i64]) {
        let answers = codes.iter().map(|&code| meta_cloud::Scripted::Error(code));
        self.state.meta_answers.push(to, answers);
    }

    /// Answers the next send to `to` (digits) on Meta's API as a paced
    /// template's: accepted, with `message_status: held_for_quality_assessment`.
    pub fn script_meta_held(&self, to: &str) {
        self.state
            .meta_answers
            .push(to, [meta_cloud::Scripted::Held]);
    }

    /// Sends `reply` from the user `from` (international digits) to the
    /// configured callback URL, as Sinch sends inbound messages to the URL
    /// set for the bot; an error when no callback URL is configured or the
    /// listener never answered 2xx.
    pub async fn send_reply(&self, from: &str, reply: &InboundReply) -> Result<(), SandboxError> {
        if self.state.reporter.delivery().callback_url.is_none() {
            return Err(SandboxError::Config(
                "a reply needs a callback URL (`--callback-url`)".to_owned(),
            ));
        }
        match self
            .state
            .reporter
            .reply(reply, from, &self.state.bot_id)
            .await
        {
            true => Ok(()),
            false => Err(SandboxError::Config(
                "the callback URL never answered the reply with 2xx".to_owned(),
            )),
        }
    }

    /// Messages whose delivery reports are not all POSTed yet.
    pub fn reports_outstanding(&self) -> usize {
        self.state.reporter.outstanding().count()
    }

    /// Waits until every accepted message's delivery reports are POSTed
    /// (answered 2xx, or given up on after their attempts), for at most
    /// `within`; whether they all were.
    pub async fn reports_settled(&self, within: Duration) -> bool {
        let settled = self.state.reporter.outstanding().settled();
        tokio::time::timeout(within, settled).await.is_ok()
    }

    /// Stops accepting, lets open requests finish briefly, then closes
    /// everything, hung requests and pending delivery reports included.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}
