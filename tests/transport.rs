//! How `wacast apply` reaches the provider: a connection the provider closes
//! is replaced, an HTTP proxy from the environment carries the requests
//! through a CONNECT tunnel, and an https endpoint is spoken to in TLS. The
//! peers here are small loopback servers written for each case.

use crate::apply::{campaign, report};
use crate::support::Test;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// Applies `test`'s campaign to `endpoint`, expecting exit code `code`;
/// returns the report's statuses.
fn send(test: &Test, endpoint: &str, code: i32) -> Vec<String> {
    let run = test.run(&["apply", "campaign.yaml", "--yes", "--endpoint", endpoint]);
    assert_eq!(run.code, code, "{}", run.transcript());
    let statuses = report(test).into_iter().map(|(_, status)| status).collect();
    assert!(
        !run.stderr.contains("pa55") && !run.stdout.contains("pa55"),
        "a proxy's password is never shown"
    );
    statuses
}

/// One request at a time, nothing retried.
const ONE_BY_ONE: &str = "concurrency: 1, rate_per_second: 1000, max_attempts: 1";

/// Reads one HTTP/1.1 request: its head's lines and its body.
pub fn read_request(reader: &mut impl BufRead) -> Option<(Vec<String>, Vec<u8>)> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let length = head
        .iter()
        .find_map(|h| {
            h.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}

/// A provider that answers one request per connection, each with a 201
/// saying `Connection: close`, and records every request it read.
struct ClosingProvider {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    connections: Arc<Mutex<usize>>,
}

impl ClosingProvider {
    fn start() -> ClosingProvider {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let (seen, opened) = (requests.clone(), connections.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                *opened.lock().unwrap() += 1;
                let Some((_, body)) = read_request(&mut BufReader::new(&stream)) else {
                    continue;
                };
                let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let to = request["to"][0].as_str().unwrap().to_owned();
                let answer = serde_json::json!({"type": "accepted", "statuses": [
                    {"message_id": format!("id-{to}"), "recipient": to, "status": "success"}
                ]})
                .to_string();
                seen.lock().unwrap().push(to);
                write!(
                    stream,
                    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                )
                .unwrap();
            }
        });
        ClosingProvider {
            url,
            requests,
            connections,
        }
    }
}

#[test]
fn a_connection_the_provider_closes_is_replaced_and_nothing_is_sent_twice() {
    let provider = ClosingProvider::start();
    let test = campaign(5, false, ONE_BY_ONE);
    assert_eq!(send(&test, &provider.url, 0), vec!["sent"; 5]);
    let mut requests = provider.requests.lock().unwrap().clone();
    requests.sort();
    requests.dedup();
    assert_eq!(requests.len(), 5, "each recipient once");
    assert_eq!(*provider.connections.lock().unwrap(), 5);
}

/// An HTTP proxy that opens CONNECT tunnels and records each CONNECT's head.
fn start_proxy() -> (String, Arc<Mutex<Vec<Vec<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let client = client.unwrap();
            let mut reader = BufReader::new(client.try_clone().unwrap());
            let Some((head, _)) = read_request(&mut reader) else {
                continue;
            };
            let target = head[0].split(' ').nth(1).unwrap().to_owned();
            seen.lock().unwrap().push(head);
            let upstream = TcpStream::connect(target).unwrap();
            let mut answer = client.try_clone().unwrap();
            answer
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .unwrap();
            let mut back = upstream.try_clone().unwrap();
            std::thread::spawn(move || std::io::copy(&mut back, &mut answer));
            let mut forth = upstream;
            std::thread::spawn(move || std::io::copy(&mut reader, &mut forth));
        }
    });
    (format!("http://user:pa55@{address}"), heads)
}

#[test]
fn an_http_proxy_from_the_environment_carries_the_requests() {
    let provider = ClosingProvider::start();
    let (proxy, heads) = start_proxy();
    let test = campaign(3, false, ONE_BY_ONE)
        .env("HTTP_PROXY", &proxy)
        .env("NO_PROXY", "");
    assert_eq!(send(&test, &provider.url, 0), vec!["sent"; 3]);
    let heads = heads.lock().unwrap();
    assert_eq!(heads.len(), 3, "one tunnel per connection");
    let provider_address = provider.url.trim_start_matches("http://");
    assert_eq!(heads[0][0], format!("CONNECT {provider_address} HTTP/1.1"));
    assert!(
        heads[0].contains(&"Proxy-Authorization: Basic dXNlcjpwYTU1".to_owned()),
        "{heads:?}"
    );
}

#[test]
fn recipients_left_pending_after_their_tries_are_told_with_the_last_error() {
    // A port just let go of: every connection is refused.
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let test = campaign(2, false, ONE_BY_ONE);
    let endpoint = format!("http://{address}");
    let run = test.run(&["apply", "campaign.yaml", "--yes", "--endpoint", &endpoint]);
    assert_eq!(run.code, 5, "{}", run.transcript());
    let told = run
        .transcript()
        .lines()
        .find(|line| line.contains("left pending; the last error"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("{}", run.transcript()));
    insta::assert_snapshot!(told);
    let json = test.run(&[
        "apply",
        "campaign.yaml",
        "--yes",
        "--endpoint",
        &endpoint,
        "--format",
        "json",
    ]);
    assert_eq!(json.code, 5, "{}", json.transcript());
    let summary: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(summary["this_run"]["left_pending"], 2);
    assert_eq!(
        summary["this_run"]["left_pending_because"],
        "gave up after 1 try: not sent: Connection refused (os error 111)"
    );
}

#[test]
fn an_https_endpoint_is_spoken_to_in_tls_and_a_failed_handshake_sends_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let first_bytes = Arc::new(Mutex::new(Vec::new()));
    let seen = first_bytes.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut byte = [0u8; 1];
            if stream.read_exact(&mut byte).is_ok() {
                seen.lock().unwrap().push(byte[0]);
            }
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let test = campaign(1, false, ONE_BY_ONE);
    assert_eq!(
        send(&test, &format!("https://{address}"), 5),
        vec!["pending"]
    );
    let report = test.read(".wacast/spring-report.csv");
    assert!(report.contains("gave up after 1 try: not sent"), "{report}");
    assert_eq!(
        *first_bytes.lock().unwrap(),
        vec![0x16],
        "a TLS handshake record opens the connection"
    );
}
