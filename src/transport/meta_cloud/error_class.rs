//! What a Graph error means for a run: retry, fail the recipient, stop, or "may be sent".
//!
//! Classified by `error.code`, never by the HTTP status (Meta `support/error-codes`); the
//! status decides only for codes not listed here. Meanings: Meta `support/error-codes`, pywa
//! `pywa/errors.py` (docstrings from Meta), Graph `overview/rate-limiting` for 4, 17, 613.

use super::excerpt::excerpt;
use super::graph_error::GraphError;

/// The code of "user stopped marketing messages": a failure and an opt-out (Meta
/// `support/error-codes`, 131050).
pub const OPT_OUT_CODE: i64 = 131050;

/// What the sender does with one refused or unreadable send answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// Throughput or call-rate limit: not accepted, back off and retry.
    Throttled {
        /// The Graph error code.
        code: i64,
        /// The error summary.
        reason: String,
    },
    /// Too many messages to this one user (131056): retry this recipient after a pause.
    PairLimited {
        /// The error summary.
        reason: String,
    },
    /// Meta answered that it could not take the message now: not accepted, retry.
    ServiceError {
        /// The Graph error code.
        code: i64,
        /// The error summary.
        reason: String,
    },
    /// Not sent to this recipient and never retried.
    Failed(RecipientFailure),
    /// The account, token or number cannot send: stop the run; it can resume once fixed.
    Stop {
        /// The Graph error code.
        code: i64,
        /// The error summary.
        reason: String,
        /// The likely cause and what to check.
        hint: &'static str,
    },
    /// No readable refusal: the message may have been sent.
    Uncertain {
        /// What was received, bounded and neutralised.
        reason: String,
    },
}

/// A recipient the message will never reach in this run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientFailure {
    /// The Graph error code, if there was one.
    pub code: Option<i64>,
    /// A reason that reads well in a CSV report: `(#131026) Message Undeliverable.: …`.
    pub reason: String,
    /// The recipient stopped marketing messages (131050): record an opt-out.
    pub opt_out: bool,
    /// The template itself is the problem: every recipient will fail alike.
    pub template_problem: bool,
}

/// How a known code is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// Back off and retry.
    Throttled,
    /// Retry this recipient after a pause.
    PairLimited,
    /// Retry: Meta could not take the message.
    ServiceError,
    /// Fails this recipient.
    Recipient,
    /// Fails everyone alike: the template is the problem.
    Template,
    /// Fails this recipient, who opted out of marketing messages.
    OptOut,
    /// Stop the run, with a hint of what to check.
    Stop(&'static str),
}

impl CodeKind {
    /// The treatment of `code`, or `None` for a code not classified here.
    pub fn of(code: i64) -> Option<Self> {
        Some(match code {
            // 130429 throughput per number (M `throughput`); 80007 WABA rate limit; 4 app
            // call-rate limit; 17, 613 Graph-wide user/call throttling (M graph-api
            // `overview/rate-limiting`).
            130429 | 80007 | 4 | 17 | 613 => Self::Throttled,
            131056 => Self::PairLimited,
            // 1 unknown, 2 service down or overloaded, 131000 something went wrong,
            // 131016 service unavailable: an answer came, the message was not accepted.
            1 | 2 | 131000 | 131016 => Self::ServiceError,
            // 131026 undeliverable to this number, 131047 outside the 24 h window, 131049
            // Meta's per-user marketing limit, 131051 unsupported type, 100 / 131008 /
            // 131009 invalid or missing parameter, 132012 a parameter value in the wrong
            // format: all depend on this recipient or this recipient's values.
            131026 | 131047 | 131049 | 131051 | 100 | 131008 | 131009 | 132012 => Self::Recipient,
            // 132005 is titled "Template Hydrated Text Too Long": the template text once this
            // recipient's values are put in, so a long value fails one recipient, not all.
            132005 => Self::Recipient,
            // 132000 parameter count (same for every recipient of one message), 132001 no
            // such template or language, 132007 template content violates a policy, 132015
            // paused, 132016 disabled (M `support/error-codes`, `template-pausing`).
            132000 | 132001 | 132007 | 132015 | 132016 => Self::Template,
            OPT_OUT_CODE => Self::OptOut,
            190 => Self::Stop(
                "the access token has expired or was revoked: create a new system-user token \
                 and pass it in WHATSAPP_TOKEN or with --token-file",
            ),
            0 => Self::Stop(
                "authentication failed: check the access token in WHATSAPP_TOKEN or --token-file",
            ),
            10 | 200..=299 => Self::Stop(
                "permission denied: check that the token has the whatsapp_business_messaging \
                 permission and is assigned to this WhatsApp Business Account and number",
            ),
            368 => Self::Stop(
                "the account is temporarily blocked for policy violations: check Account \
                 Quality in WhatsApp Manager",
            ),
            131031 => Self::Stop(
                "the business account is restricted or locked: check Account Quality in \
                 WhatsApp Manager and the number's two-step verification PIN",
            ),
            131048 => Self::Stop(
                "Meta limits this number because earlier messages were blocked or reported as \
                 spam: check the number's quality rating in WhatsApp Manager before resuming",
            ),
            _ => return None,
        })
    }
}

