//! How `wacast apply` reads answers that are not quite Sinch's documented
//! shape, through the real HTTP path: a 201 without `type` still sends, a
//! refusal whose body is not `{message, details}` still says what it was, and
//! a 401 says whether the token or the bot and region are probably wrong.
//! The provider here answers every request with one canned answer.

use crate::apply::{campaign, report};
use crate::transport::read_request;
use std::io::{BufReader, Write};
use std::net::TcpListener;

/// A provider answering every request with `status` and `body`; for a 201,
/// `{to}` in the body is each request's first recipient.
fn canned(status: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            while let Some((_, request)) = read_request(&mut reader) {
                let request: serde_json::Value = serde_json::from_slice(&request).unwrap();
                let to = request["to"][0].as_str().unwrap_or_default();
                let answer = body.replace("{to}", to);
                let written = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
                    answer.len()
                );
                if written.is_err() {
                    break;
                }
            }
        }
    });
    url
}

const ONE_BY_ONE: &str = "concurrency: 1, rate_per_second: 1000, max_attempts: 1";

#[test]
fn a_201_without_type_sends() {
    let url = canned(
        "201 Created",
        r#"{"statuses":[{"message_id":"m-{to}","recipient":"+{to}","status":"success","state":"queued"}]}"#,
    );
    let test = campaign(3, false, ONE_BY_ONE);
    let run = test.run(&["apply", "campaign.yaml", "--yes", "--endpoint", &url]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(report(&test).iter().all(|(_, status)| status == "sent"));
}

#[test]
fn a_refusal_in_another_shape_is_quoted_in_the_report() {
    let url = canned(
        "400 Bad Request",
        r#"{"error":{"code":400,"text":"template paused"}}"#,
    );
    let test = campaign(1, false, ONE_BY_ONE);
    let run = test.run(&["apply", "campaign.yaml", "--yes", "--endpoint", &url]);
    assert_eq!(run.code, 4, "{}", run.transcript());
    let text = test.read(".wacast/spring-report.csv");
    assert!(text.contains("template paused"), "{text}");
}

#[test]
fn a_401_says_which_credential_is_probably_wrong() {
    for (details, says) in [
        (
            "unknown bot id `acme-bot`",
            "the bot id or the region is probably wrong",
        ),
        (
            "invalid bearer token",
            "the token is probably wrong, expired or revoked",
        ),
    ] {
        let body: &'static str = Box::leak(
            format!(r#"{{"message":"unauthorized","details":"{details}"}}"#).into_boxed_str(),
        );
        let url = canned("401 Unauthorized", body);
        let test = campaign(2, false, ONE_BY_ONE);
        let run = test.run(&["apply", "campaign.yaml", "--yes", "--endpoint", &url]);
        assert_eq!(run.code, 5, "{}", run.transcript());
        assert!(run.stderr.contains(says), "{}", run.stderr);
        assert!(run.stderr.contains(details), "{}", run.stderr);
    }
}
