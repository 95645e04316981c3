//! A staged rollout (`delivery.waves`): where a campaign stands among its
//! waves, how many recipients may go before the next gate, and the gates
//! themselves.
//!
//! Where it stands is read from how many of the campaign's recipients were
//! already tried, so a rerun, a resumed run and a CI job driving the rollout
//! one wave per run all agree. A wave ends when its last recipient is
//! handed out; once every answer is in, the rollout waits the wave's `wait`,
//! then checks its gates against the campaign's figures so far: the failed
//! share (sends the API refused and messages reported failed) of those tried,
//! and the delivered-or-read share of those sent. The gate after the last
//! wave is the last one: the recipients after it go without further gates.

use crate::campaign::Wave;
use jiff::Timestamp;
use serde::Serialize;
use std::time::Duration;

/// What the gates read: a campaign's figures so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaveFigures {
    /// Recipients whose send was tried: sent, failed or unknown.
    pub tried: u64,
    /// Sends the API refused.
    pub send_failed: u64,
    /// Messages the provider accepted.
    pub sent: u64,
    /// Of those, reported delivered or read.
    pub delivered: u64,
    /// Of those, reported failed.
    pub delivery_failed: u64,
}

/// A gate that did not pass, with its figures.
#[derive(Clone, Debug, PartialEq)]
pub struct GateFailure {
    /// The wave the gate follows, from 1.
    pub wave: usize,
    /// `max_failed_percent` or `min_delivered_percent`.
    pub gate: &'static str,
    pub limit: f64,
    pub count: u64,
    pub of: u64,
}

impl GateFailure {
    pub fn percent(&self) -> f64 {
        percent(self.count, self.of)
    }
}

impl std::fmt::Display for GateFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let GateFailure {
            wave,
            gate,
            limit,
            count,
            of,
        } = self;
        let share = self.percent();
        match *gate {
            MAX_FAILED => write!(
                f,
                "wave {wave}'s gate `max_failed_percent: {limit}` failed: {count} of {of} recipients tried so far failed ({share:.1}%)"
            ),
            _ => write!(
                f,
                "wave {wave}'s gate `min_delivered_percent: {limit}` failed: {count} of {of} messages sent so far were delivered or read ({share:.1}%)"
            ),
        }
    }
}

const MAX_FAILED: &str = "max_failed_percent";
const MIN_DELIVERED: &str = "min_delivered_percent";

fn percent(count: u64, of: u64) -> f64 {
    match of {
        0 => 0.0,
        of => count as f64 * 100.0 / of as f64,
    }
}

/// Where the rollout stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Wave `wave` (from 0) is being sent; `left` of it still may go.
    Open { wave: usize, left: u64 },
    /// Wave `after` was sent; the next goes once its gate passes at `at`.
    /// `ending` while its answers may still be coming in this run, so the
    /// wait starts only once they are in.
    Gate {
        after: usize,
        at: Timestamp,
        ending: bool,
    },
    /// Past the last gate: no further limit.
    Done,
}

/// A campaign's waves and where it stands among them.
#[derive(Clone, Debug)]
pub struct Rollout {
    waves: Vec<Wave>,
    /// Recipients tried by the end of each wave.
    ends: Vec<u64>,
    stage: Stage,
    /// The latest gate that did not pass, if the last check failed.
    failure: Option<GateFailure>,
}

impl Rollout {
    /// The rollout of a campaign of `total` recipients, `tried` of them
    /// already tried, the latest at `last_tried`; `None` without waves.
    pub fn new(
        waves: &[Wave],
        total: u64,
        tried: u64,
        last_tried: Option<Timestamp>,
        now: Timestamp,
    ) -> Option<Rollout> {
        if waves.is_empty() {
            return None;
        }
        let ends: Vec<u64> = waves
            .iter()
            .scan(0u64, |end, wave| {
                *end = end.saturating_add(wave.size.of(total));
                Some(*end)
            })
            .collect();
        let stage = match ends.iter().position(|end| *end > tried) {
            Some(0) => Stage::Open {
                wave: 0,
                left: ends[0] - tried,
            },
            Some(wave) if ends[wave - 1] < tried => Stage::Open {
                wave,
                left: ends[wave] - tried,
            },
            Some(wave) => gate_after(waves, wave - 1, last_tried, now),
            None if ends.last() == Some(&tried) => {
                gate_after(waves, waves.len() - 1, last_tried, now)
            }
            None => Stage::Done,
        };
        Some(Rollout {
            waves: waves.to_vec(),
            ends,
            stage,
            failure: None,
        })
    }

