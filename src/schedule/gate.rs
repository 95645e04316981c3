//! Apply's side of the schedule: each pending recipient is placed at the
//! moment it is dispatched, on the one clock; those who may not go now stay
//! pending in the journal (never failed or skipped), and a later apply, or
//! this one with `--wait`, sends them. A pass over the pending recipients is
//! counted on its own, so the last pass says who is still waiting and when
//! the next can go.

use super::clock::Clock;
use super::column_zones::ColumnZones;
use super::schedule_tally::{ScheduleSummary, ScheduleTally};
use super::scheduler::{Decision, Scheduler};
use crate::phone::Phone;
use jiff::Timestamp;

pub struct Gate {
    scheduler: Scheduler,
    column_zones: ColumnZones,
    clock: Clock,
    /// The current (or last) pass.
    pass: ScheduleTally,
    pass_at: Timestamp,
    /// Recipients let through over the whole run.
    admitted: u64,
}

impl Gate {
    pub fn new(scheduler: Scheduler, column_zones: ColumnZones, clock: Clock) -> Gate {
        Gate {
            scheduler,
            column_zones,
            pass_at: clock.now_seconds(),
            clock,
            pass: ScheduleTally::default(),
            admitted: 0,
        }
    }

    /// Starts a pass over the pending recipients.
    pub fn begin_pass(&mut self) {
        self.pass = ScheduleTally::default();
        self.pass_at = self.clock.now_seconds();
    }

    /// Whether `phone` may be sent now; counted in the pass either way.
    pub fn admit(&mut self, phone: Phone) -> bool {
        let now = self.clock.now();
        let placed = self
            .scheduler
            .place(phone, self.column_zones.get(phone), now);
        self.pass.add(placed);
        let admitted = placed.decision == Decision::Now;
        self.admitted += u64::from(admitted);
        admitted
    }

    /// Recipients the last pass left waiting.
    pub fn deferred(&self) -> u64 {
        self.pass.deferred()
    }

    /// When the first of them can go, and how long that is from now on the
    /// clock (zero when it is already due).
    pub fn next_opening(&self) -> Option<(Timestamp, std::time::Duration)> {
        let next = self.pass.next?;
        let wait = self.clock.now().duration_until(next);
        Some((
            next,
            std::time::Duration::try_from(wait).unwrap_or_default(),
        ))
    }

    /// The `schedule` object of the run: the last pass, with everyone let
    /// through over the run as sent now.
    pub fn summary(&self) -> ScheduleSummary {
        let mut tally = self.pass.clone();
        tally.send_now = self.admitted;
        tally.limit = self.scheduler.limit();
        tally.summary(self.pass_at)
    }
}
