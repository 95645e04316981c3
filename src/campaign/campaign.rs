//! The campaign file, format v1: its YAML shape ([`CampaignFile`], which the
//! JSON schema is generated from) and the checked [`Campaign`] the pipeline uses.
//! Loading reports every problem in the file at once, each at its line and column.

use crate::campaign::field_errors::FieldErrors;
pub use crate::campaign::http_url::is_http_url;
use crate::campaign::sender::{Sender, SenderFile};
pub use crate::campaign::window::{Window, WindowFile, WindowZone};
use crate::campaign::yaml::{self, Spanned};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::diagnostic::source_file::SourceFile;
use crate::phone::Country;
use crate::whatsapp::catalog::{self, MediaKind};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A wacast campaign: one approved WhatsApp template sent to a CSV audience.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "wacast campaign", rename = "Campaign")]
pub struct CampaignFile {
    /// Format version; always 1.
    #[schemars(with = "u32")]
    pub version: Spanned<u32>,
    /// The campaign's identity in the journal: lowercase letters, digits, `-` and `_`.
    #[schemars(with = "String", regex(pattern = r"^[a-z0-9][a-z0-9_-]*$"))]
    pub name: Spanned<String>,
    /// The campaign's earlier name, when it was renamed after sending: the
    /// journal's records of that name are carried over to `name` (like
    /// Terraform's `moved`), so nobody is messaged again.
    #[serde(default)]
    #[schemars(with = "Option<String>", regex(pattern = r"^[a-z0-9][a-z0-9_-]*$"))]
    pub renamed_from: Option<Spanned<String>>,
    #[schemars(with = "SenderFile")]
    pub sender: Spanned<SenderFile>,
    pub template: TemplateFile,
    pub audience: AudienceFile,
    /// Values shared by all recipients, available to every expression.
    #[serde(default)]
    pub vars: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub delivery: Option<DeliveryFile>,
    /// Replies that opt a recipient out, captured by `wacast listen`.
    #[serde(default)]
    pub opt_out: Option<OptOutFile>,
    /// A template catalog (`templates.yaml`) to check the template against;
    /// without it, a `templates.yaml` beside the campaign is used if present.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub catalog: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateFile {
    /// The approved template's name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// One of Sinch's template language codes, e.g. `en_GB`.
    #[schemars(with = "String")]
    pub language: Spanned<String>,
    /// The media header; absent means a text (or no) header.
    #[serde(default)]
    pub media: Option<MediaFile>,
    /// At most one header text parameter (a minijinja expression).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub header_params: Vec<Spanned<String>>,
    /// Body parameters `{{1}}..{{n}}` in order (minijinja expressions).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub body_params: Vec<Spanned<String>>,
    /// Buttons in template order.
    #[serde(default)]
    pub buttons: Vec<ButtonFile>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaFile {
    /// `image`, `video` or `document`.
    #[serde(rename = "type")]
    #[schemars(with = "MediaType")]
    pub kind: Spanned<String>,
    /// A public http(s) URL; may use expressions.
    #[schemars(with = "String")]
    pub url: Spanned<String>,
    /// The file name shown for a document; may use expressions.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub filename: Option<Spanned<String>>,
    /// The media's content type; otherwise inferred from the URL's extension.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub content_type: Option<Spanned<String>>,
    /// Sinch WhatsApp API v1 only: the name of the download credentials
    /// registered with Sinch's `/provision/provider`, for a media URL behind
    /// authentication.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub provider: Option<Spanned<String>>,
}

/// A template header media kind.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum MediaType {
    Image,
    Video,
    Document,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ButtonFile {
    /// `url`, `quick_reply` or `call`.
    #[serde(rename = "type")]
    #[schemars(with = "ButtonType")]
    pub kind: Spanned<String>,
    /// For a `url` button whose URL ends in a parameter (a dynamic URL
    /// button): the URL suffix (an expression). A static URL button has none.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub parameter: Option<Spanned<String>>,
    /// For `quick_reply` buttons: returned when pressed (an expression).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub payload: Option<Spanned<String>>,
}

/// A template button kind.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum ButtonType {
    Url,
    QuickReply,
    Call,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AudienceFile {
    /// The audience CSV, relative to the campaign file.
    #[schemars(with = "String")]
    pub file: Spanned<String>,
    /// The column holding phone numbers (default `phone`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub phone_column: Option<Spanned<String>>,
    /// Two-letter country for numbers written in national form, e.g. `GB`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub default_country: Option<Spanned<String>>,
    /// CSV files of numbers never to message (first column, or a `phone` column).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub suppress: Vec<Spanned<String>>,
    /// The field delimiter: `,`, `;` or `\t`; detected when absent.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub delimiter: Option<Spanned<String>>,
    /// `fail` (default): invalid rows fail the plan; `skip`: they are planned as skipped.
    #[serde(default)]
    #[schemars(with = "Option<InvalidRows>")]
    pub invalid: Option<Spanned<String>>,
    /// A column holding each recipient's IANA time zone (e.g. `Asia/Tokyo`),
    /// which overrides the zone of their number for `delivery.window`; an
    /// empty cell leaves the number's.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub time_zone_column: Option<Spanned<String>>,
}

/// What to do with invalid audience rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvalidRows {
    Fail,
    Skip,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryFile {
    /// Requests in flight at once (1–256, default 8).
    #[serde(default)]
    #[schemars(with = "Option<u32>")]
    pub concurrency: Option<Spanned<u32>>,
    /// Recipients sent per second (1–100000, default 20).
    #[serde(default)]
    #[schemars(with = "Option<u32>")]
    pub rate_per_second: Option<Spanned<u32>>,
    /// Tries per request for throttling and connection errors (1–20, default 5).
    #[serde(default)]
    #[schemars(with = "Option<u32>")]
    pub max_attempts: Option<Spanned<u32>>,
    /// The base URL of `wacast listen` (absolute http(s), no query), e.g.
    /// `https://hooks.example.com/callbacks`; each message asks Sinch to report
    /// to `<callback_url>/<campaign name>`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub callback_url: Option<Spanned<String>>,
    /// When a recipient may be messaged, in the recipient's own local time.
    #[serde(default)]
    pub window: Option<WindowFile>,
    /// Unique recipients this sender (provider and account id) may reach
    /// in any rolling 24 hours, across every campaign in the same state
    /// (Meta's messaging limit tier, e.g. 10000); the rest wait.
    #[serde(default)]
    #[schemars(with = "Option<u32>")]
    pub messaging_limit: Option<Spanned<u32>>,
    /// A staged rollout: each wave is sent, then its gates are checked
    /// after `wait` before the next goes; recipients after the last wave go
    /// without further gates.
    #[serde(default)]
    pub waves: Option<Vec<super::waves::WaveFile>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptOutFile {
    /// Replies (text or quick-reply payload) that opt out, matched whole and
    /// case-insensitively (default `[STOP]`).
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub keywords: Option<Spanned<Vec<Spanned<String>>>>,
    /// The suppression list opted-out numbers are appended to, relative to the
    /// campaign file; once it exists, every plan excludes its numbers.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub file: Option<Spanned<String>>,
}

/// A minijinja expression from the campaign file, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// Which field it is, e.g. `template.body_params[1]`.
    pub field: String,
    pub source: String,
    pub line: u64,
    pub column: u64,
}

#[derive(Clone, Debug)]
pub struct Media {
    pub kind: MediaKind,
    pub url: Expr,
    pub filename: Option<Expr>,
    pub content_type: Option<String>,
    /// Sinch v1's media download credentials, by name.
    pub provider: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ButtonKind {
    /// A URL button whose suffix is a parameter.
    Url,
    /// A URL button with a fixed URL: it takes no parameter.
    StaticUrl,
    QuickReply,
    Call,
}

impl ButtonKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ButtonKind::Url => "url",
            ButtonKind::StaticUrl => "static_url",
            ButtonKind::QuickReply => "quick_reply",
            ButtonKind::Call => "call",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Button {
    pub kind: ButtonKind,
    /// The url parameter or quick-reply payload.
    pub value: Option<Expr>,
}

#[derive(Clone, Debug)]
pub struct Template {
    pub name: String,
    /// Where `template.name` is written: (line, column).
    pub name_at: (u64, u64),
    pub language: String,
    pub media: Option<Media>,
    pub header_params: Vec<Expr>,
    pub body_params: Vec<Expr>,
    pub buttons: Vec<Button>,
}

#[derive(Clone, Debug)]
pub struct AudienceSpec {
    pub file: PathBuf,
    pub phone_column: String,
    pub default_country: Option<Country>,
    pub suppress: Vec<PathBuf>,
    pub delimiter: Option<u8>,
    pub invalid: InvalidRows,
    /// `audience.time_zone_column`, when the window reads recipients' zones.
    pub time_zone_column: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub concurrency: u32,
    pub rate_per_second: u32,
    pub max_attempts: u32,
}

impl Default for Delivery {
    fn default() -> Delivery {
        Delivery {
            concurrency: 8,
            rate_per_second: 20,
            max_attempts: 5,
        }
    }
}

/// How recipients opt out by replying.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptOut {
    /// Upper-case keywords; a reply matching one (trimmed, any case) opts out.
    pub keywords: Vec<String>,
    /// The suppression list to append to, resolved against the campaign's folder.
    pub file: Option<PathBuf>,
}

impl Default for OptOut {
    fn default() -> OptOut {
        OptOut {
            keywords: vec!["STOP".to_owned()],
            file: None,
        }
    }
}

impl OptOut {
    /// The keyword `reply` matches, if any.
    pub fn matches(&self, reply: &str) -> Option<&str> {
        let reply = reply.trim();
        self.keywords
            .iter()
            .find(|k| k.eq_ignore_ascii_case(reply))
            .map(String::as_str)
    }
}

/// A campaign file that passed every check.
#[derive(Clone, Debug)]
pub struct Campaign {
    pub source: SourceFile,
    pub name: String,
    /// The name the campaign's journal records were kept under before it was
    /// renamed, if it was.
    pub renamed_from: Option<String>,
    pub sender: Sender,
    pub template: Template,
    pub audience: AudienceSpec,
    pub vars: BTreeMap<String, serde_json::Value>,
    pub delivery: Delivery,
    /// The catalog named in the file, resolved against the campaign's folder.
    pub catalog: Option<PathBuf>,
    /// `delivery.callback_url` without a trailing `/`.
    pub callback_url: Option<String>,
    /// `delivery.window`: when recipients may be messaged.
    pub window: Option<Window>,
    /// `delivery.messaging_limit`: unique recipients per rolling 24 hours.
    pub messaging_limit: Option<u32>,
    /// `delivery.waves`: the staged rollout, empty when there is none.
    pub waves: Vec<super::waves::Wave>,
    pub opt_out: OptOut,
    /// Problems of the file that do not stop it from being used.
    pub warnings: Diagnostics,
}

impl Campaign {
    /// Reads and checks the campaign file at `path`.
    pub fn load(path: &Path) -> Result<Campaign, Diagnostics> {
        let source = SourceFile::read(path).map_err(|error| {
            Diagnostic::error("campaign.read", format!("{error:#}")).at(path, 1, 0)
        })?;
        Campaign::from_source(source)
    }

