//! The one pipeline behind validate, plan and apply: load the campaign, its
//! catalog, audience and suppression lists; then stream the audience row by
//! row, rendering and checking each recipient's message. Each row ends in
//! exactly one [`RowOutcome`], so nobody is silently skipped.

use crate::audience::Audience;
use crate::audience::suppression::Suppression;
use crate::campaign::template_catalog::{CatalogStatus, TemplateCatalog};
use crate::campaign::{Campaign, InvalidRows};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::message::TemplateMessage;
use crate::message::digest::{MessageDigest, file_sha256};
use crate::message::render::Renderer;
use crate::phone::Phone;
use crate::pipeline::parallel::{self, Checked};
use crate::pipeline::row_check::{CheckedRow, RowCheck, ZoneColumn};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A file the plan depends on, pinned by its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Input {
    /// `campaign`, `audience`, `suppress` or `catalog`.
    pub role: String,
    /// The path relative to the campaign file's folder.
    pub path: String,
    pub sha256: String,
}

/// What became of one audience row. `M` is what a recipient carries of its
/// message: the message itself, or nothing from [`Loaded::stream_digests`].
// The recipient is the common case by far: boxing it would cost an
// allocation per row on the million-row path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum RowOutcome<M = TemplateMessage> {
    /// A recipient with the message they will get.
    Recipient {
        line: u64,
        phone: Phone,
        message: M,
        digest: MessageDigest,
        /// The recipient's time zone from `audience.time_zone_column`, if given.
        zone: Option<Box<str>>,
    },
    /// A row with problems; with `audience.invalid: skip` it is planned as skipped.
    Invalid {
        line: u64,
        phone: Option<Phone>,
        reason: String,
    },
    /// A number on a suppression list, or (`opted_out`) one the journal
    /// holds an opt-out of, from any campaign of that state.
    Suppressed {
        line: u64,
        phone: Phone,
        opted_out: bool,
    },
    /// A number an earlier row already has; the first row wins.
    Duplicate {
        line: u64,
        first_line: u64,
        phone: Phone,
    },
}

/// A campaign with everything it refers to, ready to stream.
pub struct Loaded {
    pub campaign: Campaign,
    pub catalog: CatalogStatus,
    pub suppression: Suppression,
    /// The numbers the journal holds opt-outs of (see [`Loaded::suppress_opted_out`]).
    opted_out: HashSet<Phone>,
    pub inputs: Vec<Input>,
    /// The audience streams read; taken while one does.
    audience: Option<Audience>,
    renderer: Renderer,
    phone_column: usize,
    time_zones: Option<ZoneColumn>,
    /// Problems found while loading that do not stop the run (warnings).
    pub warnings: Diagnostics,
}

impl Loaded {
    /// Every file the campaign reads (or appends opt-outs to), as named.
    pub fn input_files(&self) -> Vec<PathBuf> {
        let campaign = &self.campaign;
        let mut files = vec![campaign.source.path.clone(), campaign.audience.file.clone()];
        files.extend(campaign.audience.suppress.iter().cloned());
        if let CatalogStatus::Checked(path) = &self.catalog {
            files.push(path.clone());
        }
        files.extend(campaign.opt_out.file.iter().cloned());
        files
    }

    /// Loads `path` and all it refers to; every problem is reported at once.
    pub fn load(path: &Path) -> Result<Loaded, Diagnostics> {
        let campaign = Campaign::load(path)?;
        let mut problems = campaign.warnings.clone();
        let catalog = TemplateCatalog::check_campaign(&campaign, &mut problems);
        let spec = &campaign.audience;
        let suppression = Suppression::load(&spec.suppress, spec.default_country, &mut problems);
        let audience = match Audience::open(&spec.file, spec.delimiter) {
            Ok(audience) => audience,
            Err(diagnostic) => {
                problems.push(diagnostic);
                return Err(problems);
            }
        };
        let phone_column = phone_column(&campaign, &audience, &mut problems);
        let time_zones = zone_column(&campaign, &audience, &mut problems);
        let renderer = match Renderer::new(&campaign, audience.headers.clone(), &spec.file) {
            Ok(renderer) => Some(renderer),
            Err(found) => {
                problems.extend(found);
                None
            }
        };
        if problems.has_errors() {
            return Err(problems);
        }
        let inputs = pin_inputs(&campaign, &catalog).map_err(|d| {
            problems.push(d);
            problems.clone()
        })?;
        Ok(Loaded {
            campaign,
            catalog,
            suppression,
            opted_out: HashSet::new(),
            inputs,
            audience: Some(audience),
            renderer: renderer.expect("no errors means the renderer was built"),
            phone_column: phone_column.expect("no errors means the phone column exists"),
            time_zones,
            warnings: problems,
        })
    }

