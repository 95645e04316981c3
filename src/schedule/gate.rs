//! Apply's side of the schedule: each pending recipient is placed at the
//! moment it is dispatched, on the one clock; those who may not go now stay
//! pending in the journal (never failed or skipped), and a later apply, or
//! this one with `--wait`, sends them. A pass over the pending recipients is
//! counted on its own, so the last pass says who is still waiting and when
//! the next can go. Under a staged rollout, a recipient goes only while its
//! wave is open; the dispatcher checks the gate after each wave.

use super::clock::Clock;
use super::column_zones::ColumnZones;
use super::rollout::{GateFailure, Rollout, WaveFigures};
use super::schedule_tally::{ScheduleSummary, ScheduleTally};
use super::scheduler::{Decision, DeferReason, Placed, Scheduler};
use crate::phone::Phone;
use jiff::Timestamp;

pub struct Gate {
    scheduler: Scheduler,
    column_zones: ColumnZones,
    clock: Clock,
    rollout: Option<Rollout>,
    /// The current (or last) pass.
    pass: ScheduleTally,
    pass_at: Timestamp,
    /// Recipients let through over the whole run.
    admitted: u64,
}

impl Gate {
    pub fn new(
        scheduler: Scheduler,
        column_zones: ColumnZones,
        clock: Clock,
        rollout: Option<Rollout>,
    ) -> Gate {
        Gate {
            scheduler,
            column_zones,
            pass_at: clock.now_seconds(),
            clock,
            rollout,
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
        if let Some(Err(at)) = self.rollout.as_ref().map(Rollout::admits) {
            self.pass.add(Placed {
                decision: Decision::Deferred {
                    reason: DeferReason::Wave,
                    at: Some(at),
                },
                source: None,
                ambiguous: false,
            });
            return false;
        }
        let placed = self
            .scheduler
            .place(phone, self.column_zones.get(phone), now);
        self.pass.add(placed);
        let admitted = placed.decision == Decision::Now;
        self.admitted += u64::from(admitted);
        if admitted && let Some(rollout) = &mut self.rollout {
            rollout.take(now);
        }
        admitted
    }

    /// Recipients the last pass left waiting.
    pub fn deferred(&self) -> u64 {
        self.pass.deferred()
    }

    /// Recipients the last pass left waiting for the next wave.
    pub fn deferred_by_wave(&self) -> u64 {
        self.pass.deferred_wave
    }

    /// When the first of them can go, and how long that is from now on the
    /// clock (zero when it is already due).
    pub fn next_opening(&self) -> Option<(Timestamp, std::time::Duration)> {
        let next = self.pass.next?;
        Some((next, self.until(next)))
    }

    /// When a sent wave's gate is due, and how long that is from now; `None`
    /// while no wave waits on its gate.
    pub fn wave_gate(&self) -> Option<(Timestamp, std::time::Duration)> {
        let rollout = self.rollout.as_ref().filter(|r| r.awaiting_gate())?;
        let at = rollout.next_gate(self.clock.now())?;
        Some((at, self.until(at)))
    }

    /// Every answer of the wave just sent is in: its wait starts now.
    pub fn wave_answers_in(&mut self) {
        let now = self.clock.now();
        if let Some(rollout) = &mut self.rollout {
            rollout.answers_in(now);
        }
    }

    /// Checks the gate the sent wave waits on against the campaign's figures.
    pub fn check_wave_gate(&mut self, figures: &WaveFigures) -> Result<(), GateFailure> {
        match &mut self.rollout {
            Some(rollout) => rollout.check(figures),
            None => Ok(()),
        }
    }

    fn until(&self, at: Timestamp) -> std::time::Duration {
        let wait = self.clock.now().duration_until(at);
        std::time::Duration::try_from(wait).unwrap_or_default()
    }

    /// The `schedule` object of the run: the last pass, with everyone let
    /// through over the run as sent now.
    pub fn summary(&self) -> ScheduleSummary {
        let mut tally = self.pass.clone();
        tally.send_now = self.admitted;
        tally.limit = self.scheduler.limit();
        let mut summary = tally.summary(self.pass_at);
        summary.waves = self.rollout.as_ref().map(Rollout::summary);
        summary
    }
}
