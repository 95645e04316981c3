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
/// `M` is what a recipient carries of its message: the message itself, or
/// nothing for a stream that needs only digests (see [`crate::pipeline::Loaded::stream_digests`]).
// The recipient is the common case by far: boxing it would cost an
// allocation per row on the million-row path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum CheckedRow<M = TemplateMessage> {
    Good {
        line: u64,
        phone: Phone,
        message: M,
        digest: MessageDigest,
        /// The zone the time-zone column gives, when it gives one.
        zone: Option<Box<str>>,
    },
    Bad {
        line: u64,
        phone: Option<Phone>,
        problems: Vec<Diagnostic>,
    },
}

impl CheckedRow {
    /// The row with what `keep` makes of its message, on the thread that
    /// checked it (so a message not kept is freed where it was made).
    pub fn keeping<M>(self, keep: fn(TemplateMessage) -> M) -> CheckedRow<M> {
        match self {
            CheckedRow::Good {
                line,
                phone,
                message,
                digest,
                zone,
            } => CheckedRow::Good {
                line,
                phone,
                message: keep(message),
                digest,
                zone,
            },
            CheckedRow::Bad {
                line,
                phone,
                problems,
            } => CheckedRow::Bad {
                line,
                phone,
                problems,
            },
        }
    }
}

/// Checks rows; shared by the checking threads.
pub struct RowCheck<'a> {
    pub campaign: &'a Campaign,
    pub renderer: &'a Renderer,
    pub phone_column: usize,
    /// Whether each recipient needs a time zone of their own (a window in
    /// recipients' time), and which column may give it.
    pub time_zones: Option<ZoneColumn>,
}

/// Where recipients' zones come from: the column `audience.time_zone_column`
/// names (its index), else the number.
#[derive(Clone, Copy, Debug)]
pub struct ZoneColumn(pub Option<usize>);

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
        let zone = match (&phone, self.time_zones) {
            (Ok(phone), Some(ZoneColumn(column))) => {
                let cell = column.and_then(|c| row.record.get(c)).map(str::trim);
                match zone_of(*phone, cell.filter(|c| !c.is_empty())) {
                    Ok(zone) => zone,
                    Err(message) => {
                        let field = match &spec.time_zone_column {
                            Some(name) => format!("column `{name}`"),
                            None => format!("column `{}`", spec.phone_column),
                        };
                        problems.push(
                            Diagnostic::error("audience.time_zone", message)
                                .at(&spec.file, line, 0)
                                .field(field),
                        );
                        None
                    }
                }
            }
            _ => None,
        };
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
                zone,
            },
            (phone, _) => CheckedRow::Bad {
                line,
                phone: phone.ok(),
                problems,
            },
        }
    }
}

/// A recipient's zone from the column's `cell`, checked, or `None` to take the
/// number's; an error when neither gives one.
fn zone_of(phone: Phone, cell: Option<&str>) -> Result<Option<Box<str>>, String> {
    match cell {
        Some(name) if jiff::tz::db().get(name).is_ok() => Ok(Some(name.into())),
        Some(name) => Err(format!(
            "`{name}` is not an IANA time zone (e.g. `Europe/London`, `Asia/Tokyo`)"
        )),
        None if crate::phone::time_zones::TimeZoneMap::get()
            .lookup(phone)
            .is_some() =>
        {
            Ok(None)
        }
        None => Err(format!(
            "no time zone is known for {}: give one in `audience.time_zone_column`, or set `delivery.window.time_zone`",
            phone.masked()
        )),
    }
}
