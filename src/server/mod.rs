//! The shell both of wacast's local servers run in (`wacast sandbox` and
//! `wacast listen`): the loopback guard, binding with errors that name the
//! address, an accept loop that serves each connection with hyper, and a
//! shutdown that stops accepting and lets open requests finish. What the
//! servers answer is theirs; this module knows no route, provider or journal.

mod connection;
mod local_server;
mod server_error;

pub use connection::{ConnectionControl, until_stopped};
pub use local_server::{LocalServer, Role, check_loopback};
pub use server_error::ServerError;
