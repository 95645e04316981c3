//! What the sandbox "sent": one entry per recipient of every accepted request,
//! kept in memory (bounded, oldest dropped first) and appended to a JSON Lines
//! file when asked, so tests and users can check exactly what went out.

use super::SandboxError;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{LineWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

/// One accepted message, as `GET /_sandbox/messages` and the record file show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedMessage {
    /// The number as sent in `to`.
    pub recipient: String,
    /// The ULID the sandbox answered with for this recipient.
    pub message_id: String,
    /// The whole request body.
    pub body: serde_json::Value,
    /// When the request arrived, in milliseconds since the Unix epoch.
    #[serde(default)]
    pub received_at_ms: u64,
}

struct Entry {
    recipient: String,
    message_id: String,
    received_at_ms: u64,
    /// The request body as compact JSON, shared by the request's recipients.
    body: Arc<str>,
}

impl Entry {
    fn to_line(&self) -> String {
        format!(
            "{{\"recipient\":{},\"message_id\":\"{}\",\"body\":{},\"received_at_ms\":{}}}",
            serde_json::Value::from(self.recipient.as_str()),
            self.message_id,
            self.body,
            self.received_at_ms
        )
    }
}

/// The in-memory record and the optional record file.
pub struct Recorder {
    keep: usize,
    memory: Mutex<VecDeque<Entry>>,
    file: Option<Mutex<LineWriter<File>>>,
}

impl Recorder {
    /// Opens (appending to) the record file if one is given.
    pub fn new(keep: usize, path: Option<&Path>) -> Result<Recorder, SandboxError> {
        let file = match path {
            Some(path) => {
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| SandboxError::Record {
                        path: path.to_owned(),
                        source,
                    })?;
                Some(Mutex::new(LineWriter::new(file)))
            }
            None => None,
        };
        Ok(Recorder {
            keep,
            memory: Mutex::new(VecDeque::new()),
            file,
        })
    }

    /// Records one request's messages: `(recipient, message id)` pairs that share
    /// `body`. A record file that cannot be written is an error for the caller
    /// to answer with, and then nothing is recorded in memory either.
    pub fn record(
        &self,
        body: &serde_json::Value,
        sent: &[(String, String)],
    ) -> std::io::Result<()> {
        let body: Arc<str> = Arc::from(body.to_string());
        let received_at_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let entries: Vec<Entry> = sent
            .iter()
            .map(|(recipient, message_id)| Entry {
                recipient: recipient.clone(),
                message_id: message_id.clone(),
                received_at_ms,
                body: body.clone(),
            })
            .collect();
        self.write_lines(&entries)?;
        self.keep_in_memory(entries);
        Ok(())
    }

    fn write_lines(&self, entries: &[Entry]) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let lines: String = entries.iter().map(|entry| entry.to_line() + "\n").collect();
        let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
        file.write_all(lines.as_bytes())
    }

    fn keep_in_memory(&self, entries: Vec<Entry>) {
        if self.keep == 0 {
            return;
        }
        let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        for entry in entries {
            if memory.len() == self.keep {
                memory.pop_front();
            }
            memory.push_back(entry);
        }
    }

    /// The kept messages, oldest first.
    pub fn messages(&self) -> Vec<RecordedMessage> {
        let memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        memory
            .iter()
            .map(|entry| RecordedMessage {
                recipient: entry.recipient.clone(),
                message_id: entry.message_id.clone(),
                body: serde_json::from_str(&entry.body).unwrap_or(serde_json::Value::Null),
                received_at_ms: entry.received_at_ms,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_go_to_memory_and_file_as_json_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sent.jsonl");
        let recorder = Recorder::new(2, Some(&path)).unwrap();
        let body = serde_json::json!({"to": ["1", "2", "3"], "message": {"a": "b\nc"}});
        let sent: Vec<(String, String)> = ["1", "2", "3"]
            .iter()
            .map(|n| (n.to_string(), format!("id{n}")))
            .collect();
        recorder.record(&body, &sent).unwrap();
        let kept: Vec<String> = recorder
            .messages()
            .into_iter()
            .map(|m| m.recipient)
            .collect();
        assert_eq!(kept, ["2", "3"]);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<RecordedMessage> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].body, body);
        assert_eq!(lines[2].message_id, "id3");
    }
}
