//! How a sandbox is set up: where it listens, the credentials it accepts, where
//! it records and reports, and which faults it injects. Plain data with checks,
//! so the command line, the tests and `apply --sandbox` build it the same way.

use super::sinch_conversation::conversation_config::ConversationConfig;
use super::{Fates, SandboxError};
use crate::server::Role;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// The bot id a sandbox accepts unless told otherwise.
pub const DEFAULT_BOT_ID: &str = "sandbox-bot";
/// The bearer token a sandbox accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "sandbox-token";
/// How many accepted messages are kept in memory unless told otherwise.
pub const DEFAULT_KEEP_MESSAGES: usize = 100_000;

/// Everything a sandbox needs to start.
#[derive(Clone)]
pub struct SandboxConfig {
    /// The address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Whether a non-loopback `listen` address is allowed.
    pub allow_remote: bool,
    /// The bot id in the send path.
    pub bot_id: String,
    /// The bearer token every send must carry.
    pub token: String,
    /// A JSON Lines file every accepted message is appended to.
    pub record: Option<PathBuf>,
    /// How many accepted messages the in-memory record keeps (the oldest go first).
    pub keep_messages: usize,
    /// Delivery report simulation.
    pub delivery: Delivery,
    /// Faults to inject from the first request; changeable while running.
    pub faults: Faults,
    /// The Conversation API's project, app, access key and tokens.
    pub conversation: ConversationConfig,
}

impl Default for SandboxConfig {
    fn default() -> SandboxConfig {
        SandboxConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            allow_remote: false,
            bot_id: DEFAULT_BOT_ID.to_owned(),
            token: DEFAULT_TOKEN.to_owned(),
            record: None,
            keep_messages: DEFAULT_KEEP_MESSAGES,
            delivery: Delivery::default(),
            faults: Faults::default(),
            conversation: ConversationConfig::default(),
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("listen", &self.listen)
            .field("allow_remote", &self.allow_remote)
            .field("bot_id", &self.bot_id)
            .field("token", &"(redacted)")
            .field("record", &self.record)
            .field("keep_messages", &self.keep_messages)
            .field("delivery", &self.delivery)
            .field("faults", &self.faults)
            .field("conversation", &self.conversation)
            .finish()
    }
}

impl SandboxConfig {
    /// Every setting that would make the server misbehave, as an error.
    pub fn check(&self) -> Result<(), SandboxError> {
        crate::server::check_loopback(self.listen, self.allow_remote, Role::Sandbox)?;
        if self.bot_id.is_empty() || self.bot_id.contains('/') {
            return Err(SandboxError::Config(format!(
                "bot id `{}` must be non-empty and hold no `/`",
                self.bot_id
            )));
        }
        if self.token.is_empty() {
            return Err(SandboxError::Config("token must not be empty".to_owned()));
        }
        self.delivery.check()?;
        self.faults.check()
    }
}

/// Simulated delivery reports: each accepted message goes through
/// `queued → dispatched → sent → delivered → read`, or fails on the way.
#[derive(Clone)]
pub struct Delivery {
    /// Where reports go when the message names no `callback` of its own.
    pub callback_url: Option<String>,
    /// The key reports are signed with; unsigned without one.
    pub hmac_key: Option<String>,
    /// The pause before each report.
    pub step_delay: Duration,
    /// The fraction of messages whose delivery fails, from 0 to 1.
    pub failure_fraction: f64,
    /// How many times one report is POSTed before it is given up on.
    pub attempts: u32,
    /// The pause before the first retry; it doubles with each further one.
    pub retry_delay: Duration,
}

impl Default for Delivery {
    fn default() -> Delivery {
        Delivery {
            callback_url: None,
            hmac_key: None,
            step_delay: Duration::from_millis(200),
            failure_fraction: 0.0,
            attempts: 5,
            retry_delay: Duration::from_secs(1),
        }
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("callback_url", &self.callback_url)
            .field("hmac_key", &self.hmac_key.as_ref().map(|_| "(redacted)"))
            .field("step_delay", &self.step_delay)
            .field("failure_fraction", &self.failure_fraction)
            .field("attempts", &self.attempts)
            .field("retry_delay", &self.retry_delay)
            .finish()
    }
}

impl Delivery {
    fn check(&self) -> Result<(), SandboxError> {
        check_fraction("delivery failure fraction", self.failure_fraction)?;
        if let Some(url) = &self.callback_url {
            let parsed = reqwest::Url::parse(url);
            if !parsed.is_ok_and(|url| matches!(url.scheme(), "http" | "https")) {
                return Err(SandboxError::Config(format!(
                    "callback URL `{url}` must be an absolute http(s) URL"
                )));
            }
        }
        if self.attempts == 0 {
            return Err(SandboxError::Config(
                "callback attempts must be at least 1".to_owned(),
            ));
        }
        Ok(())
    }
}