impl ErrorClass {
    /// Classifies a non-2xx send answer from its HTTP `status` and raw `body`.
    pub fn classify(status: u16, body: &[u8]) -> Self {
        match GraphError::parse(body) {
            Some(error) => Self::from_graph_error(&error, status),
            None => Self::Uncertain {
                reason: format!("HTTP {status} without a Graph error: {}", excerpt(body)),
            },
        }
    }

    /// Classifies a Graph error by its code; the HTTP `status` decides only for an unknown
    /// code: 4xx fails the recipient, anything else may have been sent.
    pub fn from_graph_error(error: &GraphError, status: u16) -> Self {
        let code = error.code;
        let reason = error.summary();
        let failed = |template_problem, opt_out, reason: String| {
            Self::Failed(RecipientFailure {
                code: Some(code),
                reason,
                opt_out,
                template_problem,
            })
        };
        match CodeKind::of(code) {
            Some(CodeKind::Throttled) => Self::Throttled { code, reason },
            Some(CodeKind::PairLimited) => Self::PairLimited { reason },
            Some(CodeKind::ServiceError) => Self::ServiceError { code, reason },
            Some(CodeKind::Recipient) => failed(false, false, recipient_reason(code, reason)),
            Some(CodeKind::Template) => failed(true, false, reason),
            Some(CodeKind::OptOut) => failed(false, true, reason),
            Some(CodeKind::Stop(hint)) => Self::Stop { code, reason, hint },
            None if (400..500).contains(&status) => failed(false, false, reason),
            None => Self::Uncertain {
                reason: format!("HTTP {status}: {reason}"),
            },
        }
    }

    /// Whether the same request may be sent again (after a pause).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Throttled { .. } | Self::PairLimited { .. } | Self::ServiceError { .. }
        )
    }
}

