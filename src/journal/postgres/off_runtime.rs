//! The synchronous `postgres` client blocks on a tokio runtime of its own to
//! connect, to run statements and to close. On a thread that is already
//! driving a runtime (the listener opens its journal from one) that panics,
//! so such work is moved to a thread of its own for its duration.

/// Runs `work` here, or on a scoped thread when this thread drives a runtime.
pub fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return work();
    }
    std::thread::scope(|scope| {
        scope
            .spawn(work)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// A `postgres::Client` that is closed off any runtime when dropped.
pub struct Client(Option<postgres::Client>);

impl Client {
    pub fn new(client: postgres::Client) -> Client {
        Client(Some(client))
    }
}

impl std::ops::Deref for Client {
    type Target = postgres::Client;

    fn deref(&self) -> &postgres::Client {
        self.0
            .as_ref()
            .expect("a client is taken only when dropped")
    }
}

impl std::ops::DerefMut for Client {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        self.0
            .as_mut()
            .expect("a client is taken only when dropped")
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            off_runtime(move || drop(client));
        }
    }
}
