//! wacast's integration tests: one binary, one module per area. They run the
//! real `wacast` binary in temporary folders (see `support`).

mod answers;
mod apply;
mod architecture;
mod cases;
mod conversation;
mod disk_full;
mod durability;
mod examples;
mod fates;
mod link;
mod listen;
mod listener_limits;
mod lost_journal;
mod meta_cloud;
mod plan;
mod plan_file;
mod postgres;
mod renamed;
mod review;
mod sandbox;
mod sandbox_reports;
mod schedule;
mod schema;
mod shared_journal;
mod state_files;
mod status;
mod support;
mod transport;
mod waves;
