//! What becomes of one recipient of an accepted Sinch v1 message, beyond the
//! plain `queued → … → read` and the delivery failure fraction: each of
//! Sinch's other endings, drawn per recipient from [`Fates`]' fractions with
//! the faults' seed. States and their order are Sinch's (sinch/docs,
//! `docs/whatsapp/whatsapp-http-rest/whatsapp-callback.md`): `no_opt_in` and
//! `no_capability` are rejections by Sinch before dispatch, `deleted` a
//! message deleted or expired after it was sent, and `failed` a failure whose
//! `status` is spelled `failed` (the spelling some of Sinch's sources use
//! beside `failure`).

use super::SandboxError;

/// The fractions of recipients that meet each ending; together at most 1.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fates {
    /// Reported `failed` with `status: failed`.
    pub failed: f64,
    /// Reported `deleted` after `sent`.
    pub deleted: f64,
    /// Reported `no_opt_in` after `queued`.
    pub no_opt_in: f64,
    /// Reported `no_capability` after `queued`.
    pub no_capability: f64,
    /// Refused inside the 201 answer (`status: failure`, `no_capability`);
    /// nothing is reported for them.
    pub refused: f64,
    /// Delivered and read, then the user replies `STOP` to the bot's callback URL.
    pub stop_reply: f64,
}

/// One recipient's ending.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RecipientFate {
    #[default]
    Read,
    Failed,
    Deleted,
    NoOptIn,
    NoCapability,
    Refused,
    StopReply,
}

impl Fates {
    /// Each fraction within 0..=1 and their sum at most 1.
    pub fn check(&self) -> Result<(), SandboxError> {
        let fractions = self.fractions();
        if fractions.iter().any(|(_, f)| !(0.0..=1.0).contains(f))
            || fractions.iter().map(|(_, f)| f).sum::<f64>() > 1.0 + 1e-9
        {
            return Err(SandboxError::Config(
                "recipient fate fractions must each be between 0 and 1 and add up to at most 1"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// Whether any recipient meets an ending other than `read`.
    pub fn any(&self) -> bool {
        self.fractions().iter().any(|(_, f)| *f > 0.0)
    }

    /// The fate a uniform draw `roll` in `0..1` falls on.
    pub fn fate(&self, roll: f64) -> RecipientFate {
        let mut edge = 0.0;
        for (fate, fraction) in self.fractions() {
            edge += fraction;
            if roll < edge {
                return fate;
            }
        }
        RecipientFate::Read
    }

    fn fractions(&self) -> [(RecipientFate, f64); 6] {
        [
            (RecipientFate::Failed, self.failed),
            (RecipientFate::Deleted, self.deleted),
            (RecipientFate::NoOptIn, self.no_opt_in),
            (RecipientFate::NoCapability, self.no_capability),
            (RecipientFate::Refused, self.refused),
            (RecipientFate::StopReply, self.stop_reply),
        ]
    }
}

impl RecipientFate {
    /// The states reported, in order; `None` for one refused in the answer.
    pub fn states(self) -> &'static [&'static str] {
        match self {
            RecipientFate::Read | RecipientFate::StopReply => {
                &["queued", "dispatched", "sent", "delivered", "read"]
            }
            RecipientFate::Failed => &["queued", "dispatched", "failed"],
            RecipientFate::Deleted => &["queued", "dispatched", "sent", "deleted"],
            RecipientFate::NoOptIn => &["queued", "no_opt_in"],
            RecipientFate::NoCapability => &["queued", "no_capability"],
            RecipientFate::Refused => &[],
        }
    }

    /// The report's `status` and `details` at `state`.
    pub fn status(self, state: &str) -> (&'static str, Option<&'static str>) {
        match (self, state) {
            (RecipientFate::Failed, "failed") => ("failed", Some("simulated failure")),
            (_, "failed") => ("failure", Some("simulated delivery failure")),
            (_, "no_opt_in") => ("failure", Some("recipient has not opted in")),
            (_, "no_capability") => ("failure", Some("recipient lacks WhatsApp capability")),
            _ => ("success", None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roll_falls_on_the_fraction_it_lands_in() {
        let fates = Fates {
            failed: 0.1,
            no_capability: 0.2,
            stop_reply: 0.1,
            ..Fates::default()
        };
        assert_eq!(fates.fate(0.05), RecipientFate::Failed);
        assert_eq!(fates.fate(0.25), RecipientFate::NoCapability);
        assert_eq!(fates.fate(0.35), RecipientFate::StopReply);
        assert_eq!(fates.fate(0.5), RecipientFate::Read);
        assert!(
            Fates {
                deleted: 0.7,
                refused: 0.4,
                ..Fates::default()
            }
            .check()
            .is_err()
        );
    }
}
