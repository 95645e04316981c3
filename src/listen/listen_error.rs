//! Why a listener could not start.

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// The address could not be bound, or is not loopback.
    #[error(transparent)]
    Server(#[from] crate::server::ServerError),
    #[error(transparent)]
    Journal(#[from] anyhow::Error),
}
