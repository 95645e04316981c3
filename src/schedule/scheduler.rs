//! Whether one recipient may be sent at a given time, and if not, why and
//! when they can go. Answers are memoised per zone set and minute, so a plan
//! of a million recipients asks the time-zone rules a few hundred times.

use super::capacity::Capacity;
use super::opening;
use super::recipient_zones::{RecipientZones, ZoneSetId, ZoneSource};
use crate::campaign::{Campaign, Window};
use crate::phone::Phone;
use jiff::Timestamp;
use std::collections::HashMap;

/// Why a recipient waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeferReason {
    /// Outside the delivery window in their time zone.
    Window,
    /// The sender reached its messaging limit for the last 24 hours.
    MessagingLimit,
    /// A wave of the staged rollout was sent; the next goes once its gate passes.
    Wave,
}

/// What may happen to a recipient now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Now,
    /// Not now; `at` is when they can go, `None` when no time in the next
    /// week is (a number whose zones never share the window, or no zone).
    Deferred {
        reason: DeferReason,
        at: Option<Timestamp>,
    },
}

/// A recipient's decision with where their zone came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    pub decision: Decision,
    pub source: Option<ZoneSource>,
    pub ambiguous: bool,
}

/// The scheduling a campaign declares.
pub struct Scheduler {
    window: Option<Window>,
    capacity: Option<Capacity>,
    zones: RecipientZones,
    /// Per zone set: the minute asked about and when the window is next
    /// open in all its zones (that minute when open now).
    memo: HashMap<ZoneSetId, (i64, Option<Timestamp>)>,
}

impl Scheduler {
    /// The campaign's scheduling, or `None` when it declares none. `reached`
    /// are the times (oldest first) of the recipients the campaign's sender
    /// reached in the last 24 hours, for the messaging limit.
    pub fn of(campaign: &Campaign, reached: Vec<Timestamp>) -> Option<Scheduler> {
        if campaign.window.is_none()
            && campaign.messaging_limit.is_none()
            && campaign.waves.is_empty()
        {
            return None;
        }
        Some(Scheduler {
            zones: RecipientZones::new(campaign.window.as_ref()),
            window: campaign.window.clone(),
            capacity: campaign
                .messaging_limit
                .map(|limit| Capacity::new(limit, reached)),
            memo: HashMap::new(),
        })
    }

    /// The messaging limit and how many the sender reached before, if limited.
    pub fn limit(&self) -> Option<(u64, u64)> {
        self.capacity
            .as_ref()
            .map(|c| (c.limit(), c.reached_before()))
    }

    /// Whether `phone` (with `column`, their time-zone column's zone, if
    /// given) may be sent at `now`; one let through takes a slot of the
    /// messaging limit.
    pub fn place(&mut self, phone: Phone, column: Option<&str>, now: Timestamp) -> Placed {
        let mut placed = match self.window.is_some() {
            true => self.in_window(phone, column, now),
            false => Placed {
                decision: Decision::Now,
                source: None,
                ambiguous: false,
            },
        };
        if placed.decision == Decision::Now
            && let Some(capacity) = &mut self.capacity
            && let Err(free) = capacity.take(now)
        {
            placed.decision = Decision::Deferred {
                reason: DeferReason::MessagingLimit,
                at: Some(free),
            };
        }
        placed
    }

    fn in_window(&mut self, phone: Phone, column: Option<&str>, now: Timestamp) -> Placed {
        let Some((set, source)) = self.zones.resolve(phone, column) else {
            return Placed {
                decision: Decision::Deferred {
                    reason: DeferReason::Window,
                    at: None,
                },
                source: None,
                ambiguous: false,
            };
        };
        let next = self.next_open(set, now);
        let decision = match next {
            Some(at) if at <= now => Decision::Now,
            at => Decision::Deferred {
                reason: DeferReason::Window,
                at,
            },
        };
        Placed {
            decision,
            source: Some(source),
            ambiguous: self.zones.is_ambiguous(set),
        }
    }

    fn next_open(&mut self, set: ZoneSetId, now: Timestamp) -> Option<Timestamp> {
        let minute = now.as_second().div_euclid(60);
        if let Some((asked, next)) = self.memo.get(&set)
            && *asked == minute
        {
            return next.map(|at| at.max(now));
        }
        let start = Timestamp::from_second(minute * 60).unwrap_or(now);
        let Some(window) = &self.window else {
            return Some(now);
        };
        let next = opening::next_open_in_all(window, self.zones.zones(set), start);
        self.memo.insert(set, (minute, next));
        next.map(|at| at.max(now))
    }
}
