//! The one pipeline behind validate, plan and apply: load the campaign, its
//! catalog, audience and suppression lists; then stream the audience row by
//! row, rendering and checking each recipient's message. Each row ends in
//! exactly one [`RowOutcome`], so nobody is silently skipped.

use crate::audience::{Audience, Row};
use crate::campaign::{Campaign, InvalidRows};
use crate::diagnostic::Diagnostic;
use crate::diagnostics::Diagnostics;
use crate::digest::{MessageDigest, file_sha256};
use crate::phone::Phone;
use crate::render::Renderer;
use crate::rules;
use crate::sinch::wire::TemplateMessage;
use crate::suppression::Suppression;
use crate::template_catalog::{CatalogStatus, TemplateCatalog};
use serde::Serialize;
use std::collections::HashMap;
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

/// What became of one audience row.
#[derive(Debug)]
pub enum RowOutcome {
    /// A recipient with the message they will get.
    Recipient {
        line: u64,
        phone: Phone,
        message: TemplateMessage,
        digest: MessageDigest,
    },
    /// A row with problems; with `audience.invalid: skip` it is planned as skipped.
    Invalid {
        line: u64,
        phone: Option<Phone>,
        reason: String,
    },
    /// A number on a suppression list.
    Suppressed { line: u64, phone: Phone },
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
    pub inputs: Vec<Input>,
    audience: Audience,
    renderer: Renderer,
    phone_column: usize,
    /// Problems found while loading that do not stop the run (warnings).
    pub warnings: Diagnostics,
}

impl Loaded {
    /// Loads `path` and all it refers to; every problem is reported at once.
    pub fn load(path: &Path) -> Result<Loaded, Diagnostics> {
        let campaign = Campaign::load(path)?;
        let mut problems = Diagnostics::new();
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
            inputs,
            audience,
            renderer: renderer.expect("no errors means the renderer was built"),
            phone_column: phone_column.expect("no errors means the phone column exists"),
            warnings: problems,
        })
    }

    /// Streams every audience row through rendering and the checks, calling
    /// `visit` once per row in file order. Row problems go into `problems`: as
    /// errors, or as warnings when invalid rows are skipped.
    pub fn stream(&mut self, problems: &mut Diagnostics, mut visit: impl FnMut(RowOutcome)) {
        let mut seen: HashMap<Phone, (u64, MessageDigest)> = HashMap::new();
        let skip_invalid = self.campaign.audience.invalid == InvalidRows::Skip;
        while let Some(next) = self.audience.next_row() {
            let row = match next {
                Ok(row) => row,
                Err(diagnostic) => {
                    let line = diagnostic.location.as_ref().map_or(0, |l| l.line);
                    let reason = diagnostic.message.clone();
                    problems.push(downgrade(diagnostic, skip_invalid));
                    visit(RowOutcome::Invalid {
                        line,
                        phone: None,
                        reason,
                    });
                    continue;
                }
            };
            let outcome = self.row(&row, &mut seen, problems, skip_invalid);
            visit(outcome);
        }
    }

    fn row(
        &self,
        row: &Row,
        seen: &mut HashMap<Phone, (u64, MessageDigest)>,
        problems: &mut Diagnostics,
        skip_invalid: bool,
    ) -> RowOutcome {
        let raw = row.record.get(self.phone_column).unwrap_or_default();
        let column = format!("column `{}`", self.campaign.audience.phone_column);
        let path = &self.campaign.audience.file;
        let phone = Phone::parse(raw, self.campaign.audience.default_country);
        let rendered = self.renderer.render(row);
        let mut found: Vec<Diagnostic> = Vec::new();
        if let Err(error) = &phone {
            found.push(
                Diagnostic::error("audience.phone", error.to_string())
                    .at(path, row.line, 0)
                    .field(column),
            );
        }
        let message = match rendered {
            Ok(message) => Some(message),
            Err(diagnostics) => {
                found.extend(diagnostics);
                None
            }
        };
        if let Some(message) = &message {
            for violation in rules::check(&self.campaign, message) {
                found.push(
                    Diagnostic::error(violation.code, violation.message)
                        .at(path, row.line, 0)
                        .field(violation.field),
                );
            }
        }
        let phone = phone.ok();
        if !found.is_empty() {
            let reason = found
                .iter()
                .map(|d| d.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            for diagnostic in found {
                problems.push(downgrade(diagnostic, skip_invalid));
            }
            return RowOutcome::Invalid {
                line: row.line,
                phone,
                reason,
            };
        }
        let (Some(phone), Some(message)) = (phone, message) else {
            unreachable!("a row without problems has a number and a message");
        };
        if self.suppression.contains(&phone) {
            return RowOutcome::Suppressed {
                line: row.line,
                phone,
            };
        }
        let digest = MessageDigest::of_message(&message);
        if let Some((first_line, first_digest)) = seen.get(&phone) {
            if *first_digest != digest {
                problems.push(
                    Diagnostic::warning(
                        "audience.duplicate",
                        format!("{} is also on line {first_line}, with a different message; line {first_line}'s is sent", phone.masked()),
                    )
                    .at(path, row.line, 0),
                );
            }
            return RowOutcome::Duplicate {
                line: row.line,
                first_line: *first_line,
                phone,
            };
        }
        seen.insert(phone, (row.line, digest));
        RowOutcome::Recipient {
            line: row.line,
            phone,
            message,
            digest,
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
    let name = &campaign.audience.phone_column;
    let position = audience.headers.position(name);
    if position.is_none() {
        let mut diagnostic = Diagnostic::error(
            "audience.header",
            format!("the audience has no column `{name}` for phone numbers"),
        )
        .at(&audience.path, 1, 0);
        diagnostic = match audience.headers.closest(name) {
            Some(close) => diagnostic.help(format!(
                "did you mean `{close}`? set `audience.phone_column`"
            )),
            None => diagnostic.help(format!(
                "the columns are {}; set `audience.phone_column`",
                audience
                    .headers
                    .names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        problems.push(diagnostic);
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
