//! The providers wacast sends through.

pub mod connector;
pub mod send_error;
pub mod sinch_v1;