    /// Whether one more recipient may go now; if not, when the next wave
    /// can go (once its gate passes).
    pub fn admits(&self) -> Result<(), Timestamp> {
        match self.stage {
            Stage::Gate { at, .. } => Err(at),
            Stage::Open { .. } | Stage::Done => Ok(()),
        }
    }

    /// Counts one recipient let through at `now`; the wave's last one ends it.
    pub fn take(&mut self, now: Timestamp) {
        if let Stage::Open { wave, left } = &mut self.stage {
            *left -= 1;
            if *left == 0 {
                let wave = *wave;
                self.stage = Stage::Gate {
                    after: wave,
                    at: later(now, self.waves[wave].wait),
                    ending: true,
                };
            }
        }
    }

    /// How many more may go before the next gate; `None` without limit.
    pub fn quota(&self) -> Option<u64> {
        match self.stage {
            Stage::Open { left, .. } => Some(left),
            Stage::Gate { .. } => Some(0),
            Stage::Done => None,
        }
    }

    /// When the next gate can be checked: after the current wave ends, or
    /// the time a sent wave's gate is due.
    pub fn next_gate(&self, now: Timestamp) -> Option<Timestamp> {
        match self.stage {
            Stage::Open { wave, .. } => Some(later(now, self.waves[wave].wait)),
            Stage::Gate { at, .. } => Some(at),
            Stage::Done => None,
        }
    }

    /// Whether a wave was sent and its gate waits to be checked.
    pub fn awaiting_gate(&self) -> bool {
        matches!(self.stage, Stage::Gate { .. })
    }

    /// Every answer of the wave just sent is in, at `now`: its wait starts.
    pub fn answers_in(&mut self, now: Timestamp) {
        if let Stage::Gate {
            after,
            at,
            ending: ending @ true,
        } = &mut self.stage
        {
            *at = later(now, self.waves[*after].wait);
            *ending = false;
        }
    }

    /// Checks the gate a sent wave waits on against `figures`: passing
    /// opens the next wave (or ends the rollout after the last).
    pub fn check(&mut self, figures: &WaveFigures) -> Result<(), GateFailure> {
        let Stage::Gate { after, .. } = self.stage else {
            return Ok(());
        };
        let wave = &self.waves[after];
        let failed = figures.send_failed + figures.delivery_failed;
        let failure = |gate, limit, count, of| GateFailure {
            wave: after + 1,
            gate,
            limit,
            count,
            of,
        };
        let verdict =
            match (wave.max_failed_percent, wave.min_delivered_percent) {
                (Some(limit), _) if percent(failed, figures.tried) > limit => {
                    Err(failure(MAX_FAILED, limit, failed, figures.tried))
                }
                (_, Some(limit)) if percent(figures.delivered, figures.sent) < limit => Err(
                    failure(MIN_DELIVERED, limit, figures.delivered, figures.sent),
                ),
                _ => Ok(()),
            };
        match &verdict {
            Ok(()) => {
                self.stage = match self.ends.get(after + 1) {
                    Some(end) => Stage::Open {
                        wave: after + 1,
                        left: end - self.ends[after],
                    },
                    None => Stage::Done,
                };
                self.failure = None;
            }
            Err(failure) => self.failure = Some(failure.clone()),
        }
        verdict
    }

    /// The rollout as plans and apply summaries show it.
    pub fn summary(&self) -> WavesSummary {
        let (wave, state) = match self.stage {
            Stage::Open { wave, .. } => (Some(wave + 1), "sending"),
            Stage::Gate { after, .. } if self.failure.is_some() => (Some(after + 1), "gate failed"),
            Stage::Gate { after, .. } => (Some(after + 1), "waiting"),
            Stage::Done => (None, "done"),
        };
        WavesSummary {
            waves: self.waves.len(),
            wave,
            state,
            left_in_wave: match self.stage {
                Stage::Open { left, .. } => left,
                _ => 0,
            },
            gate_failed: self.failure.as_ref().map(ToString::to_string),
        }
    }
}

fn gate_after(
    waves: &[Wave],
    after: usize,
    last_tried: Option<Timestamp>,
    now: Timestamp,
) -> Stage {
    Stage::Gate {
        after,
        at: last_tried.map_or(now, |last| later(last, waves[after].wait)),
        ending: false,
    }
}

