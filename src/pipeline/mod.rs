//! The one pipeline behind validate, plan and apply: load, then stream every
//! row through rendering and checks in parallel, one outcome per row.

mod loaded;
pub mod parallel;
pub mod row_check;

pub use loaded::*;
