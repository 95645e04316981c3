//! The schedule as people read it, in plans, apply's lines and status: the
//! window, who goes now, who waits and why, and when the next can go.

use crate::campaign::{Window, WindowZone};
use crate::schedule::{ScheduleSummary, WavesSummary};
use std::fmt::Write as _;

/// `09:00-20:00 in each recipient's time zone, mon, tue`.
pub fn window(window: &Window) -> String {
    let zone = match &window.time_zone {
        WindowZone::Recipient => "in each recipient's time zone".to_owned(),
        WindowZone::Fixed(name) => format!("in {name}"),
    };
    format!("{} {zone}, {}", window.hours(), window.days_text())
}

/// The schedule's lines for a text plan, each with its label.
pub fn lines(window: Option<&Window>, summary: &ScheduleSummary) -> String {
    let mut out = String::new();
    if let Some(w) = window {
        let _ = writeln!(out, "window    {}", self::window(w));
    }
    let _ = writeln!(out, "schedule  {}", verdict(summary));
    if let Some(waves) = &summary.waves {
        let _ = writeln!(out, "waves     {}", self::waves(waves));
    }
    let zones = &summary.time_zones;
    if zones.from_number + zones.from_column > 0 {
        let _ = writeln!(
            out,
            "zones     {} from the number, {} from the time-zone column, {} ambiguous (sent only when the window is open in all their zones)",
            zones.from_number, zones.from_column, zones.ambiguous
        );
    }
    if let Some(f) = &summary.forecast {
        let _ = writeln!(
            out,
            "limit     {} unique recipient(s) per rolling 24 h for this sender, {} reached in the last 24 h: {} to send take about {} day(s)",
            f.messaging_limit, f.reached_last_24h, f.to_send, f.days
        );
    }
    if summary.never_in_window > 0 {
        let _ = writeln!(
            out,
            "warning   {} recipient(s) have zones that never share the window within a week: they wait until given a zone (`audience.time_zone_column`)",
            summary.never_in_window
        );
    }
    out
}

/// `wave 1 of 2: sending, 2 left in the wave`, or where the rollout waits.
pub fn waves(waves: &WavesSummary) -> String {
    let of = waves.waves;
    match (waves.wave, &waves.gate_failed) {
        (Some(_), Some(failed)) => format!("{failed}: nothing more goes until it passes"),
        (Some(wave), None) if waves.state == "sending" => format!(
            "wave {wave} of {of}: sending, {} left in the wave",
            waves.left_in_wave
        ),
        (Some(wave), None) => format!(
            "wave {wave} of {of} was sent: the recipients after it wait for its gate, checked once its wait has passed"
        ),
        (None, _) => {
            format!("all {of} wave(s) passed their gates: the rest go without further gates")
        }
    }
}

/// `at T: 5 to send now, 3 deferred (window 3, wave 0, messaging limit 0); next at T2`.
pub fn verdict(summary: &ScheduleSummary) -> String {
    let by = &summary.deferred_by;
    let mut line = format!(
        "at {}: {} to send now, {} deferred (window {}, wave {}, messaging limit {})",
        summary.now, summary.send_now, summary.deferred, by.window, by.wave, by.messaging_limit
    );
    if let Some(next) = &summary.next_send_at {
        let _ = write!(line, "; the next can go at {next}");
    }
    line
}