    pub fn from_source(source: SourceFile) -> Result<Campaign, Diagnostics> {
        let file: CampaignFile = yaml::parse(&source).map_err(|d| Diagnostics::from(*d))?;
        Checker::new(&source).check(file)
    }

    /// The URL each message asks Sinch to report to: `<callback_url>/<name>`.
    pub fn message_callback(&self) -> Option<String> {
        self.callback_url
            .as_ref()
            .map(|base| format!("{base}/{}", self.name))
    }

    /// The folder paths in the file are relative to.
    pub fn dir(&self) -> PathBuf {
        base_dir(&self.source.path)
    }

    /// Every expression in the file, in file order.
    pub fn expressions(&self) -> Vec<&Expr> {
        let template = &self.template;
        let media = template
            .media
            .iter()
            .flat_map(|m| std::iter::once(&m.url).chain(m.filename.as_ref()));
        media
            .chain(&template.header_params)
            .chain(&template.body_params)
            .chain(template.buttons.iter().filter_map(|b| b.value.as_ref()))
            .collect()
    }
}

/// The rule `name` and `renamed_from` follow: lowercase letters, digits, `-`
/// and `_`, starting with a letter or digit.
pub fn is_campaign_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().enumerate().all(|(i, b)| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || (i > 0 && (b == b'-' || b == b'_'))
        })
}

