//! A staged rollout read from the journal, for plan and apply alike: the
//! figures its gates check and when the campaign last sent.

use crate::campaign::Wave;
use crate::journal::DeliverySummary;
use crate::schedule::{Rollout, WaveFigures};
use jiff::Timestamp;

/// The figures of `summary` the gates read.
pub fn of(summary: &DeliverySummary) -> WaveFigures {
    let states = &summary.states;
    WaveFigures {
        tried: states.sent + states.failed + states.unknown,
        send_failed: states.failed,
        sent: summary.funnel.sent,
        delivered: summary.funnel.delivered,
        delivery_failed: summary.funnel.failed,
    }
}

/// The campaign's rollout with `total` recipients, `tried` of them tried,
/// read against the journal's `summary` at `now`: a sent wave whose gate is
/// due is checked here, so the rollout says what may go now. `None` without
/// waves.
pub fn rollout(
    waves: &[Wave],
    total: u64,
    tried: u64,
    summary: Option<&DeliverySummary>,
    now: Timestamp,
) -> Option<Rollout> {
    let last_tried = summary
        .and_then(|s| s.last_tried_at.as_deref())
        .and_then(|at| at.parse::<Timestamp>().ok());
    let mut rollout = Rollout::new(waves, total, tried, last_tried, now)?;
    if rollout.next_gate(now).is_some_and(|at| at <= now) && rollout.awaiting_gate() {
        let figures = summary.map(of).unwrap_or_default();
        let _ = rollout.check(&figures);
    }
    Some(rollout)
}
