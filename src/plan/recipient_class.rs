//! How a plan classifies each recipient against the journal, Terraform-style:
//! `+` to send, `=` already sent with this very message, `~` already sent but
//! the message would now differ (not resent), `?` unknown from an earlier run
//! (resent only with `--resend-unknown`), `!` failed earlier (resent only with
//! `--retry-failed`). `-` (in the journal, no longer in the audience) is only
//! ever a count: such recipients are untouched, and are not in the plan.

use serde::{Deserialize, Serialize};

/// One recipient's class in a plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RecipientClass {
    #[default]
    Send,
    Sent,
    Changed,
    Unknown,
    Failed,
}

impl RecipientClass {
    pub const ALL: [RecipientClass; 5] = [
        RecipientClass::Send,
        RecipientClass::Sent,
        RecipientClass::Changed,
        RecipientClass::Unknown,
        RecipientClass::Failed,
    ];

    /// The one-character sign used in plans, plan files and diffs.
    pub fn sign(self) -> char {
        match self {
            RecipientClass::Send => '+',
            RecipientClass::Sent => '=',
            RecipientClass::Changed => '~',
            RecipientClass::Unknown => '?',
            RecipientClass::Failed => '!',
        }
    }

    pub fn from_sign(sign: char) -> Option<RecipientClass> {
        RecipientClass::ALL.into_iter().find(|c| c.sign() == sign)
    }

    /// What the class means, for tables and legends.
    pub fn meaning(self) -> &'static str {
        match self {
            RecipientClass::Send => "to send",
            RecipientClass::Sent => "already sent",
            RecipientClass::Changed => "changed since sent (not resent)",
            RecipientClass::Unknown => "unknown from an earlier run (not resent)",
            RecipientClass::Failed => "failed earlier (not resent)",
        }
    }
}

/// How many recipients fall in each class, plus `removed`: journal
/// recipients of the campaign that are no longer in the audience.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCounts {
    pub to_send: u64,
    pub already_sent: u64,
    pub changed: u64,
    pub unknown: u64,
    pub failed: u64,
    pub removed: u64,
}

impl ClassCounts {
    pub fn add(&mut self, class: RecipientClass) {
        *self.slot(class) += 1;
    }

    pub fn get(&self, class: RecipientClass) -> u64 {
        match class {
            RecipientClass::Send => self.to_send,
            RecipientClass::Sent => self.already_sent,
            RecipientClass::Changed => self.changed,
            RecipientClass::Unknown => self.unknown,
            RecipientClass::Failed => self.failed,
        }
    }

    fn slot(&mut self, class: RecipientClass) -> &mut u64 {
        match class {
            RecipientClass::Send => &mut self.to_send,
            RecipientClass::Sent => &mut self.already_sent,
            RecipientClass::Changed => &mut self.changed,
            RecipientClass::Unknown => &mut self.unknown,
            RecipientClass::Failed => &mut self.failed,
        }
    }

    /// Recipients the plan found in the journal.
    pub fn in_journal(&self) -> u64 {
        self.already_sent + self.changed + self.unknown + self.failed
    }
}
