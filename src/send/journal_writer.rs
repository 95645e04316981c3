//! The journal's own thread. SQLite connections are not shared between
//! threads, and the senders are async tasks, so every journal call goes to
//! this thread over a channel. Writes that queue up while one commits are
//! committed together (group commit); each caller hears back only after its
//! change is durable, so a request is never sent before its intent is.

use crate::journal::{Change, Journal, PendingRow};
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Most changes committed in one transaction.
const GROUP: usize = 256;

enum Command {
    Pending {
        run: i64,
        after: u64,
        limit: usize,
        reply: oneshot::Sender<anyhow::Result<Vec<PendingRow>>>,
    },
    Write {
        changes: Vec<Change>,
        reply: Reply,
    },
}

/// Where a write hears whether it is durable.
type Reply = oneshot::Sender<Result<(), String>>;

/// A handle to the journal thread.
#[derive(Clone)]
pub struct JournalWriter {
    commands: mpsc::Sender<Command>,
}

impl JournalWriter {
    /// Moves `journal` to its own thread; the handle's thread returns it when
    /// every `JournalWriter` is dropped.
    pub fn spawn(
        journal: Journal,
    ) -> std::io::Result<(JournalWriter, std::thread::JoinHandle<Journal>)> {
        let (commands, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || serve(journal, &receiver))?;
        Ok((JournalWriter { commands }, thread))
    }

    /// Up to `limit` pending recipients of `run` after line `after`. The
    /// question is asked at once; the answer comes when it is awaited, so
    /// the next page can be read while this one is being sent.
    pub fn pending(
        &self,
        run: i64,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = anyhow::Result<Vec<PendingRow>>> + use<> {
        let (reply, answer) = oneshot::channel();
        let asked = self.send(Command::Pending {
            run,
            after,
            limit,
            reply,
        });
        async move {
            asked?;
            answer.await?
        }
    }

    /// Commits `changes` in one transaction; returns once they are durable.
    pub async fn write(&self, changes: Vec<Change>) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Write { changes, reply })
            .map_err(|e| e.to_string())?;
        answer
            .await
            .map_err(|_| "the journal thread stopped".to_owned())?
    }

    fn send(&self, command: Command) -> anyhow::Result<()> {
        self.commands
            .send(command)
            .map_err(|_| anyhow::anyhow!("the journal thread stopped"))
    }
}

fn serve(mut journal: Journal, receiver: &mpsc::Receiver<Command>) -> Journal {
    while let Ok(first) = receiver.recv() {
        let mut writes = Vec::new();
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Pending {
                    run,
                    after,
                    limit,
                    reply,
                } => {
                    let _ = reply.send(journal.pending(run, after, limit));
                }
                Command::Write { changes, reply } => writes.push((changes, reply)),
            }
            if writes.len() < GROUP {
                next = receiver.try_recv().ok();
            }
        }
        commit(&mut journal, writes);
    }
    journal
}

fn commit(journal: &mut Journal, writes: Vec<(Vec<Change>, Reply)>) {
    if writes.is_empty() {
        return;
    }
    let (changes, replies): (Vec<Vec<Change>>, Vec<_>) = writes.into_iter().unzip();
    let changes: Vec<Change> = changes.into_iter().flatten().collect();
    let result = journal
        .write(&changes)
        .map_err(|error| format!("{error:#}"));
    for reply in replies {
        let _ = reply.send(result.clone());
    }
}