    /// Suppresses `numbers`, the opt-outs the journal holds: every opt-out
    /// recorded in a state (by `listen`, or by apply from a provider's answer)
    /// keeps the number out of every later plan and apply of every campaign
    /// there, whatever the flags.
    pub fn suppress_opted_out(&mut self, numbers: impl IntoIterator<Item = Phone>) {
        self.opted_out.extend(numbers);
    }

    /// Streams every audience row through rendering and the checks, calling
    /// `visit` once per row in file order. Row problems go into `problems`: as
    /// errors, or as warnings when invalid rows are skipped. `seen` decides
    /// which rows repeat an earlier number.
    pub fn stream(
        &mut self,
        seen: &mut dyn FirstSeen,
        problems: &mut Diagnostics,
        visit: impl FnMut(RowOutcome),
    ) {
        self.stream_own(seen, problems, std::convert::identity, visit);
    }

    /// Streams as [`Loaded::stream`] does for a caller that needs each
    /// recipient's digest but not the message: each message is freed on the
    /// checking thread that rendered it, not by the thread that takes every
    /// row in turn (freeing memory another thread allocated costs both).
    pub fn stream_digests(
        &mut self,
        seen: &mut dyn FirstSeen,
        problems: &mut Diagnostics,
        visit: impl FnMut(RowOutcome<()>),
    ) {
        self.stream_own(seen, problems, drop, visit);
    }

    fn stream_own<M: Send>(
        &mut self,
        seen: &mut dyn FirstSeen,
        problems: &mut Diagnostics,
        keep: fn(TemplateMessage) -> M,
        visit: impl FnMut(RowOutcome<M>),
    ) {
        let mut audience = self.audience.take();
        if let Some(audience) = &mut audience {
            self.stream_keeping(audience, seen, problems, keep, visit);
        }
        self.audience = audience;
    }

    /// Streams `audience` (a second reading of this campaign's audience) as
    /// [`Loaded::stream`] does, borrowing the rest of `self` only.
    pub fn stream_from(
        &self,
        audience: &mut Audience,
        seen: &mut dyn FirstSeen,
        problems: &mut Diagnostics,
        visit: impl FnMut(RowOutcome),
    ) {
        self.stream_keeping(audience, seen, problems, std::convert::identity, visit);
    }

    fn stream_keeping<M: Send>(
        &self,
        audience: &mut Audience,
        seen: &mut dyn FirstSeen,
        problems: &mut Diagnostics,
        keep: fn(TemplateMessage) -> M,
        mut visit: impl FnMut(RowOutcome<M>),
    ) {
        let check = RowCheck {
            campaign: &self.campaign,
            renderer: &self.renderer,
            phone_column: self.phone_column,
            time_zones: self.time_zones,
        };
        let order = Order {
            suppression: &self.suppression,
            opted_out: &self.opted_out,
            skip_invalid: self.campaign.audience.invalid == InvalidRows::Skip,
            path: &self.campaign.audience.file,
        };
        parallel::check_rows(audience, &check, keep, |checked| {
            let outcome = order.place(checked, seen, problems);
            visit(outcome);
        });
    }

    /// Reads the audience from `file`, a copy of the campaign's audience file
    /// (from its start), for the streams that follow: what they read cannot
    /// change under them.
    pub fn read_audience(&self, file: std::fs::File) -> Result<Audience, Diagnostic> {
        let spec = &self.campaign.audience;
        Audience::read(file, &spec.file, spec.delimiter)
    }

    /// Streams `audience` from now on, in place of the one opened by
    /// [`Loaded::load`].
    pub fn use_audience(&mut self, audience: Audience) {
        self.audience = Some(audience);
    }
}

/// Which rows repeat an earlier row's number. Plan and apply keep each
/// number's first line and message digest prefix in memory.
pub trait FirstSeen {
    /// For a number seen before: the first row's line and whether its message
    /// was the same. Otherwise remembers this row as the first and says `None`.
    fn first(&mut self, phone: Phone, line: u64, digest: MessageDigest) -> Option<(u64, bool)>;
}

/// What happens to checked rows in file order: problems reported, suppressed
/// numbers excluded, duplicates merged.
struct Order<'a> {
    suppression: &'a Suppression,
    opted_out: &'a HashSet<Phone>,
    skip_invalid: bool,
    path: &'a Path,
}

