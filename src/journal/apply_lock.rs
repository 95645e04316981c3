//! One apply per campaign at a time: the guard a backend hands out when it
//! takes the campaign's lock. The lock is released when the guard is dropped,
//! and by the backend's own means when the process dies however it dies.

pub struct ApplyLock {
    _held: Box<dyn Send>,
}

impl ApplyLock {
    /// A guard that holds the lock as long as `held` lives.
    pub fn new(held: impl Send + 'static) -> ApplyLock {
        ApplyLock {
            _held: Box::new(held),
        }
    }
}
