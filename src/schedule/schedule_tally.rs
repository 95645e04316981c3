//! How the recipients to send were placed: counted as a plan or an apply
//! goes, and turned into the `schedule` object plans and apply summaries
//! show.

use super::recipient_zones::ZoneSource;
use super::scheduler::{Decision, DeferReason, Placed};
use jiff::Timestamp;
use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScheduleTally {
    pub send_now: u64,
    pub deferred_window: u64,
    pub deferred_limit: u64,
    pub deferred_wave: u64,
    /// The messaging limit and how many the sender reached in the 24 hours
    /// before, when the campaign declares a limit.
    pub limit: Option<(u64, u64)>,
    /// The earliest time a deferred recipient can go.
    pub next: Option<Timestamp>,
    /// Deferred recipients with no time to go within a week.
    pub never: u64,
    pub from_column: u64,
    pub from_number: u64,
    pub from_window: u64,
    pub ambiguous: u64,
}

impl ScheduleTally {
    pub fn add(&mut self, placed: Placed) {
        match placed.decision {
            Decision::Now => self.send_now += 1,
            Decision::Deferred { reason, at } => {
                match reason {
                    DeferReason::Window => self.deferred_window += 1,
                    DeferReason::MessagingLimit => self.deferred_limit += 1,
                    DeferReason::Wave => self.deferred_wave += 1,
                }
                match at {
                    Some(at) => self.next = Some(self.next.map_or(at, |next| next.min(at))),
                    None => self.never += 1,
                }
            }
        }
        match placed.source {
            Some(ZoneSource::Column) => self.from_column += 1,
            Some(ZoneSource::Number) => self.from_number += 1,
            Some(ZoneSource::Window) => self.from_window += 1,
            None => {}
        }
        self.ambiguous += u64::from(placed.ambiguous);
    }

    pub fn deferred(&self) -> u64 {
        self.deferred_window + self.deferred_limit + self.deferred_wave
    }

    /// Defers those counted to send now past `quota` (the rest of the
    /// current wave) to the next wave, which can go at `at` at the earliest.
    pub fn defer_to_next_wave(&mut self, quota: Option<u64>, at: Option<Timestamp>) {
        let Some(quota) = quota else { return };
        let moved = self.send_now.saturating_sub(quota);
        if moved == 0 {
            return;
        }
        self.send_now -= moved;
        self.deferred_wave += moved;
        if let Some(at) = at {
            self.next = Some(self.next.map_or(at, |next| next.min(at)));
        }
    }

    /// The `schedule` object as of `now`.
    pub fn summary(&self, now: Timestamp) -> ScheduleSummary {
        ScheduleSummary {
            now: now.to_string(),
            send_now: self.send_now,
            deferred: self.deferred(),
            next_send_at: self.next.map(|at| at.to_string()),
            deferred_by: DeferredBy {
                window: self.deferred_window,
                wave: self.deferred_wave,
                messaging_limit: self.deferred_limit,
            },
            forecast: self.limit.map(|(limit, reached)| {
                Forecast::of(limit, reached, self.send_now + self.deferred())
            }),
            never_in_window: self.never,
            waves: None,
            time_zones: ZoneCounts {
                from_column: self.from_column,
                from_number: self.from_number,
                from_window: self.from_window,
                ambiguous: self.ambiguous,
            },
        }
    }
}

/// Who may be sent now and when the rest can go, as plans and apply
/// summaries show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScheduleSummary {
    /// The time the schedule was read at (RFC 3339).
    pub now: String,
    pub send_now: u64,
    pub deferred: u64,
    /// The earliest time a deferred recipient can go (RFC 3339), if any.
    pub next_send_at: Option<String>,
    pub deferred_by: DeferredBy,
    /// Deferred recipients whose zones never share the window in a week.
    pub never_in_window: u64,
    pub time_zones: ZoneCounts,
    /// Where a staged rollout stands, when the campaign declares waves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waves: Option<super::rollout::WavesSummary>,
    /// Under a messaging limit: how many days sending everyone takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast: Option<Forecast>,
}

/// How long the messaging limit makes sending take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Forecast {
    pub messaging_limit: u64,
    /// Unique recipients the sender reached in the 24 hours before.
    pub reached_last_24h: u64,
    /// Recipients to send.
    pub to_send: u64,
    /// Days (rolling 24-hour periods) sending them needs at the limit, the
    /// first one what is left of the current period; windows may add more.
    pub days: u64,
}

impl Forecast {
    pub fn of(limit: u64, reached: u64, to_send: u64) -> Forecast {
        let first = limit.saturating_sub(reached);
        let days = match to_send {
            0 => 0,
            n if n <= first => 1,
            n => 1 + (n - first).div_ceil(limit.max(1)),
        };
        Forecast {
            messaging_limit: limit,
            reached_last_24h: reached,
            to_send,
            days,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeferredBy {
    pub window: u64,
    pub wave: u64,
    pub messaging_limit: u64,
}

/// Where the recipients' time zones came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZoneCounts {
    pub from_column: u64,
    pub from_number: u64,
    /// `delivery.window.time_zone` named one zone for everyone.
    pub from_window: u64,
    /// Recipients with several candidate zones, sent only when the window
    /// is open in all of them.
    pub ambiguous: u64,
}