impl Order<'_> {
    fn place<M>(
        &self,
        checked: Checked<M>,
        seen: &mut dyn FirstSeen,
        problems: &mut Diagnostics,
    ) -> RowOutcome<M> {
        let (line, phone, message, digest, zone) = match checked {
            Checked::Unreadable(diagnostic) => {
                let line = diagnostic.location.as_ref().map_or(0, |l| l.line);
                let reason = diagnostic.message.clone();
                problems.push(downgrade(diagnostic, self.skip_invalid));
                return RowOutcome::Invalid {
                    line,
                    phone: None,
                    reason,
                };
            }
            Checked::Row(CheckedRow::Bad {
                line,
                phone,
                problems: found,
            }) => {
                let reason = found
                    .iter()
                    .map(|d| d.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                for diagnostic in found {
                    problems.push(downgrade(diagnostic, self.skip_invalid));
                }
                return RowOutcome::Invalid {
                    line,
                    phone,
                    reason,
                };
            }
            Checked::Row(CheckedRow::Good {
                line,
                phone,
                message,
                digest,
                zone,
            }) => (line, phone, message, digest, zone),
        };
        if self.suppression.contains(&phone) || self.opted_out.contains(&phone) {
            return RowOutcome::Suppressed {
                line,
                phone,
                opted_out: !self.suppression.contains(&phone),
            };
        }
        if let Some((first_line, same)) = seen.first(phone, line, digest) {
            if !same {
                problems.push(
                    Diagnostic::warning(
                        "audience.duplicate",
                        format!("{} is also on line {first_line}, with a different message; line {first_line}'s is sent", phone.masked()),
                    )
                    .at(self.path, line, 0),
                );
            }
            return RowOutcome::Duplicate {
                line,
                first_line,
                phone,
            };
        }
        RowOutcome::Recipient {
            line,
            phone,
            message,
            digest,
            zone,
        }
    }
}

/// With `audience.invalid: skip`, row problems are warnings: the row is skipped.
fn downgrade(diagnostic: Diagnostic, skip: bool) -> Diagnostic {
    if skip {
        Diagnostic {
            severity: crate::diagnostic::Severity::Warning,
            ..diagnostic
        }
    } else {
        diagnostic
    }
}

fn phone_column(
    campaign: &Campaign,
    audience: &Audience,
    problems: &mut Diagnostics,
) -> Option<usize> {
    column(
        audience,
        &campaign.audience.phone_column,
        ("phone numbers", "audience.phone_column"),
        problems,
    )
}

/// Whether rows need a zone each (a window in recipients' time) and the
/// index of `audience.time_zone_column`; a missing column is an error.
fn zone_column(
    campaign: &Campaign,
    audience: &Audience,
    problems: &mut Diagnostics,
) -> Option<ZoneColumn> {
    let window = campaign.window.as_ref()?;
    if window.time_zone != crate::campaign::WindowZone::Recipient {
        return None;
    }
    let Some(name) = &campaign.audience.time_zone_column else {
        return Some(ZoneColumn(None));
    };
    let position = column(
        audience,
        name,
        ("time zones", "audience.time_zone_column"),
        problems,
    );
    Some(ZoneColumn(position))
}

/// The index of the column `name`, which holds `what.0` and is set by the
/// field `what.1`; an error with a suggestion when the audience has none.
fn column(
    audience: &Audience,
    name: &str,
    what: (&str, &str),
    problems: &mut Diagnostics,
) -> Option<usize> {
    let (holds, field) = what;
    let position = audience.headers.position(name);
    if position.is_none() {
        let diagnostic = Diagnostic::error(
            "audience.header",
            format!("the audience has no column `{name}` for {holds}"),
        )
        .at(&audience.path, 1, 0);
        let help = match audience.headers.closest(name) {
            Some(close) => format!("did you mean `{close}`? set `{field}`"),
            None => format!(
                "the columns are {}; set `{field}`",
                audience
                    .headers
                    .names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        problems.push(diagnostic.help(help));
    }
    position
}

/// SHA-256 pins of every input file, paths relative to the campaign's folder.
fn pin_inputs(campaign: &Campaign, catalog: &CatalogStatus) -> Result<Vec<Input>, Diagnostic> {
    let dir = campaign.dir();
    let mut files: Vec<(&str, PathBuf)> = vec![
        ("campaign", campaign.source.path.clone()),
        ("audience", campaign.audience.file.clone()),
    ];
    files.extend(
        campaign
            .audience
            .suppress
            .iter()
            .map(|p| ("suppress", p.clone())),
    );
    if let CatalogStatus::Checked(path) = catalog {
        files.push(("catalog", path.clone()));
    }
    files
        .into_iter()
        .map(|(role, path)| {
            let sha256 = file_sha256(&path).map_err(|error| {
                Diagnostic::error(
                    "input.read",
                    format!("cannot read `{}`: {error}", path.display()),
                )
            })?;
            Ok(Input {
                role: role.to_owned(),
                path: relative(&path, &dir),
                sha256,
            })
        })
        .collect()
}

/// `path` as written relative to `dir` (both as the campaign names them).
fn relative(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}
