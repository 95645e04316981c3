//! The shell both of wacast's local servers run in (`wacast sandbox` and
//! `wacast listen`): the loopback guard, binding with errors that name the
//! address, an accept loop that serves each connection with hyper, the
//! limits that let it face a network (timeouts, a cap on connections and on
//! request bodies in memory), and a shutdown that stops accepting and lets
//! open requests finish. What the
//! servers answer is theirs; this module knows no route, provider or journal.

mod connection;
mod limits;
mod local_server;
mod server_error;
mod timed_body;

pub use connection::{ConnectionControl, until_stopped};
pub use limits::Limits;
pub use local_server::{LocalServer, Role, check_loopback};
pub use server_error::ServerError;
pub use timed_body::BodyRefused;

/// The [`BodyRefused`] somewhere in `error`'s chain of causes, if any.
pub fn body_refused<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e BodyRefused> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(refused) = error.downcast_ref::<BodyRefused>() {
            return Some(refused);
        }
        cause = error.source();
    }
    None
}
