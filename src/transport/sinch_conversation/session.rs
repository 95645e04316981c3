//! One worker's way to `messages:send`: the HTTP session of
//! [`HttpClient`](crate::transport::http_client::HttpClient) with the
//! shared token on each request, and each answer read by [`SendAnswer`] into
//! the recipient's result or a neutral [`SendError`]. A 401 "expired" drops
//! the token and resends once, as J `http/HttpClientApache.java` and N
//! `client/api-fetch-client.ts` do: the request was refused, so resending
//! cannot duplicate it. A second 401 stops the run.

use super::send_answer::{SendAnswer, SendTarget};
use super::token_source::TokenSource;
use crate::phone::Phone;
use crate::transport::http_client::{Answer, HttpSession};
use crate::transport::{RecipientResult, SendError, Verdict};
use bytes::Bytes;
use std::sync::Arc;
use std::time::SystemTime;

/// Where sends go, to name the likely cause of a 403 or 404.
#[derive(Debug)]
pub struct Target {
    pub base_url: String,
    pub project_id: String,
    pub app_id: String,
}

pub struct Session {
    pub(super) http: HttpSession,
    pub(super) tokens: TokenSource,
    pub(super) target: Arc<Target>,
}

impl crate::transport::Session for Session {
    async fn send(
        &mut self,
        body: Bytes,
        _recipients: &[Phone],
    ) -> Result<Vec<RecipientResult>, SendError> {
        let mut resent = false;
        loop {
            let bearer = self.tokens.bearer().await?;
            let Answer {
                status,
                headers,
                body: answer,
            } = self
                .http
                .post_with(body.clone(), Some(&bearer.authorization))
                .await?;
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)))
                .collect();
            let target = SendTarget {
                base_url: &self.target.base_url,
                project_id: &self.target.project_id,
                app_id: &self.target.app_id,
            };
            let status = status.as_u16();
            let meaning =
                SendAnswer::from_response(status, &headers, &answer, target, SystemTime::now());
            if let SendAnswer::TokenExpired { .. } = meaning
                && !resent
            {
                self.tokens.expired(bearer.generation);
                resent = true;
                continue;
            }
            return result(status, meaning);
        }
    }
}

/// The neutral result of an answer's meaning.
fn result(status: u16, meaning: SendAnswer) -> Result<Vec<RecipientResult>, SendError> {
    let verdict = match meaning {
        SendAnswer::Sent { message_id, .. } => Verdict::Sent {
            message_id: Some(message_id),
        },
        SendAnswer::Failed { message } => Verdict::Failed {
            message_id: None,
            reason: message,
        },
        SendAnswer::Uncertain { status, reason } => {
            return Err(SendError::Uncertain {
                status: Some(status),
                reason,
            });
        }
        SendAnswer::TokenExpired { message } | SendAnswer::CredentialsRefused { message } => {
            return Err(SendError::Unauthorized {
                status,
                message,
                hint: "check `SINCH_KEY_ID` and `SINCH_KEY_SECRET`: a fresh token was refused too",
            });
        }
        SendAnswer::Forbidden { message } => {
            return Err(SendError::Unauthorized {
                status,
                message,
                hint: "check that the access key belongs to the project and the account's billing",
            });
        }
        SendAnswer::NotFound { message } => {
            return Err(SendError::Unauthorized {
                status,
                message,
                hint: "check `sender.project_id`, `sender.app_id` and `sender.region` (the app's region)",
            });
        }
        SendAnswer::Throttled { retry_after, .. } | SendAnswer::Unavailable { retry_after, .. } => {
            return Err(SendError::Throttled {
                status,
                retry_after,
            });
        }
        SendAnswer::Unexpected { status, message } => {
            return Err(SendError::Rejected {
                status,
                message,
                details: None,
            });
        }
    };
    Ok(vec![RecipientResult {
        http_status: status,
        verdict,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn meaning(status: u16, meaning: SendAnswer) -> Result<Verdict, SendError> {
        result(status, meaning).map(|mut results| results.remove(0).verdict)
    }

    #[test]
    fn answers_map_onto_the_neutral_classes() {
        let sent = SendAnswer::Sent {
            message_id: "01J".into(),
            accepted_time: None,
        };
        assert_eq!(
            meaning(200, sent),
            Ok(Verdict::Sent {
                message_id: Some("01J".into())
            })
        );
        let failed = meaning(
            400,
            SendAnswer::Failed {
                message: "x".into(),
            },
        );
        assert!(matches!(failed, Ok(Verdict::Failed { .. })));
        let throttled = SendAnswer::Throttled {
            retry_after: Some(Duration::from_secs(2)),
            message: String::new(),
        };
        assert_eq!(
            meaning(429, throttled),
            Err(SendError::Throttled {
                status: 429,
                retry_after: Some(Duration::from_secs(2))
            })
        );
        let unavailable = SendAnswer::Unavailable {
            retry_after: None,
            message: String::new(),
        };
        assert!(meaning(503, unavailable).unwrap_err().is_retryable());
        let uncertain = SendAnswer::Uncertain {
            status: 500,
            reason: "boom".into(),
        };
        assert!(matches!(
            meaning(500, uncertain),
            Err(SendError::Uncertain {
                status: Some(500),
                ..
            })
        ));
        for (status, stop) in [
            (
                401,
                SendAnswer::TokenExpired {
                    message: "e".into(),
                },
            ),
            (
                403,
                SendAnswer::Forbidden {
                    message: "f".into(),
                },
            ),
            (
                404,
                SendAnswer::NotFound {
                    message: "n".into(),
                },
            ),
        ] {
            let error = meaning(status, stop).unwrap_err();
            assert!(matches!(error, SendError::Unauthorized { .. }), "{status}");
            assert!(!error.is_retryable());
        }
    }
}
