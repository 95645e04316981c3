//! The per-row work of the pipeline: read the number, render the message and
//! check it against WhatsApp's rules. It needs nothing but the row, so rows are
//! checked on several threads at once; what depends on earlier rows
//! (duplicates, counts) happens afterwards, in order.

use crate::audience::Row;
use crate::campaign::Campaign;
use crate::diagnostic::Diagnostic;
use crate::message::TemplateMessage;
use crate::message::digest::MessageDigest;
use crate::message::render::Renderer;
use crate::message::rules;
use crate::phone::Phone;

/// A row after checking: a message ready to send, or every problem it has.
#[derive(Debug)]
pub enum CheckedRow {
    Good {
        line: u64,
        phone: Phone,
        message: TemplateMessage,
        digest: MessageDigest,
    },
    Bad {
        line: u64,
        phone: Option<Phone>,
        problems: Vec<Diagnostic>,
    },
}

/// Checks rows; shared by the checking threads.
pub struct RowCheck<'a> {
    pub campaign: &'a Campaign,
    pub renderer: &'a Renderer,
    pub phone_column: usize,
}

impl RowCheck<'_> {
    pub fn check(&self, row: Row) -> CheckedRow {
        let line = row.line;
        let spec = &self.campaign.audience;
        let raw = row.record.get(self.phone_column).unwrap_or_default();
        let phone = Phone::parse(raw, spec.default_country);
        let mut problems = Vec::new();
        if let Err(error) = &phone {
            problems.push(
                Diagnostic::error("audience.phone", error.to_string())
                    .at(&spec.file, line, 0)
                    .field(format!("column `{}`", spec.phone_column)),
            );
        }
        let message = match self.renderer.render(row) {
            Ok(message) => Some(message),
            Err(found) => {
                problems.extend(found);
                None
            }
        };
        if let Some(message) = &message {
            for violation in rules::check(self.campaign, message) {
                problems.push(
                    Diagnostic::error(violation.code, violation.message)
                        .at(&spec.file, line, 0)
                        .field(violation.field),
                );
            }
        }
        match (phone, message) {
            (Ok(phone), Some(message)) if problems.is_empty() => CheckedRow::Good {
                line,
                phone,
                digest: MessageDigest::of_message(&message),
                message,
            },
            (phone, _) => CheckedRow::Bad {
                line,
                phone: phone.ok(),
                problems,
            },
        }
    }
}