fn base_dir(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Turns the YAML shape into a [`Campaign`], collecting every problem.
struct Checker<'a> {
    source: &'a SourceFile,
    problems: Diagnostics,
    /// `audience.time_zone_column`, checked once the window is known.
    time_zone_column: Option<Spanned<String>>,
}

impl<'a> Checker<'a> {
    fn new(source: &'a SourceFile) -> Checker<'a> {
        Checker {
            source,
            problems: Diagnostics::new(),
            time_zone_column: None,
        }
    }

    fn check(mut self, file: CampaignFile) -> Result<Campaign, Diagnostics> {
        self.version(&file.version);
        let name = self.name(&file.name);
        let renamed_from = file.renamed_from.map(|old| self.renamed_from(&old, &name));
        let sender = Sender::check(file.sender, &mut self);
        let media_provider = file
            .template
            .media
            .as_ref()
            .and_then(|m| m.provider.clone());
        if let Some(provider) = &media_provider
            && !matches!(sender, Sender::SinchV1(_))
        {
            self.error_help(
                provider,
                "campaign.media",
                "`provider` is a setting of Sinch's WhatsApp API v1 only",
                "the other providers fetch media from a public URL: remove `provider`",
            );
        }
        let template = self.template(file.template);
        let mut audience = self.audience(file.audience);
        let callback_url = self.callback_url(file.delivery.as_ref());
        let rate = file
            .delivery
            .as_ref()
            .and_then(|d| d.rate_per_second.clone());
        let mut delivery_file = file.delivery;
        let window_file = delivery_file.as_mut().and_then(|d| d.window.take());
        let written = window_file.is_some();
        let window = window_file.and_then(|w| super::window::check(w, &mut self));
        let messaging_limit = delivery_file
            .as_mut()
            .and_then(|d| d.messaging_limit.take())
            .map(|limit| self.bounded(Some(limit), "messaging_limit", 1, 100_000_000, 0));
        let waves = delivery_file
            .as_mut()
            .and_then(|d| d.waves.take())
            .map(|waves| super::waves::check(waves, &mut self))
            .unwrap_or_default();
        let delivery = self.delivery(delivery_file);
        if window.is_some() || !written {
            self.time_zone_column(&mut audience, window.as_ref());
        }
        if let Sender::MetaCloud(_) = &sender {
            super::meta_cloud_sender::check_rate(rate.as_ref(), &mut self);
        }
        let opt_out = self.opt_out(file.opt_out);
        let dir = base_dir(&self.source.path);
        let catalog = file.catalog.map(|c| dir.join(&c.value));
        if let Some(optouts) = &opt_out.file
            && optouts.exists()
            && !audience.suppress.contains(optouts)
        {
            audience.suppress.push(optouts.clone());
        }
        if self.problems.has_errors() {
            return Err(self.problems);
        }
        let warnings = std::mem::take(&mut self.problems);
        Ok(Campaign {
            source: self.source.clone(),
            name,
            renamed_from,
            sender,
            template,
            audience,
            vars: file.vars,
            delivery,
            catalog,
            callback_url,
            window,
            messaging_limit,
            waves,
            opt_out,
            warnings,
        })
    }

    /// Keeps `audience.time_zone_column` only where a window reads
    /// recipients' zones; elsewhere it would do nothing, and says so.
    fn time_zone_column(&mut self, audience: &mut AudienceSpec, window: Option<&Window>) {
        let Some(column) = self.time_zone_column.take() else {
            return;
        };
        let why = match window.map(|w| &w.time_zone) {
            Some(WindowZone::Recipient) => {
                audience.time_zone_column = Some(column.value);
                return;
            }
            Some(WindowZone::Fixed(_)) => "`delivery.window.time_zone` names one zone for everyone",
            None => "the campaign has no `delivery.window`",
        };
        self.warning_help(
            &column,
            "campaign.audience",
            "`audience.time_zone_column` is not used",
            why,
        );
    }

    fn callback_url(&mut self, delivery: Option<&DeliveryFile>) -> Option<String> {
        let url = delivery?.callback_url.as_ref()?;
        if !is_http_url(&url.value) || url.value.contains(['?', '#']) {
            self.error_help(
                url,
                "campaign.delivery",
                format!(
                    "`{}` is not an absolute http(s) URL without a query",
                    url.value
                ),
                "give the base URL of `wacast listen`, e.g. `https://hooks.example.com/callbacks`",
            );
        }
        Some(url.value.trim_end_matches('/').to_owned())
    }

    fn opt_out(&mut self, opt_out: Option<OptOutFile>) -> OptOut {
        let defaults = OptOut::default();
        let Some(opt_out) = opt_out else {
            return defaults;
        };
        let keywords = match opt_out.keywords {
            None => defaults.keywords,
            Some(keywords) => {
                for keyword in &keywords.value {
                    if keyword.value.trim().is_empty() {
                        self.error(keyword, "campaign.opt_out", "an opt-out keyword is empty");
                    }
                }
                if keywords.value.is_empty() {
                    self.error_help(
                        &keywords,
                        "campaign.opt_out",
                        "`opt_out.keywords` is empty",
                        "list at least one keyword, or leave `keywords` out for `[STOP]`",
                    );
                }
                keywords
                    .value
                    .iter()
                    .map(|k| k.value.trim().to_uppercase())
                    .collect()
            }
        };
        let file = opt_out.file.map(|file| {
            if file.value.trim().is_empty() {
                self.error(&file, "campaign.opt_out", "the opt-out file name is empty");
            }
            base_dir(&self.source.path).join(&file.value)
        });
        OptOut { keywords, file }
    }

    fn version(&mut self, version: &Spanned<u32>) {
        if version.value != 1 {
            self.error_help(
                version,
                "campaign.version",
                format!("unsupported format version `{}`", version.value),
                "this wacast reads campaign files of `version: 1`",
            );
        }
    }

    fn name(&mut self, name: &Spanned<String>) -> String {
        if !is_campaign_name(&name.value) {
            self.error_help(
                name,
                "campaign.name",
                format!("`{}` is not a valid campaign name", name.value),
                "use lowercase letters, digits, `-` and `_`, starting with a letter or digit",
            );
        }
        name.value.clone()
    }

    fn renamed_from(&mut self, old: &Spanned<String>, name: &str) -> String {
        if !is_campaign_name(&old.value) {
            self.error_help(
                old,
                "campaign.renamed_from",
                format!("`{}` is not a valid campaign name", old.value),
                "give the campaign's earlier `name`, as its journal records it",
            );
        } else if old.value == name {
            self.error_help(
                old,
                "campaign.renamed_from",
                format!("`renamed_from` is the campaign's own name `{name}`"),
                "give the name the campaign had before, or remove `renamed_from`",
            );
        }
        old.value.clone()
    }

    fn template(&mut self, template: TemplateFile) -> Template {
        if template.name.value.trim().is_empty() {
            self.error(
                &template.name,
                "campaign.template",
                "the template name is empty",
            );
        }
        self.language(&template.language);
        let media = template.media.map(|media| self.media(media));
        if template.header_params.len() > catalog::HEADER_PARAMS_MAX {
            self.error(
                &template.header_params[1],
                "campaign.template",
                format!(
                    "a template header takes at most one parameter, not {}",
                    template.header_params.len()
                ),
            );
        }
        if let (Some(media), Some(first)) = (&media, template.header_params.first()) {
            self.error(
                first,
                "campaign.template",
                format!(
                    "header parameters are for text headers; this template has a {} header",
                    media.as_ref().map_or("media", |m| m.kind.as_str())
                ),
            );
        }
        let header_params = exprs(&template.header_params, "template.header_params");
        let body_params = exprs(&template.body_params, "template.body_params");
        let buttons = template
            .buttons
            .into_iter()
            .enumerate()
            .filter_map(|(index, button)| self.button(index, button))
            .collect();
        Template {
            name_at: yaml::position(&template.name),
            name: template.name.value,
            language: template.language.value,
            media: media.flatten(),
            header_params,
            body_params,
            buttons,
        }
    }

    fn language(&mut self, language: &Spanned<String>) {
        if catalog::is_language(&language.value) {
            return;
        }
        let suggestions = catalog::language_suggestions(&language.value);
        let help = match suggestions.as_slice() {
            [] => "see the language codes in the README".to_owned(),
            [one] => format!("did you mean `{one}`?"),
            many => format!(
                "did you mean {}?",
                many.iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        self.error_help(
            language,
            "campaign.language",
            format!("`{}` is not a template language code", language.value),
            help,
        );
    }

    fn media(&mut self, media: MediaFile) -> Option<Media> {
        let kind = MediaKind::parse(&media.kind.value);
        if kind.is_none() {
            let why = match media.kind.value.as_str() {
                "audio" | "sticker" => "audio and sticker are not template headers; ",
                "text" => "a text header has no `media`; ",
                _ => "",
            };
            self.error_help(
                &media.kind,
                "campaign.media",
                format!("`{}` is not a template media type", media.kind.value),
                format!("{why}use `image`, `video` or `document`"),
            );
        }
        if let Some(provider) = &media.provider
            && (provider.value.trim().is_empty() || provider.value.chars().any(char::is_control))
        {
            self.error(
                provider,
                "campaign.media",
                "`provider` must name the credentials registered with Sinch's `/provision/provider`",
            );
        }
        if let (Some(filename), Some(kind)) = (&media.filename, kind)
            && kind != MediaKind::Document
        {
            self.error(
                filename,
                "campaign.media",
                format!("`filename` is for documents only, not {kind} headers"),
            );
        }
        let content_type = media
            .content_type
            .as_ref()
            .map(|c| catalog::essence(&c.value).into_owned());
        if let (Some(spanned), Some(content_type), Some(kind)) =
            (&media.content_type, &content_type, kind)
            && !kind.accepts(content_type)
        {
            self.error_help(
                spanned,
                "campaign.media",
                format!("{} header cannot be `{content_type}`", kind.with_article()),
                format!(
                    "{} must be one of {}",
                    kind.with_article(),
                    kind.accepted_types().join(", ")
                ),
            );
        }
        Some(Media {
            kind: kind?,
            url: expr(&media.url, "template.media.url"),
            filename: media
                .filename
                .as_ref()
                .map(|f| expr(f, "template.media.filename")),
            content_type,
            provider: media.provider.map(|p| p.value),
        })
    }

    fn button(&mut self, index: usize, button: ButtonFile) -> Option<Button> {
        let field = format!("template.buttons[{index}]");
        let kind = match button.kind.value.as_str() {
            "url" => ButtonKind::Url,
            "quick_reply" => ButtonKind::QuickReply,
            "call" => ButtonKind::Call,
            other => {
                self.error_help(
                    &button.kind,
                    "campaign.button",
                    format!("`{other}` is not a button type"),
                    "the button types are `url`, `quick_reply` and `call`",
                );
                return None;
            }
        };
        let kind = match kind {
            ButtonKind::Url if button.parameter.is_none() => ButtonKind::StaticUrl,
            kind => kind,
        };
        let (wanted, unwanted) = match kind {
            ButtonKind::Url | ButtonKind::StaticUrl => (
                button.parameter.as_ref().map(|p| (p, "parameter")),
                button.payload.as_ref().map(|p| (p, "payload")),
            ),
            ButtonKind::QuickReply => (
                button.payload.as_ref().map(|p| (p, "payload")),
                button.parameter.as_ref().map(|p| (p, "parameter")),
            ),
            ButtonKind::Call => (
                None,
                button
                    .parameter
                    .as_ref()
                    .map(|p| (p, "parameter"))
                    .or(button.payload.as_ref().map(|p| (p, "payload"))),
            ),
        };
        if let Some((value, name)) = unwanted {
            self.error(
                value,
                "campaign.button",
                format!("a `{}` button has no `{name}`", button.kind.value),
            );
        }
        Some(Button {
            kind,
            value: wanted.map(|(value, name)| expr(value, &format!("{field}.{name}"))),
        })
    }

    fn audience(&mut self, audience: AudienceFile) -> AudienceSpec {
        let dir = base_dir(&self.source.path);
        self.time_zone_column = audience.time_zone_column.clone();
        if audience.file.value.trim().is_empty() {
            self.error(
                &audience.file,
                "campaign.audience",
                "the audience file name is empty",
            );
        }
        let default_country = audience.default_country.as_ref().and_then(|country| {
            let parsed = Country::parse(&country.value);
            if parsed.is_none() {
                self.error_help(
                    country,
                    "campaign.audience",
                    format!("`{}` is not a two-letter country code", country.value),
                    "use an ISO 3166 code such as `GB`, `US` or `DE`",
                );
            }
            parsed
        });
        let delimiter = audience
            .delimiter
            .as_ref()
            .and_then(|d| match d.value.as_str() {
                "," => Some(b','),
                ";" => Some(b';'),
                "\t" | "\\t" | "tab" => Some(b'\t'),
                other => {
                    self.error_help(
                        d,
                        "campaign.audience",
                        format!("`{other}` is not a supported delimiter"),
                        "use `,`, `;` or `\"\\t\"`",
                    );
                    None
                }
            });
        let invalid = match audience.invalid.as_ref().map(|i| i.value.as_str()) {
            None | Some("fail") => InvalidRows::Fail,
            Some("skip") => InvalidRows::Skip,
            Some(other) => {
                let spanned = audience.invalid.as_ref().expect("matched Some");
                self.error_help(
                    spanned,
                    "campaign.audience",
                    format!("`{other}` is not a policy for invalid rows"),
                    "use `fail` or `skip`",
                );
                InvalidRows::Fail
            }
        };
        AudienceSpec {
            file: dir.join(&audience.file.value),
            phone_column: audience
                .phone_column
                .map_or_else(|| "phone".to_owned(), |c| c.value),
            default_country,
            suppress: audience
                .suppress
                .iter()
                .map(|s| dir.join(&s.value))
                .collect(),
            delimiter,
            invalid,
            time_zone_column: None,
        }
    }

    fn delivery(&mut self, delivery: Option<DeliveryFile>) -> Delivery {
        let defaults = Delivery::default();
        let Some(delivery) = delivery else {
            return defaults;
        };
        Delivery {
            concurrency: self.bounded(
                delivery.concurrency,
                "concurrency",
                1,
                256,
                defaults.concurrency,
            ),
            rate_per_second: self.bounded(
                delivery.rate_per_second,
                "rate_per_second",
                1,
                100_000,
                defaults.rate_per_second,
            ),
            max_attempts: self.bounded(
                delivery.max_attempts,
                "max_attempts",
                1,
                20,
                defaults.max_attempts,
            ),
        }
    }

    fn bounded(
        &mut self,
        value: Option<Spanned<u32>>,
        name: &str,
        min: u32,
        max: u32,
        default: u32,
    ) -> u32 {
        let Some(value) = value else {
            return default;
        };
        if !(min..=max).contains(&value.value) {
            self.error(
                &value,
                "campaign.delivery",
                format!(
                    "`delivery.{name}` must be between {min} and {max}, not {}",
                    value.value
                ),
            );
        }
        value.value
    }
}

impl FieldErrors for Checker<'_> {
    fn warning_help<T>(
        &mut self,
        at: &Spanned<T>,
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let (line, column) = yaml::position(at);
        let text = self.source.line(line).unwrap_or_default().to_owned();
        let width = yaml::token_width(&text, column);
        let diagnostic = Diagnostic::warning(code, message)
            .at(&self.source.path, line, column)
            .with_source(text, width)
            .help(help);
        self.problems.push(diagnostic);
    }

    /// An error at a spanned value, with a snippet underlining it.
    fn error<T>(&mut self, at: &Spanned<T>, code: &'static str, message: impl Into<String>) {
        let (line, column) = yaml::position(at);
        let text = self.source.line(line).unwrap_or_default().to_owned();
        let width = yaml::token_width(&text, column);
        let diagnostic = Diagnostic::error(code, message)
            .at(&self.source.path, line, column)
            .with_source(text, width);
        self.problems.push(diagnostic);
    }

    fn error_help<T>(
        &mut self,
        at: &Spanned<T>,
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.error(at, code, message);
        self.problems.help_last(help.into());
    }
}

fn expr(value: &Spanned<String>, field: &str) -> Expr {
    let (line, column) = yaml::position(value);
    Expr {
        field: field.to_owned(),
        source: value.value.clone(),
        line,
        column,
    }
}

fn exprs(values: &[Spanned<String>], field: &str) -> Vec<Expr> {
    values
        .iter()
        .enumerate()
        .map(|(index, value)| expr(value, &format!("{field}[{index}]")))
        .collect()
}
