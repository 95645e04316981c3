//! Why a listener could not start.

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// The address could not be bound, or is not loopback.
    #[error(transparent)]
    Server(#[from] crate::server::ServerError),
    /// No journal at the state location, and no campaign to create one for:
    /// what it acknowledged would reach no journal the campaigns are in.
    #[error(
        "there is no journal at `{location}`: the listener would acknowledge reports and opt-outs \
         that no campaign's journal ever sees; give the state that holds the campaigns' journal \
         with `--state`, or name the campaigns with `--campaign FILE` to create it for them"
    )]
    NoJournal { location: String },
    #[error(transparent)]
    Journal(#[from] anyhow::Error),
    /// The runtime of a [`super::ListenerThread`] could not be built.
    #[error("cannot start the listener's runtime: {0}")]
    Runtime(std::io::Error),
}
