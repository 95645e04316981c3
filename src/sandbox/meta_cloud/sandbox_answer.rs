//! The answers the sandbox gives to a send, in Meta's shapes.
//!
//! - accepted: `{"messaging_product":"whatsapp","contacts":[{input,wa_id}],"messages":[{id,
//!   message_status:"accepted"}]}` (M `coupon-templates`) with a fresh wamid ([`super::wamid`]);
//! - refused: `{"error":{message:"(#code) Title",type,code,error_data{messaging_product,details},
//!   fbtrace_id}}` (M `support/error-codes`) with the code's HTTP status;
//! - the "server error" fault: a 502 HTML page, no Graph error, as a proxy in front of Graph
//!   would answer.
//!
//! HTTP statuses by code, from third-party copies of Meta's table (kaleyra, botbee: 0 and 190
//! → 401; 4 → 429; 10, 200–299 and 368 → 403; 2 → 503; ycloud: 130429 → 429, 131000 → 500,
//! 100 and 131008 → 400; heltar.com says 400 for 130429 and chakrahq 400 for 4: 429 is kept
//! as the more common reading). Codes without a documented status answer 400. wacast
//! classifies by code, so a wrong status here changes nothing but the unknown-code fallback.

use serde_json::json;

use super::sandbox_check::Problem;
use super::wamid::fresh_wamid;

/// One error answer: the HTTP status and the JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body (a Graph error, except for [`server_error_answer`]).
    pub body: Vec<u8>,
}

/// A documented error: code, HTTP status, title, details.
struct Documented {
    code: i64,
    status: u16,
    title: &'static str,
    details: &'static str,
}

const fn doc(code: i64, status: u16, title: &'static str, details: &'static str) -> Documented {
    Documented {
        code,
        status,
        title,
        details,
    }
}

/// Titles and details from M `support/error-codes` (via pywa `pywa/errors.py` and copies).
const DOCUMENTED: &[Documented] = &[
    doc(
        0,
        401,
        "AuthException",
        "Unable to authenticate the app user.",
    ),
    doc(
        1,
        400,
        "API Unknown",
        "Invalid request or possible server error.",
    ),
    doc(
        2,
        503,
        "API Service",
        "Temporary due to downtime or due to being overloaded.",
    ),
    doc(
        4,
        429,
        "API Too Many Calls",
        "The app has reached its API call rate limit.",
    ),
    doc(
        10,
        403,
        "API Permission Denied",
        "Permission is either not granted or has been removed.",
    ),
    doc(
        17,
        400,
        "User request limit reached",
        "The user has reached its API call rate limit.",
    ),
    doc(
        100,
        400,
        "Invalid parameter",
        "The request included one or more unsupported or misspelled parameters.",
    ),
    doc(
        190,
        401,
        "Access token has expired",
        "Your access token has expired.",
    ),
    doc(
        200,
        403,
        "API Permission",
        "Permission is either not granted or has been removed.",
    ),
    doc(
        368,
        403,
        "Temporarily blocked for policies violations",
        "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy.",
    ),
    doc(
        613,
        400,
        "Calls to this api have exceeded the rate limit.",
        "Calls to this api have exceeded the rate limit.",
    ),
    doc(
        80007,
        400,
        "Rate limit issues",
        "The WhatsApp Business Account has reached its rate limit.",
    ),
    doc(
        130429,
        429,
        "Rate limit hit",
        "Cloud API message throughput has been reached.",
    ),
    doc(
        131000,
        500,
        "Something went wrong",
        "Message failed to send due to an unknown error.",
    ),
    doc(
        131008,
        400,
        "Required parameter is missing",
        "The request is missing a required parameter.",
    ),
    doc(
        131009,
        400,
        "Parameter value is not valid",
        "One or more parameter values are invalid.",
    ),
    doc(
        131016,
        503,
        "Service unavailable",
        "A service is temporarily unavailable.",
    ),
    doc(
        131026,
        400,
        "Message Undeliverable",
        "Unable to deliver message.",
    ),
    doc(
        131031,
        400,
        "Business Account locked",
        "The business account has been locked or restricted.",
    ),
    doc(
        131047,
        400,
        "Re-engagement message",
        "More than 24 hours have passed since the recipient last replied to the sender number.",
    ),
    doc(
        131048,
        400,
        "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be sent from this phone number.",
    ),
    doc(
        131049,
        400,
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    ),
    doc(
        131050,
        400,
        "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
        "The recipient has stopped marketing messages from this business.",
    ),
    doc(
        131051,
        400,
        "Unsupported message type",
        "Unsupported message type.",
    ),
    doc(
        131056,
        400,
        "(Business Account, Consumer Account) pair rate limit hit",
        "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.",
    ),
    doc(
        132000,
        400,
        "Number of parameters does not match the expected number of params",
        "The number of variable parameter values included in the request did not match the number of variable parameters defined in the template.",
    ),
    doc(
        132001,
        400,
        "Template name does not exist in the translation",
        "The template does not exist in the specified language or the template has not been approved.",
    ),
    doc(
        132005,
        400,
        "Template Hydrated Text Too Long",
        "Translated text is too long.",
    ),
    doc(
        132007,
        400,
        "Template Format Character Policy Violated",
        "Template content violates a WhatsApp policy.",
    ),
    doc(
        132012,
        400,
        "Template Parameter Format Mismatch",
        "Variable parameter values formatted incorrectly.",
    ),
    doc(
        132015,
        400,
        "Template is Paused",
        "Template is paused due to low quality so it cannot be sent in a template message.",
    ),
    doc(
        132016,
        400,
        "Template is Disabled",
        "Template has been paused too many times due to low quality and is now permanently disabled.",
    ),
];

