//! The bearer token every worker of a run shares: bought once with the
//! access key, kept in a [`TokenCache`], refreshed before it expires by one
//! caller while the others keep sending with the old one (or wait when none
//! is valid), and dropped when a send is answered 401 "expired". The token
//! endpoint's 429 is retried as the Node SDK does ([`token_backoff`]).

use super::access_key::AccessKey;
use super::access_token::{AccessToken, TokenError};
use super::token_backoff;
use super::token_cache::{Decision, TokenCache};
use super::token_request::TokenRequest;
use crate::transport::SendError;
use crate::transport::http_client::bearer;
use hyper::header::HeaderValue;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Notify;

const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// Cheap to clone: every clone shares the one cache.
#[derive(Clone)]
pub struct TokenSource {
    shared: Arc<Shared>,
}

struct Shared {
    http: reqwest::Client,
    request: TokenRequest,
    cache: Mutex<TokenCache>,
    refreshed: Notify,
    fetched: AtomicU64,
}

/// A token to send with, and which stored token it is.
pub struct Bearer {
    pub authorization: HeaderValue,
    pub generation: u64,
}

impl TokenSource {
    /// Tokens for `key` from `<auth_base>/oauth2/token`.
    pub fn new(auth_base: &str, key: &AccessKey) -> anyhow::Result<TokenSource> {
        let http = reqwest::Client::builder()
            .timeout(TOKEN_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(TokenSource {
            shared: Arc::new(Shared {
                http,
                request: TokenRequest::new(auth_base, &key.key_id, key.key_secret.expose()),
                cache: Mutex::new(TokenCache::new()),
                refreshed: Notify::new(),
                fetched: AtomicU64::new(0),
            }),
        })
    }

    /// How many tokens this source has bought.
    pub fn fetched(&self) -> u64 {
        self.shared.fetched.load(Ordering::Relaxed)
    }

    /// A valid token: the cached one, or a new one bought by this caller or
    /// by the one already buying it.
    pub async fn bearer(&self) -> Result<Bearer, SendError> {
        loop {
            let refreshed = self.shared.refreshed.notified();
            tokio::pin!(refreshed);
            refreshed.as_mut().enable();
            let decision = {
                let mut cache = self.cache();
                match cache.decide(Instant::now()) {
                    Decision::Use { token, generation } => Some(Ok((token.clone(), generation))),
                    Decision::Refresh => Some(Err(())),
                    Decision::Wait => None,
                }
            };
            match decision {
                Some(Ok((token, generation))) => {
                    return Ok(Bearer {
                        authorization: header(&token)?,
                        generation,
                    });
                }
                Some(Err(())) => self.refresh().await?,
                None => refreshed.await,
            }
        }
    }

    /// A send with token `generation` was refused as expired: drop it, unless
    /// a newer one replaced it meanwhile.
    pub fn expired(&self, generation: u64) {
        self.cache().invalidate(generation);
    }

    async fn refresh(&self) -> Result<(), SendError> {
        let requested_at = Instant::now();
        let fetched = self.fetch().await;
        {
            let mut cache = self.cache();
            match &fetched {
                Ok(token) => cache.store(token.clone(), requested_at),
                Err(_) => cache.refresh_failed(),
            }
        }
        self.shared.refreshed.notify_waiters();
        fetched.map(drop).map_err(refused)
    }

    /// Asks for a token, retrying the endpoint's 429 with backoff.
    async fn fetch(&self) -> Result<AccessToken, TokenError> {
        let mut attempt = 0;
        loop {
            let answer = self.ask().await?;
            match answer {
                Err(TokenError::RateLimited { retry_after }) => {
                    let jitter = rand::random::<f64>();
                    let Some(wait) = token_backoff::delay(attempt, jitter, retry_after) else {
                        return Err(TokenError::RateLimited { retry_after });
                    };
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// One token request; the outer error is a request that got no answer.
    async fn ask(&self) -> Result<Result<AccessToken, TokenError>, TokenError> {
        let request = &self.shared.request;
        let mut builder = self.shared.http.post(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        let unanswered = |reason: String| TokenError::Unexpected {
            status: 0,
            excerpt: reason,
        };
        let answer = builder
            .body(request.body.clone())
            .send()
            .await
            .map_err(|error| {
                let url = crate::secret::masked_url(&request.url);
                unanswered(format!("no answer from `{url}`: {}", error.without_url()))
            })?;
        let status = answer.status().as_u16();
        let headers: Vec<(String, String)> = answer
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = answer.bytes().await.map_err(|error| {
            unanswered(format!("the answer was cut off: {}", error.without_url()))
        })?;
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let token = AccessToken::from_response(status, &pairs, &body, SystemTime::now());
        if token.is_ok() {
            self.shared.fetched.fetch_add(1, Ordering::Relaxed);
        }
        Ok(token)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, TokenCache> {
        self.shared
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn header(token: &AccessToken) -> Result<HeaderValue, SendError> {
    bearer(&token.value).map_err(|error| SendError::Unauthorized {
        status: 200,
        message: error.to_string(),
        hint: "check `--auth-endpoint`: its answer is not a Sinch token",
    })
}

/// What `send/` may do when no token could be had: a key refused stops the
/// run; a throttled or unreachable token endpoint sent nothing, so the
/// request may be retried.
fn refused(error: TokenError) -> SendError {
    match error {
        TokenError::RateLimited { retry_after } => SendError::Throttled {
            status: 429,
            retry_after,
        },
        TokenError::WrongKey => SendError::Unauthorized {
            status: 401,
            message: error.to_string(),
            hint: "check `SINCH_KEY_ID` and `SINCH_KEY_SECRET` (an access key of the campaign's project)",
        },
        TokenError::Unexpected { status, .. } if status == 0 || error.is_retryable() => {
            SendError::NotSent {
                reason: format!("no access token: {error}"),
            }
        }
        TokenError::Unexpected { status, .. } => SendError::Unauthorized {
            status,
            message: error.to_string(),
            hint: "check `sender.auth_endpoint` or `--auth-endpoint`",
        },
        TokenError::Malformed { .. } => SendError::Unauthorized {
            status: 200,
            message: error.to_string(),
            hint: "check `sender.auth_endpoint` or `--auth-endpoint`",
        },
    }
}
