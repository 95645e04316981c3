//! One recipient of a saved plan: [`PlanLine`] as a plan file holds it (see
//! [`crate::plan::plan_file`] for its fields), and [`PlannedRecipient`], the
//! recipient as a plan classed it, from which a line is made by whoever
//! writes or checks it.

use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use crate::plan::recipient_class::RecipientClass;
use serde::{Deserialize, Serialize};

/// One recipient line of a plan file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlanLine(
    pub u64,
    pub String,
    pub String,
    pub String,
    pub String,
    pub Vec<String>,
);

impl PlanLine {
    pub fn line(&self) -> u64 {
        self.0
    }

    /// The recipient's digest (number and message), in hex.
    pub fn digest(&self) -> &str {
        &self.1
    }

    pub fn key(&self) -> &str {
        &self.2
    }

    /// The number as shown: masked unless planned with `--show-numbers`.
    pub fn who(&self) -> &str {
        &self.3
    }

    pub fn class(&self) -> Option<RecipientClass> {
        let mut chars = self.4.chars();
        let sign = chars.next()?;
        chars
            .next()
            .is_none()
            .then(|| RecipientClass::from_sign(sign))
            .flatten()
    }

    pub fn params(&self) -> &[String] {
        &self.5
    }
}

/// One recipient as a plan classed it, before it becomes a plan line: the
/// line's hashes, number as shown and hex are left to whoever writes it (a
/// saved plan's log does so on a thread of its own).
#[derive(Clone, Debug)]
pub struct PlannedRecipient {
    pub line: u64,
    pub phone: Phone,
    /// The digest of the recipient's message alone.
    pub message: MessageDigest,
    pub class: RecipientClass,
    /// The message's values, labelled by the header's `param_labels`.
    pub params: Vec<String>,
    /// Whether the line shows the number in full (`--show-numbers`).
    pub show_number: bool,
}

impl PlannedRecipient {
    /// The digest of the number and the message, which the line holds.
    pub fn digest(&self) -> MessageDigest {
        MessageDigest::of_recipient(self.phone, &self.message)
    }

    /// The number as the line shows it.
    pub fn who(&self) -> String {
        if self.show_number {
            format!("+{}", self.phone)
        } else {
            self.phone.masked()
        }
    }

    /// The plan line.
    pub fn to_line(&self) -> PlanLine {
        PlanLine(
            self.line,
            self.digest().to_hex(),
            MessageDigest::recipient_key(self.phone),
            self.who(),
            self.class.sign().to_string(),
            self.params.clone(),
        )
    }
}
