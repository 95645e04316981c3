//! The journal's own thread, for apply's senders and the listener alike. The
//! callers are async tasks and a backend's connection belongs to one thread,
//! so every write goes to this thread over a channel. Jobs that queue up
//! while one group commits are committed together, up to a limit, in one
//! transaction (group commit); each caller hears back only after the commit,
//! so a request is never sent before its intent is durable and a callback is
//! never acknowledged before it is.
//!
//! Pending recipients are read on a second thread with the backend's reader
//! connection, so reading a page never holds up a commit that senders wait for.

use super::{Backend, Change, DeliveryWriter, Pending, PendingRow};
use std::sync::mpsc as pages;
use tokio::sync::{mpsc, oneshot};

/// Work for one callback, run inside its own savepoint.
pub type DeliveryJob<R> = Box<dyn FnOnce(&dyn DeliveryWriter) -> anyhow::Result<R> + Send>;

/// The writer's thread, which gives the backend back when it ends.
pub type WriterThread = std::thread::JoinHandle<Box<dyn Backend>>;

/// What the writer thread commits.
enum Job<R> {
    /// Recipients' changes, all or nothing with the rest of their group.
    Write {
        changes: Vec<Change>,
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// One callback's reports and opt-outs, kept or rolled back on its own.
    Deliveries {
        job: DeliveryJob<R>,
        reply: oneshot::Sender<Result<R, String>>,
    },
}

/// A page of pending recipients to read.
struct Page {
    run: i64,
    after: u64,
    limit: usize,
    reply: oneshot::Sender<anyhow::Result<Vec<PendingRow>>>,
}

/// A handle to the writer thread; `R` is what a delivery job answers.
pub struct JournalWriter<R = ()> {
    jobs: mpsc::Sender<Job<R>>,
    pages: Option<pages::Sender<Page>>,
}

impl<R> Clone for JournalWriter<R> {
    fn clone(&self) -> Self {
        JournalWriter {
            jobs: self.jobs.clone(),
            pages: self.pages.clone(),
        }
    }
}

const STOPPED: &str = "the journal writer has stopped";

impl<R: Send + 'static> JournalWriter<R> {
    /// Moves `backend` to its own thread, committing up to `group` jobs at
    /// once, with a reader thread beside it for pending pages. The thread
    /// gives the backend back once every handle is dropped and the waiting
    /// jobs are committed.
    pub fn spawn(
        backend: Box<dyn Backend>,
        group: usize,
    ) -> anyhow::Result<(JournalWriter<R>, WriterThread)> {
        let reader = backend.reader()?;
        let (pages, asked) = pages::channel();
        std::thread::Builder::new()
            .name("journal-reader".into())
            .spawn(move || read(reader.as_ref(), &asked))?;
        let (writer, thread) = JournalWriter::spawn_without_reader(backend, group)?;
        Ok((
            JournalWriter {
                pages: Some(pages),
                ..writer
            },
            thread,
        ))
    }

    /// [`JournalWriter::spawn`] without pending pages, for a writer that only
    /// records (the listener).
    pub fn spawn_without_reader(
        backend: Box<dyn Backend>,
        group: usize,
    ) -> anyhow::Result<(JournalWriter<R>, WriterThread)> {
        let group = group.max(1);
        let (jobs, receiver) = mpsc::channel(group * 4);
        let thread = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || serve(backend, receiver, group))?;
        Ok((JournalWriter { jobs, pages: None }, thread))
    }

    /// Up to `limit` pending recipients of `run` after line `after`. The
    /// question is asked at once; the answer comes when it is awaited, so
    /// the next page can be read while this one is being sent.
    pub fn pending(
        &self,
        run: i64,
        after: u64,
        limit: usize,
    ) -> impl Future<Output = anyhow::Result<Vec<PendingRow>>> + use<R> {
        let (reply, answer) = oneshot::channel();
        let asked = self.pages.as_ref().map(|pages| {
            pages.send(Page {
                run,
                after,
                limit,
                reply,
            })
        });
        async move {
            match asked {
                Some(Ok(())) => answer.await?,
                _ => anyhow::bail!("the journal reader stopped"),
            }
        }
    }

    /// Whether the writer thread still takes jobs.
    pub fn is_running(&self) -> bool {
        !self.jobs.is_closed()
    }

    /// Commits `changes` in one transaction; returns once they are durable.
    pub async fn write(&self, changes: Vec<Change>) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Write { changes, reply }).await?;
        answer.await.map_err(|_| STOPPED.to_owned())?
    }

    /// Runs `job` in its own savepoint and answers once its batch is
    /// committed; an error means nothing of it was kept.
    pub async fn deliveries(&self, job: DeliveryJob<R>) -> Result<R, String> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Deliveries { job, reply }).await?;
        answer.await.map_err(|_| STOPPED.to_owned())?
    }

    async fn submit(&self, job: Job<R>) -> Result<(), String> {
        self.jobs.send(job).await.map_err(|_| STOPPED.to_owned())
    }
}

fn read(reader: &dyn Pending, asked: &pages::Receiver<Page>) {
    while let Ok(page) = asked.recv() {
        let _ = page
            .reply
            .send(reader.pending(page.run, page.after, page.limit));
    }
}

fn serve<R>(
    mut backend: Box<dyn Backend>,
    mut receiver: mpsc::Receiver<Job<R>>,
    group: usize,
) -> Box<dyn Backend> {
    while let Some(first) = receiver.blocking_recv() {
        let mut jobs = vec![first];
        while jobs.len() < group {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let mut writes = Vec::new();
        let mut deliveries = Vec::new();
        for job in jobs {
            match job {
                Job::Write { changes, reply } => writes.push((changes, reply)),
                Job::Deliveries { job, reply } => deliveries.push((job, reply)),
            }
        }
        if !writes.is_empty() {
            commit_writes(backend.as_mut(), writes);
        }
        if !deliveries.is_empty() {
            commit_deliveries(backend.as_mut(), deliveries);
        }
    }
    backend
}

type Reply<T> = oneshot::Sender<Result<T, String>>;

fn commit_writes(backend: &mut dyn Backend, writes: Vec<(Vec<Change>, Reply<()>)>) {
    let (changes, replies): (Vec<Vec<Change>>, Vec<_>) = writes.into_iter().unzip();
    let changes: Vec<Change> = changes.into_iter().flatten().collect();
    let result = backend
        .write(&changes)
        .map_err(|error| format!("{error:#}"));
    for reply in replies {
        let _ = reply.send(result.clone());
    }
}

fn commit_deliveries<R>(backend: &mut dyn Backend, jobs: Vec<(DeliveryJob<R>, Reply<R>)>) {
    let mut batch = match backend.delivery_batch() {
        Ok(batch) => batch,
        Err(error) => return refuse_all(jobs.into_iter().map(|(_, reply)| reply), &error),
    };
    let mut answers = Vec::with_capacity(jobs.len());
    for (job, reply) in jobs {
        let result = batch.job(job).map_err(|error| format!("{error:#}"));
        answers.push((reply, result));
    }
    if let Err(error) = batch.commit() {
        return refuse_all(answers.into_iter().map(|(reply, _)| reply), &error);
    }
    for (reply, result) in answers {
        let _ = reply.send(result);
    }
}

fn refuse_all<R>(replies: impl Iterator<Item = Reply<R>>, error: &anyhow::Error) {
    let message = format!("{error:#}");
    for reply in replies {
        let _ = reply.send(Err(message.clone()));
    }
}