/// Faults injected into answers to the send endpoint. The fractions are of all
/// send requests and together may not exceed 1.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// A pause before every answer.
    pub latency: Option<Latency>,
    /// The fraction answered `429 Too Many Requests` with `Retry-After`.
    pub throttle_fraction: f64,
    /// The `Retry-After` seconds of a 429 answer.
    pub retry_after_secs: u64,
    /// The fraction answered `503 Service Unavailable`.
    pub unavailable_fraction: f64,
    /// The fraction answered `500 Internal Server Error`.
    pub server_error_fraction: f64,
    /// The fraction accepted and recorded whose answer is then lost: the
    /// connection is closed instead.
    pub lost_answer_fraction: f64,
    /// The fraction never answered (until shutdown); 1 hangs every request.
    pub hang_fraction: f64,
    /// After this many authorised requests, the token stops working (401).
    pub revoke_after: Option<u64>,
    /// The fractions of a v1 message's recipients that meet each of Sinch's
    /// other endings (`failed`, `deleted`, `no_opt_in`, `no_capability`, a
    /// failure inside the 201, a `STOP` reply).
    pub fates: Fates,
    /// The seed of every random choice; the same seed and the same requests
    /// give the same answers.
    pub seed: Option<u64>,
}

impl Faults {
    /// Whether the fractions are each within 0..=1, sum to at most 1, and any
    /// latency range is ordered.
    pub fn check(&self) -> Result<(), SandboxError> {
        let fractions = [
            ("throttle fraction", self.throttle_fraction),
            ("unavailable fraction", self.unavailable_fraction),
            ("server error fraction", self.server_error_fraction),
            ("lost answer fraction", self.lost_answer_fraction),
            ("hang fraction", self.hang_fraction),
        ];
        for (name, value) in fractions {
            check_fraction(name, value)?;
        }
        let total: f64 = fractions.iter().map(|(_, value)| value).sum();
        if total > 1.0 + 1e-9 {
            return Err(SandboxError::Config(format!(
                "fault fractions add up to `{total}`, more than 1"
            )));
        }
        self.fates.check()?;
        if let Some(Latency::Range(low, high)) = self.latency
            && low > high
        {
            return Err(SandboxError::Config(format!(
                "latency range `{}` starts after it ends",
                Latency::Range(low, high)
            )));
        }
        Ok(())
    }
}

fn check_fraction(name: &str, value: f64) -> Result<(), SandboxError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(SandboxError::Config(format!(
            "{name} `{value}` must be between 0 and 1"
        )))
    }
}

/// A pause before answering: always the same, or drawn from a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Latency {
    Fixed(Duration),
    Range(Duration, Duration),
}

impl FromStr for Latency {
    type Err = String;

    /// `50ms`, `1s`, `0.5s`, or a range `20ms..80ms`.
    fn from_str(text: &str) -> Result<Latency, String> {
        match text.split_once("..") {
            Some((low, high)) => Ok(Latency::Range(parse_duration(low)?, parse_duration(high)?)),
            None => Ok(Latency::Fixed(parse_duration(text)?)),
        }
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Latency::Fixed(pause) => write!(f, "{}ms", pause.as_millis()),
            Latency::Range(low, high) => {
                write!(f, "{}ms..{}ms", low.as_millis(), high.as_millis())
            }
        }
    }
}

/// A duration written as a number and a unit, `ms` or `s`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(number) = text.strip_suffix("ms") {
        (number, 1e-3)
    } else if let Some(number) = text.strip_suffix('s') {
        (number, 1.0)
    } else {
        return Err(format!(
            "duration `{text}` needs a unit, `ms` or `s` (e.g. `50ms`)"
        ));
    };
    match number.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => {
            Ok(Duration::from_secs_f64(value * scale))
        }
        _ => Err(format!("duration `{text}` is not a non-negative number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_parse_fixed_and_ranges() {
        assert_eq!(
            "50ms".parse(),
            Ok(Latency::Fixed(Duration::from_millis(50)))
        );
        assert_eq!(
            "0.5s..2s".parse(),
            Ok(Latency::Range(
                Duration::from_millis(500),
                Duration::from_secs(2)
            ))
        );
        assert!("50".parse::<Latency>().is_err());
        assert!("-1ms".parse::<Latency>().is_err());
    }

    #[test]
    fn fault_fractions_are_bounded() {
        let faults = Faults {
            throttle_fraction: 0.6,
            unavailable_fraction: 0.6,
            ..Faults::default()
        };
        assert!(faults.check().is_err());
        let faults = Faults {
            hang_fraction: 1.5,
            ..Faults::default()
        };
        assert!(faults.check().is_err());
        assert!(Faults::default().check().is_ok());
    }

    #[test]
    fn non_loopback_needs_permission() {
        let mut config = SandboxConfig {
            listen: "0.0.0.0:8787".parse().unwrap(),
            ..SandboxConfig::default()
        };
        assert!(matches!(
            config.check(),
            Err(SandboxError::Server(
                crate::server::ServerError::NonLoopback { .. }
            ))
        ));
        config.allow_remote = true;
        assert!(config.check().is_ok());
        config.delivery.callback_url = Some("localhost:9000/hook".to_owned());
        assert!(config.check().is_err());
    }
}