fn later(at: Timestamp, wait: Duration) -> Timestamp {
    jiff::SignedDuration::try_from(wait)
        .ok()
        .and_then(|wait| at.checked_add(wait).ok())
        .unwrap_or(at)
}

/// Where the rollout stands, in the `schedule` object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WavesSummary {
    /// How many waves the campaign declares.
    pub waves: usize,
    /// The wave being sent, or whose gate is awaited (from 1); `null` past
    /// the last gate.
    pub wave: Option<usize>,
    /// `sending`, `waiting` (for the gate after `wave`), `gate failed` or `done`.
    pub state: &'static str,
    /// Recipients of `wave` still to send.
    pub left_in_wave: u64,
    /// The gate that did not pass, with its figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate_failed: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::WaveSize;

    fn wave(
        size: WaveSize,
        wait: u64,
        max_failed: Option<f64>,
        min_delivered: Option<f64>,
    ) -> Wave {
        Wave {
            size,
            wait: Duration::from_secs(wait),
            max_failed_percent: max_failed,
            min_delivered_percent: min_delivered,
        }
    }

    fn waves() -> Vec<Wave> {
        vec![
            wave(WaveSize::Count(2), 60, Some(5.0), None),
            wave(WaveSize::Percent(10.0), 120, Some(3.0), Some(60.0)),
        ]
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap()
    }

    #[test]
    fn a_fresh_campaign_sends_its_first_wave_then_waits_for_its_answers() {
        let mut rollout = Rollout::new(&waves(), 100, 0, None, at(0)).unwrap();
        assert_eq!(rollout.quota(), Some(2));
        rollout.take(at(1));
        assert_eq!(rollout.admits(), Ok(()));
        rollout.take(at(2));
        assert_eq!(rollout.admits(), Err(at(62)));
        rollout.answers_in(at(10));
        assert_eq!(rollout.admits(), Err(at(70)));
        assert_eq!(rollout.summary().state, "waiting");
    }

    #[test]
    fn a_rerun_at_a_waves_end_waits_from_the_last_send() {
        let rollout = Rollout::new(&waves(), 100, 2, Some(at(0)), at(30)).unwrap();
        assert_eq!(rollout.admits(), Err(at(60)));
        let midway = Rollout::new(&waves(), 100, 5, Some(at(0)), at(30)).unwrap();
        assert_eq!(
            midway.quota(),
            Some(7),
            "wave 2 is 10% of 100 after the first 2"
        );
        let past = Rollout::new(&waves(), 100, 13, Some(at(0)), at(30)).unwrap();
        assert_eq!(past.quota(), None);
    }

    #[test]
    fn gates_name_the_figures_that_failed_them() {
        let mut rollout = Rollout::new(&waves(), 100, 2, Some(at(0)), at(0)).unwrap();
        let failing = WaveFigures {
            tried: 2,
            send_failed: 1,
            sent: 1,
            delivered: 1,
            delivery_failed: 0,
        };
        let failure = rollout.check(&failing).unwrap_err();
        assert_eq!(
            failure.to_string(),
            "wave 1's gate `max_failed_percent: 5` failed: 1 of 2 recipients tried so far failed (50.0%)"
        );
        assert!(rollout.awaiting_gate());
        let passing = WaveFigures {
            send_failed: 0,
            sent: 2,
            ..failing
        };
        assert_eq!(rollout.check(&passing), Ok(()));
        assert_eq!(rollout.quota(), Some(10));
    }

    #[test]
    fn a_delivery_gate_counts_delivered_or_read_of_those_sent() {
        let mut rollout = Rollout::new(&waves(), 100, 12, Some(at(0)), at(0)).unwrap();
        let figures = WaveFigures {
            tried: 12,
            send_failed: 0,
            sent: 12,
            delivered: 7,
            delivery_failed: 0,
        };
        let failure = rollout.check(&figures).unwrap_err();
        assert_eq!(failure.gate, MIN_DELIVERED);
        assert_eq!((failure.count, failure.of), (7, 12));
        let enough = WaveFigures {
            delivered: 8,
            ..figures
        };
        assert_eq!(rollout.check(&enough), Ok(()));
        assert_eq!(rollout.quota(), None, "after the last gate nothing limits");
    }
}
