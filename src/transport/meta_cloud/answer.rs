//! A send answer in the neutral words of [`crate::transport`]: Meta's 200
//! is one recipient sent with its wamid; a Graph error is classed by its code
//! ([`ErrorClass`]) into a recipient's failure (an opt-out or a refused
//! template among them) or a [`SendError`] for the request; an answer that
//! proves nothing is `unknown`.

use super::error_class::{ErrorClass, RecipientFailure};
use super::send_answer::SendAnswer;
use crate::transport::{RecipientResult, SendError, Verdict};
use std::time::Duration;

/// How long a recipient Meta refused as messaged too often (131056) waits
/// before it is tried again. Meta documents no window; third-party pages
/// (dualhook.com, developers.whats91.com/rate-limits) give about one
/// message per 6 s to one user.
pub const PAIR_PAUSE: Duration = Duration::from_secs(6);

/// The `message_status` of a message taken without pacing; any other says it is held.
const ACCEPTED: &str = "accepted";

/// What to check when Meta refuses the token (codes 0 and 190).
pub const TOKEN_CODES: [i64; 2] = [0, 190];

/// Classes the answer (`status`, `body`, `Retry-After` if any) to a
/// one-recipient request.
pub fn classify(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Result<Vec<RecipientResult>, SendError> {
    let result = |verdict| {
        Ok(vec![RecipientResult {
            http_status: status,
            verdict,
        }])
    };
    match SendAnswer::read(status, body) {
        SendAnswer::Sent(sent) => result(match sent.message_status {
            Some(state) if state != ACCEPTED => Verdict::Held {
                message_id: sent.wamid,
                state,
            },
            _ => Verdict::Sent {
                message_id: Some(sent.wamid),
            },
        }),
        SendAnswer::Error(class) => match class {
            ErrorClass::Failed(failure) => result(verdict(failure)),
            ErrorClass::Throttled { .. } => Err(SendError::Throttled {
                status,
                retry_after,
            }),
            ErrorClass::PairLimited { reason } => Err(SendError::RetryLater {
                status,
                reason,
                after: retry_after.unwrap_or(PAIR_PAUSE),
            }),
            ErrorClass::ServiceError { reason, .. } => {
                Err(SendError::Unavailable { status, reason })
            }
            ErrorClass::Stop { code, reason, hint } if TOKEN_CODES.contains(&code) => {
                Err(SendError::Unauthorized {
                    status,
                    message: reason,
                    hint,
                })
            }
            ErrorClass::Stop { reason, hint, .. } => Err(SendError::Suspended {
                status,
                message: reason,
                hint,
            }),
            ErrorClass::Uncertain { reason } => Err(SendError::Uncertain {
                status: Some(status),
                reason,
            }),
        },
    }
}

fn verdict(failure: RecipientFailure) -> Verdict {
    let RecipientFailure {
        reason,
        opt_out,
        template_problem,
        ..
    } = failure;
    if opt_out {
        Verdict::OptedOut { reason }
    } else if template_problem {
        Verdict::TemplateRefused { reason }
    } else {
        Verdict::Failed {
            message_id: None,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: i64) -> Vec<u8> {
        format!(r#"{{"error":{{"message":"(#{code}) Title","code":{code}}}}}"#).into_bytes()
    }

    fn verdict_of(code: i64) -> Verdict {
        classify(400, &error(code), None).unwrap().remove(0).verdict
    }

    #[test]
    fn each_class_becomes_its_neutral_word() {
        let sent = classify(200, br#"{"messages":[{"id":"wamid.A"}]}"#, None).unwrap();
        assert_eq!(
            sent[0].verdict,
            Verdict::Sent {
                message_id: Some("wamid.A".into())
            }
        );
        let paced = |status: &str| {
            let body =
                format!(r#"{{"messages":[{{"id":"wamid.A","message_status":"{status}"}}]}}"#);
            classify(200, body.as_bytes(), None)
                .unwrap()
                .remove(0)
                .verdict
        };
        assert_eq!(
            paced("accepted"),
            Verdict::Sent {
                message_id: Some("wamid.A".into())
            }
        );
        assert_eq!(
            paced("held_for_quality_assessment"),
            Verdict::Held {
                message_id: "wamid.A".into(),
                state: "held_for_quality_assessment".into()
            }
        );
        assert!(matches!(verdict_of(131026), Verdict::Failed { .. }));
        assert!(matches!(verdict_of(131050), Verdict::OptedOut { .. }));
        assert!(matches!(
            verdict_of(132001),
            Verdict::TemplateRefused { .. }
        ));
        let err = |code| classify(400, &error(code), None).unwrap_err();
        assert!(matches!(err(130429), SendError::Throttled { .. }));
        assert!(matches!(
            err(131056),
            SendError::RetryLater { after, .. } if after == PAIR_PAUSE
        ));
        assert!(matches!(err(131000), SendError::Unavailable { .. }));
        assert!(matches!(err(190), SendError::Unauthorized { .. }));
        assert!(matches!(err(131048), SendError::Suspended { .. }));
        assert!(matches!(
            classify(502, b"<html>", None).unwrap_err(),
            SendError::Uncertain {
                status: Some(502),
                ..
            }
        ));
    }
}
