//! The journal's own thread. SQLite connections are not shared between
//! threads, and the senders are async tasks, so every journal call goes to
//! this thread over a channel. Writes that queue up while one commits are
//! committed together (group commit); each caller hears back only after its
//! change is durable, so a request is never sent before its intent is.
//!
//! Pending recipients are read on a second thread with its own connection
//! (WAL lets it read while the first writes), so reading a page never holds
//! up a commit that senders wait for.

use crate::journal::{Change, Journal, PendingRow};
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Most changes committed in one transaction.
const GROUP: usize = 256;

/// A write to commit, and where to say whether it is durable.
struct Write {
    changes: Vec<Change>,
    reply: Reply,
}

/// A page of pending recipients to read.
struct Page {
    run: i64,
    after: u64,
    limit: usize,
    reply: oneshot::Sender<anyhow::Result<Vec<PendingRow>>>,
}

/// Where a write hears whether it is durable.
type Reply = oneshot::Sender<Result<(), String>>;

/// A handle to the journal thread.
#[derive(Clone)]
pub struct JournalWriter {
    writes: mpsc::Sender<Write>,
    pages: mpsc::Sender<Page>,
}

impl JournalWriter {
    /// Moves `journal` to its own thread, and opens a reader beside it; the
    /// handle's thread returns the journal when every `JournalWriter` is
    /// dropped.
    pub fn spawn(
        journal: Journal,
    ) -> anyhow::Result<(JournalWriter, std::thread::JoinHandle<Journal>)> {
        let reader = journal.reader()?;
        let (pages, asked) = mpsc::channel();
        std::thread::Builder::new()
            .name("journal-reader".into())
            .spawn(move || read(&reader, &asked))?;
        let (writes, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || serve(journal, &receiver))?;
        Ok((JournalWriter { writes, pages }, thread))
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
        let asked = self.pages.send(Page {
            run,
            after,
            limit,
            reply,
        });
        async move {
            asked.map_err(|_| anyhow::anyhow!("the journal reader stopped"))?;
            answer.await?
        }
    }

    /// Commits `changes` in one transaction; returns once they are durable.
    pub async fn write(&self, changes: Vec<Change>) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        let stopped = || "the journal thread stopped".to_owned();
        self.writes
            .send(Write { changes, reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn read(reader: &Journal, asked: &mpsc::Receiver<Page>) {
    while let Ok(page) = asked.recv() {
        let _ = page
            .reply
            .send(reader.pending(page.run, page.after, page.limit));
    }
}

fn serve(mut journal: Journal, receiver: &mpsc::Receiver<Write>) -> Journal {
    while let Ok(first) = receiver.recv() {
        let mut writes = vec![first];
        while writes.len() < GROUP {
            match receiver.try_recv() {
                Ok(write) => writes.push(write),
                Err(_) => break,
            }
        }
        commit(&mut journal, writes);
    }
    journal
}

fn commit(journal: &mut Journal, writes: Vec<Write>) {
    let (changes, replies): (Vec<Vec<Change>>, Vec<_>) = writes
        .into_iter()
        .map(|write| (write.changes, write.reply))
        .unzip();
    let changes: Vec<Change> = changes.into_iter().flatten().collect();
    let result = journal
        .write(&changes)
        .map_err(|error| format!("{error:#}"));
    for reply in replies {
        let _ = reply.send(result.clone());
    }
}
