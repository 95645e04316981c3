//! The sandbox's random choices, made from seeded generators so a fixed seed
//! replays a run: which fault each request meets, how long it waits, when the
//! token is revoked, each message id, and which deliveries fail. Separate
//! generators keep one kind of choice from shifting another.

use super::{Faults, Latency, RecipientFate};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::time::Duration;
use ulid::Ulid;

/// What happens to one send request, decided before it is looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered as Sinch would: 201, 400 or 401.
    Normal,
    /// 429 with `Retry-After`.
    Throttle { retry_after_secs: u64 },
    /// 503.
    Unavailable,
    /// 500.
    ServerError,
    /// Recorded if valid, then the connection is closed without an answer.
    LoseAnswer,
    /// Held without an answer until shutdown.
    Hang,
}

/// The fault choice and pause for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub latency: Option<Duration>,
    pub outcome: Outcome,
}

/// The current faults with the generators that apply them.
pub struct FaultInjector {
    faults: Faults,
    faults_rng: StdRng,
    ids_rng: StdRng,
    delivery_rng: StdRng,
    authorised: u64,
}

impl FaultInjector {
    pub fn new(faults: Faults) -> FaultInjector {
        let seed = faults.seed.unwrap_or_else(rand::random);
        FaultInjector {
            faults,
            faults_rng: StdRng::seed_from_u64(seed),
            ids_rng: StdRng::seed_from_u64(seed ^ 0x1d5_0001),
            delivery_rng: StdRng::seed_from_u64(seed ^ 0xde11_7e57),
            authorised: 0,
        }
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Decides the fate of the next request: one draw picks at most one fault.
    pub fn decide(&mut self) -> Decision {
        let latency = self.faults.latency.map(|latency| match latency {
            Latency::Fixed(pause) => pause,
            Latency::Range(low, high) if low == high => low,
            Latency::Range(low, high) => self.faults_rng.random_range(low..=high),
        });
        let draw: f64 = self.faults_rng.random();
        Decision {
            latency,
            outcome: self.outcome(draw),
        }
    }

    fn outcome(&self, draw: f64) -> Outcome {
        let faults = &self.faults;
        let bands = [
            (faults.hang_fraction, Outcome::Hang),
            (
                faults.throttle_fraction,
                Outcome::Throttle {
                    retry_after_secs: faults.retry_after_secs,
                },
            ),
            (faults.unavailable_fraction, Outcome::Unavailable),
            (faults.server_error_fraction, Outcome::ServerError),
            (faults.lost_answer_fraction, Outcome::LoseAnswer),
        ];
        let mut edge = 0.0;
        for (fraction, outcome) in bands {
            edge += fraction;
            if fraction > 0.0 && draw < edge {
                return outcome;
            }
        }
        Outcome::Normal
    }

    /// Counts one request with a good token; false once the token is revoked.
    pub fn authorise(&mut self) -> bool {
        self.authorised += 1;
        match self.faults.revoke_after {
            Some(limit) => self.authorised <= limit,
            None => true,
        }
    }

    /// A fresh message id.
    pub fn message_id(&mut self) -> Ulid {
        Ulid::with_source(&mut self.ids_rng)
    }

    /// The next v1 recipient's ending, drawn only when any fate is set so
    /// other seeded draws stay as they were.
    pub fn fate(&mut self) -> RecipientFate {
        if !self.faults.fates.any() {
            return RecipientFate::Read;
        }
        let roll = self.delivery_rng.random::<f64>();
        self.faults.fates.fate(roll)
    }

    /// Whether the next message's delivery fails, given the failing fraction.
    pub fn delivery_fails(&mut self, fraction: f64) -> bool {
        fraction > 0.0 && self.delivery_rng.random::<f64>() < fraction
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(faults: &Faults, count: usize) -> Vec<Outcome> {
        let mut injector = FaultInjector::new(faults.clone());
        (0..count).map(|_| injector.decide().outcome).collect()
    }

    #[test]
    fn a_seed_replays_the_same_choices() {
        let faults = Faults {
            throttle_fraction: 0.3,
            unavailable_fraction: 0.2,
            seed: Some(7),
            ..Faults::default()
        };
        assert_eq!(outcomes(&faults, 200), outcomes(&faults, 200));
        let throttled = outcomes(&faults, 1000)
            .into_iter()
            .filter(|outcome| matches!(outcome, Outcome::Throttle { .. }))
            .count();
        assert!((200..400).contains(&throttled), "{throttled}");
    }

    #[test]
    fn a_full_fraction_always_applies() {
        let faults = Faults {
            hang_fraction: 1.0,
            ..Faults::default()
        };
        assert!(outcomes(&faults, 50).iter().all(|o| *o == Outcome::Hang));
    }

    #[test]
    fn the_token_is_revoked_after_the_limit() {
        let mut injector = FaultInjector::new(Faults {
            revoke_after: Some(2),
            ..Faults::default()
        });
        let answers: Vec<bool> = (0..4).map(|_| injector.authorise()).collect();
        assert_eq!(answers, [true, true, false, false]);
    }
}
