//! Who may be sent now: the delivery window read in each recipient's own
//! time zone, the sender's messaging limit and the campaign's staged waves
//! (`rollout`), on one clock (the system's,
//! or `WACAST_NOW`). Plans classify
//! every recipient to send as now or deferred with a reason and a time;
//! apply asks the same question of each recipient as it dispatches them.
//!
//! It knows campaigns and numbers, not plans, journals or providers.

pub mod capacity;
pub mod clock;
mod column_zones;
mod gate;
mod opening;
mod recipient_zones;
mod rollout;
mod schedule_tally;
mod scheduler;

pub use clock::Clock;
pub use column_zones::ColumnZones;
pub use gate::Gate;
pub use recipient_zones::{ZoneSetId, ZoneSource};
pub use rollout::{GateFailure, Rollout, WaveFigures, WavesSummary};
pub use schedule_tally::{DeferredBy, Forecast, ScheduleSummary, ScheduleTally, ZoneCounts};
pub use scheduler::{Decision, DeferReason, Placed, Scheduler};
