//! The real `wacast sandbox` binary: it announces where it listens and the
//! credentials, accepts a send there, and sums up when interrupted.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

/// Kills the child if the test fails before it stops it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn wacast_sandbox_serves_until_interrupted() {
    let child = Command::new(env!("CARGO_BIN_EXE_wacast"))
        .args(["sandbox", "--listen", "127.0.0.1:0", "--seed", "1"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wacast runs");
    let mut running = Running(child);
    let mut stderr = BufReader::new(running.0.stderr.take().unwrap());
    let mut announcement = String::new();
    while !announcement.contains("Ctrl-C") {
        let read = stderr.read_line(&mut announcement).unwrap();
        assert!(read > 0, "wacast sandbox ended early: {announcement}");
    }
    let base_url = announcement
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("sandbox listening on "))
        .expect("the first line names the base URL")
        .to_owned();

    let answer = reqwest::Client::new()
        .post(format!("{base_url}/whatsapp/v1/sandbox-bot/messages"))
        .bearer_auth("sandbox-token")
        .json(&super::valid_body())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), reqwest::StatusCode::CREATED);

    let pid = running.0.id().to_string();
    let interrupted = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(interrupted.success());
    let status = running.0.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let mut stdout = String::new();
    running
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(stdout, "");

    let port = base_url.rsplit(':').next().unwrap().to_owned();
    let mut settings = super::snapshots();
    settings.add_filter(&regex_escape(&port), "[port]");
    let _settings = settings.bind_to_scope();
    insta::assert_snapshot!("sandbox_command_stderr", announcement + &rest);
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}
