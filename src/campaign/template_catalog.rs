//! The optional template catalog (`templates.yaml`): the approved templates
//! with their languages, header kind, parameter counts and buttons. When a
//! campaign has one, plan checks the campaign against it; without one, plan
//! says the template was not checked.

use crate::campaign::Campaign;
use crate::campaign::yaml::{self, Spanned};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::diagnostic::source_file::SourceFile;
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::PathBuf;

/// The file name looked for beside a campaign when it names no catalog.
pub const DEFAULT_FILE: &str = "templates.yaml";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateCatalog {
    pub templates: Vec<ApprovedTemplate>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovedTemplate {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Language codes the template is approved in.
    pub languages: Vec<String>,
    /// `none`, `text`, `image`, `video` or `document`.
    #[serde(default = "none")]
    pub header: String,
    #[serde(default)]
    pub header_params: usize,
    #[serde(default)]
    pub body_params: usize,
    /// Button types in template order: `url` (a URL ending in a parameter),
    /// `static_url` (a fixed URL), `quick_reply`, `call`.
    #[serde(default)]
    pub buttons: Vec<String>,
}

fn none() -> String {
    "none".to_owned()
}

/// Whether the campaign's template was checked, and against which file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogStatus {
    Checked(PathBuf),
    NotChecked,
}

impl TemplateCatalog {
    /// Finds the campaign's catalog and reports every mismatch with it.
    pub fn check_campaign(campaign: &Campaign, problems: &mut Diagnostics) -> CatalogStatus {
        let beside = campaign.dir().join(DEFAULT_FILE);
        let path = match &campaign.catalog {
            Some(path) => path.clone(),
            None if beside.is_file() => beside,
            None => return CatalogStatus::NotChecked,
        };
        let source = match SourceFile::read(&path) {
            Ok(source) => source,
            Err(error) => {
                problems
                    .push(Diagnostic::error("catalog.read", format!("{error:#}")).at(&path, 1, 0));
                return CatalogStatus::NotChecked;
            }
        };
        match yaml::parse::<TemplateCatalog>(&source) {
            Ok(catalog) => catalog.check(campaign, &source, problems),
            Err(diagnostic) => problems.push(diagnostic.with_code("catalog.yaml")),
        }
        CatalogStatus::Checked(path)
    }

    fn check(&self, campaign: &Campaign, catalog: &SourceFile, problems: &mut Diagnostics) {
        let template = &campaign.template;
        let at = |message: String| {
            let (line, column) = template.name_at;
            Diagnostic::error("catalog.mismatch", message)
                .at(&campaign.source.path, line, column)
                .with_source(
                    campaign.source.line(line).unwrap_or_default(),
                    template.name.chars().count(),
                )
        };
        let Some(approved) = self
            .templates
            .iter()
            .find(|t| t.name.value == template.name)
        else {
            let close = self
                .templates
                .iter()
                .map(|t| {
                    (
                        strsim::normalized_damerau_levenshtein(&t.name.value, &template.name),
                        &t.name.value,
                    )
                })
                .filter(|(score, _)| *score >= 0.6)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let mut diagnostic = at(format!(
                "template `{}` is not in the catalog `{}`",
                template.name,
                catalog.path.display()
            ));
            if let Some((_, name)) = close {
                diagnostic = diagnostic.help(format!("did you mean `{name}`?"));
            }
            problems.push(diagnostic);
            return;
        };
        let mut mismatch = |message: String| {
            problems.push(at(message).help(format!(
                "the catalog entry is at {}:{}",
                catalog.path.display(),
                approved.name.referenced.line()
            )))
        };
        if !approved.languages.contains(&template.language) {
            mismatch(format!(
                "template `{}` is not approved in `{}`; it is approved in {}",
                template.name,
                template.language,
                approved
                    .languages
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let header = match (&template.media, template.header_params.is_empty()) {
            (Some(media), _) => media.kind.as_str(),
            (None, false) => "text",
            (None, true) if approved.header == "text" => "text",
            (None, true) => "none",
        };
        if header != approved.header {
            mismatch(format!(
                "the campaign sends a `{header}` header; template `{}` has a `{}` header",
                template.name, approved.header
            ));
        }
        let counts = [
            (
                "header",
                template.header_params.len(),
                approved.header_params,
            ),
            ("body", template.body_params.len(), approved.body_params),
        ];
        for (part, given, wanted) in counts {
            if given != wanted {
                mismatch(format!(
                    "the campaign gives {given} {part} parameter(s); template `{}` takes {wanted}",
                    template.name
                ));
            }
        }
        let buttons: Vec<&str> = template.buttons.iter().map(|b| b.kind.as_str()).collect();
        if buttons != approved.buttons {
            mismatch(format!(
                "the campaign's buttons are [{}]; template `{}` has [{}]",
                buttons.join(", "),
                template.name,
                approved.buttons.join(", ")
            ));
        }
    }
}