/// 131049 gets its meaning spelled out: the code alone invites a resend that fails again.
fn recipient_reason(code: i64, reason: String) -> String {
    if code == 131049 {
        format!(
            "{reason} (Meta's per-user marketing message limit: do not resend to this number \
             within 24 h)"
        )
    } else {
        reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: i64) -> Vec<u8> {
        format!(
            r#"{{"error":{{"message":"(#{code}) Title","type":"OAuthException","code":{code},
            "error_data":{{"messaging_product":"whatsapp","details":"Details."}},"fbtrace_id":"T"}}}}"#
        )
        .into_bytes()
    }

    fn class(code: i64) -> ErrorClass {
        // 400 for every code: the class must come from the code, not the status.
        ErrorClass::classify(400, &body(code))
    }

    #[test]
    fn throttling_codes_back_off() {
        for code in [130429, 80007, 4, 17, 613] {
            assert_eq!(
                class(code),
                ErrorClass::Throttled {
                    code,
                    reason: format!("(#{code}) Title: Details.")
                }
            );
            assert!(class(code).is_retryable());
        }
    }

    #[test]
    fn pair_limit_retries_the_recipient() {
        assert!(matches!(class(131056), ErrorClass::PairLimited { .. }));
        assert!(class(131056).is_retryable());
    }

    #[test]
    fn service_errors_retry_even_with_a_4xx_status() {
        for code in [1, 2, 131000, 131016] {
            assert!(matches!(class(code), ErrorClass::ServiceError { code: c, .. } if c == code));
        }
    }

    #[test]
    fn recipient_failures_are_never_retried() {
        for code in [
            131026, 131047, 131049, 131051, 100, 131008, 131009, 132005, 132012,
        ] {
            let ErrorClass::Failed(failure) = class(code) else {
                panic!("{code} should fail the recipient");
            };
            assert_eq!(failure.code, Some(code));
            assert!(!failure.template_problem && !failure.opt_out, "{code}");
            assert!(failure.reason.starts_with(&format!("(#{code}) Title")));
            assert!(!class(code).is_retryable());
        }
    }

    #[test]
    fn marketing_limit_says_not_to_resend_within_a_day() {
        let ErrorClass::Failed(failure) = class(131049) else {
            panic!()
        };
        assert!(failure.reason.contains("per-user marketing message limit"));
        assert!(failure.reason.contains("within 24 h"));
    }

    #[test]
    fn template_failures_carry_the_flag() {
        for code in [132000, 132001, 132007, 132015, 132016] {
            let ErrorClass::Failed(failure) = class(code) else {
                panic!("{code} should fail");
            };
            assert!(failure.template_problem, "{code}");
        }
    }

    #[test]
    fn stopped_marketing_is_a_failure_and_an_opt_out() {
        let ErrorClass::Failed(failure) = class(131050) else {
            panic!()
        };
        assert!(failure.opt_out && !failure.template_problem);
    }

    #[test]
    fn account_problems_stop_the_run_with_a_hint() {
        let cases = [
            (190, "token"),
            (0, "access token"),
            (10, "permission"),
            (200, "permission"),
            (299, "permission"),
            (368, "policy"),
            (131031, "restricted or locked"),
            (131048, "spam"),
        ];
        for (code, hint) in cases {
            let ErrorClass::Stop {
                code: c,
                reason,
                hint: advice,
            } = class(code)
            else {
                panic!("{code} should stop");
            };
            assert_eq!(c, code);
            assert!(advice.contains(hint), "{code}: {advice}");
            assert!(reason.starts_with(&format!("(#{code}) Title")));
        }
    }

    #[test]
    fn the_status_never_changes_a_known_code() {
        for code in [130429, 131056, 2, 131026, 132001, 131050, 190, 131048] {
            let by_400 = ErrorClass::classify(400, &body(code));
            for status in [401, 403, 404, 429, 500, 503] {
                assert_eq!(
                    ErrorClass::classify(status, &body(code)),
                    by_400,
                    "{code} {status}"
                );
            }
        }
    }

    #[test]
    fn unknown_codes_follow_the_status() {
        for neighbour in [3, 9, 199, 300, 131055, 132002] {
            assert!(
                matches!(
                    class(neighbour),
                    ErrorClass::Failed(RecipientFailure {
                        template_problem: false,
                        opt_out: false,
                        ..
                    })
                ),
                "{neighbour}"
            );
        }
        assert!(matches!(
            ErrorClass::classify(400, &body(999_999)),
            ErrorClass::Failed(RecipientFailure {
                code: Some(999_999),
                ..
            })
        ));
        assert!(matches!(
            ErrorClass::classify(500, &body(999_999)),
            ErrorClass::Uncertain { .. }
        ));
    }

    #[test]
    fn unreadable_bodies_are_uncertain_with_a_bounded_excerpt() {
        let html = format!("<html>\n{}</html>", "x".repeat(2000));
        let ErrorClass::Uncertain { reason } = ErrorClass::classify(502, html.as_bytes()) else {
            panic!()
        };
        assert!(reason.starts_with("HTTP 502 without a Graph error: <html> x"));
        assert!(!reason.contains('\n'));
        assert!(reason.chars().count() < 560);
        assert!(matches!(
            ErrorClass::classify(500, b""),
            ErrorClass::Uncertain { .. }
        ));
    }
}