/// A 200 answer accepting one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedAnswer {
    /// The fresh message id, for the status webhooks that follow.
    pub wamid: String,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// The 200 answer accepting a message to `to_digits`, with a fresh wamid.
pub fn accepted_answer(to_digits: &str) -> AcceptedAnswer {
    answer(to_digits, "accepted")
}

/// The 200 answer of a paced template: accepted, and held while Meta
/// assesses its quality (M `templates/template-pacing`).
pub fn held_answer(to_digits: &str) -> AcceptedAnswer {
    answer(to_digits, "held_for_quality_assessment")
}

fn answer(to_digits: &str, message_status: &str) -> AcceptedAnswer {
    let wamid = fresh_wamid(to_digits);
    let body = json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to_digits, "wa_id": to_digits}],
        "messages": [{"id": wamid, "message_status": message_status}],
    });
    AcceptedAnswer {
        wamid,
        body: body.to_string().into_bytes(),
    }
}

/// Meta's answer for error `code`, with its documented HTTP status (400 if none).
pub fn error_answer(code: i64) -> ErrorAnswer {
    match documented(code) {
        Some(d) => graph_error(code, d.status, d.title, d.details),
        None => graph_error(code, 400, "Unknown error", "No description for this code."),
    }
}

/// The table row for `code`; codes 200–299 share the row of 200.
fn documented(code: i64) -> Option<&'static Documented> {
    let row = if (200..300).contains(&code) {
        200
    } else {
        code
    };
    DOCUMENTED.iter().find(|d| d.code == row)
}

/// The answer to a body that [`super::sandbox_check`] refused: error 100, every problem in
/// the details as `path: message`.
pub fn invalid_request_answer(problems: &[Problem]) -> ErrorAnswer {
    let details: Vec<String> = problems
        .iter()
        .map(|p| {
            if p.path.is_empty() {
                p.message.clone()
            } else {
                format!("{}: {}", p.path, p.message)
            }
        })
        .collect();
    graph_error(100, 400, "Invalid parameter", &details.join("; "))
}

/// A 502 with an HTML page and no Graph error: the request may or may not have been sent.
pub fn server_error_answer() -> ErrorAnswer {
    ErrorAnswer {
        status: 502,
        body: b"<html><body><h1>502 Bad Gateway</h1></body></html>".to_vec(),
    }
}

/// A Graph error answer with `code`, HTTP `status`, `title` and `details`.
pub fn graph_error(code: i64, status: u16, title: &str, details: &str) -> ErrorAnswer {
    let body = json!({"error": {
        "message": format!("(#{code}) {title}"),
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": "AsandboxTraceId0",
    }});
    ErrorAnswer {
        status,
        body: body.to_string().into_bytes(),
    }
}

/// The title Meta gives error `code`, if documented here.
pub fn error_title(code: i64) -> Option<&'static str> {
    documented(code).map(|d| d.title)
}

/// The details Meta gives error `code`, if documented here.
pub fn error_details(code: i64) -> Option<&'static str> {
    DOCUMENTED
        .iter()
        .find(|d| d.code == code)
        .map(|d| d.details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::meta_cloud::error_class::ErrorClass;
    use crate::transport::meta_cloud::send_answer::SendAnswer;

    #[test]
    fn accepted_answer_reads_back_as_sent() {
        let answer = accepted_answer("447700900123");
        let SendAnswer::Sent(sent) = SendAnswer::read(200, &answer.body) else {
            panic!()
        };
        assert_eq!(sent.wamid, answer.wamid);
        assert_eq!(sent.message_status.as_deref(), Some("accepted"));
        assert_eq!(sent.wa_id.as_deref(), Some("447700900123"));
        assert_ne!(accepted_answer("447700900123").wamid, answer.wamid);
    }

    #[test]
    fn documented_statuses() {
        let cases = [
            (0, 401),
            (190, 401),
            (10, 403),
            (200, 403),
            (250, 403),
            (299, 403),
            (368, 403),
            (4, 429),
            (130429, 429),
            (2, 503),
            (131000, 500),
            (131026, 400),
            (999, 400),
        ];
        for (code, status) in cases {
            let answer = error_answer(code);
            assert_eq!(answer.status, status, "{code}");
            let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
            assert_eq!(json["error"]["code"], code, "{code}");
            assert!(
                json["error"]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("(#{code}) "))
            );
            assert_eq!(json["error"]["error_data"]["messaging_product"], "whatsapp");
        }
    }

    #[test]
    fn every_answer_classifies_as_its_code_says() {
        for d in DOCUMENTED {
            let answer = error_answer(d.code);
            let class = ErrorClass::classify(answer.status, &answer.body);
            assert!(!matches!(class, ErrorClass::Uncertain { .. }), "{}", d.code);
        }
        let ErrorClass::Failed(failure) = ErrorClass::classify(400, &error_answer(131026).body)
        else {
            panic!()
        };
        assert_eq!(
            failure.reason,
            "(#131026) Message Undeliverable: Unable to deliver message."
        );
    }

    #[test]
    fn server_error_is_uncertain() {
        let answer = server_error_answer();
        assert!(matches!(
            SendAnswer::read(answer.status, &answer.body),
            SendAnswer::Error(ErrorClass::Uncertain { .. })
        ));
    }

    #[test]
    fn invalid_request_lists_the_problems() {
        let problems = [
            Problem {
                path: "to".into(),
                message: "missing".into(),
            },
            Problem {
                path: String::new(),
                message: "the body is not JSON".into(),
            },
        ];
        let answer = invalid_request_answer(&problems);
        assert_eq!(answer.status, 400);
        let error =
            crate::transport::meta_cloud::graph_error::GraphError::parse(&answer.body).unwrap();
        assert_eq!(error.code, 100);
        assert_eq!(error.details(), Some("to: missing; the body is not JSON"));
    }
}
