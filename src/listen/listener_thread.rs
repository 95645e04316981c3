//! A listener on a tokio runtime of its own, for a caller that runs none
//! across the listener's life: `apply --sandbox` starts one on its journal to
//! record the embedded sandbox's simulated delivery reports while it sends on
//! a runtime of its own, and stops it once sending has ended.

use super::{ListenConfig, ListenError, Listener, ListenerHandle};
use tokio::runtime::Runtime;

/// A running listener and the runtime it runs on.
pub struct ListenerThread {
    runtime: Runtime,
    handle: ListenerHandle,
}

impl ListenerThread {
    /// Starts a listener as [`Listener::start`] does, serving on a thread of
    /// its own. Must not be called from within a tokio runtime.
    pub fn start(config: ListenConfig) -> Result<ListenerThread, ListenError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("wacast-listen")
            .enable_all()
            .build()
            .map_err(ListenError::Runtime)?;
        let handle = runtime.block_on(Listener::start(config))?;
        Ok(ListenerThread { runtime, handle })
    }

    pub fn handle(&self) -> &ListenerHandle {
        &self.handle
    }

    /// Stops accepting, lets open requests finish and waits until every
    /// accepted callback is committed.
    pub fn shutdown(self) {
        let ListenerThread { runtime, handle } = self;
        runtime.block_on(handle.shutdown());
    }
}
