//! How a plan reads: the text summary a reviewer sees in a pull request, the
//! Markdown of a pull-request comment and the JSON document CI consumes. All
//! are pure functions of the plan, with no clock or random ids in them, so the
//! same inputs (and journal) give the same bytes.
//!
//! Text opens with the one-line verdict (`Plan: 3 to send, 1 already sent, …`),
//! then the campaign, the counts per journal class, the inputs, the first
//! recipients' messages (each with its class sign) and the audience totals.

use super::neutralise::neutralise;
use crate::campaign::Campaign;
use crate::campaign::template_catalog::CatalogStatus;
use crate::diagnostic::Diagnostic;
use crate::message::{Button, Media, TemplateMessage};
use crate::phone::Phone;
use crate::plan::plan_file::ShownPlan;
use crate::plan::recipient_class::RecipientClass;
use crate::plan::{Counts, Plan};
use crate::transport::Provider;
use crate::view::Format;
use serde::Serialize;
use std::fmt::Write as _;

/// Renders the plan in `format`.
pub fn rendered(plan: &Plan, format: Format, show_numbers: bool) -> String {
    match format {
        Format::Text => text(plan, show_numbers),
        Format::Json => json(plan, show_numbers),
        Format::Markdown => markdown(plan, show_numbers),
    }
}

/// The plan in every format, as a plan file keeps it for `wacast show`.
pub fn shown(plan: &Plan, show_numbers: bool) -> ShownPlan {
    ShownPlan {
        text: text(plan, show_numbers),
        json: json(plan, show_numbers),
        markdown: markdown(plan, show_numbers),
    }
}

/// A saved plan in `format`, as `plan` printed it.
pub fn saved(shown: &ShownPlan, format: Format) -> &str {
    match format {
        Format::Text => &shown.text,
        Format::Json => &shown.json,
        Format::Markdown => &shown.markdown,
    }
}

/// Renders the plan as text.
pub fn text(plan: &Plan, show_numbers: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", summary(plan));
    let _ = writeln!(out);
    out.push_str(&body(plan, show_numbers));
    out
}

/// The text plan after its verdict line.
fn body(plan: &Plan, show_numbers: bool) -> String {
    let campaign = &plan.campaign;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "campaign  {} ({})",
        campaign.name,
        campaign.source.path.display()
    );
    let _ = writeln!(
        out,
        "sender    {} via {}",
        campaign.sender.account(),
        sender_target(campaign)
    );
    let _ = writeln!(
        out,
        "template  {} [{}]",
        campaign.template.name, campaign.template.language
    );
    let _ = writeln!(out, "header    {}", header(campaign));
    let _ = writeln!(
        out,
        "body      {} parameter(s)",
        campaign.template.body_params.len()
    );
    if !campaign.template.buttons.is_empty() {
        let kinds: Vec<&str> = campaign
            .template
            .buttons
            .iter()
            .map(|b| b.kind.as_str())
            .collect();
        let _ = writeln!(out, "buttons   {}", kinds.join(", "));
    }
    let _ = writeln!(out, "catalog   {}", catalog(&plan.catalog));
    let delivery = campaign.delivery;
    let _ = writeln!(
        out,
        "delivery  {} per second, {} in flight, {} attempt(s)",
        delivery.rate_per_second, delivery.concurrency, delivery.max_attempts
    );
    pace(&mut out, campaign, plan.to_send());
    counts(&mut out, &plan.counts);
    classes(&mut out, plan);
    if let Some(schedule) = &plan.schedule {
        out.push_str(&crate::view::schedule::lines(
            campaign.window.as_ref(),
            schedule,
        ));
    }
    for input in &plan.inputs {
        let _ = writeln!(
            out,
            "input     {} {} sha256:{}",
            input.role,
            input.path,
            &input.sha256[..16]
        );
    }
    for sample in &plan.samples {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} line {}  {}",
            sample.class.sign(),
            sample.line,
            number(&sample.phone, show_numbers)
        );
        message(&mut out, &sample.message);
    }
    if !plan.skipped.is_empty() {
        let _ = writeln!(out);
        for skipped in plan
            .skipped
            .iter()
            .take(crate::diagnostic::diagnostics::SHOWN_PER_KIND)
        {
            let who = skipped.phone.as_ref().map_or_else(
                || "(no valid number)".to_owned(),
                |p| number(p, show_numbers),
            );
            let _ = writeln!(out, "skip line {}  {who}: {}", skipped.line, skipped.reason);
        }
        if plan.skipped.len() > crate::diagnostic::diagnostics::SHOWN_PER_KIND {
            let _ = writeln!(
                out,
                "… and {} more skipped",
                plan.skipped.len() - crate::diagnostic::diagnostics::SHOWN_PER_KIND
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", audience_summary(plan));
    out
}

/// The one-line verdict that opens every plan: what apply would send.
pub fn summary(plan: &Plan) -> String {
    if !plan.is_valid() {
        return invalid(plan);
    }
    let c = &plan.state.classes;
    let mut line = format!(
        "Plan: {} to send, {} already sent, {} changed since sent, {} unknown, {} failed earlier",
        grouped(c.to_send),
        grouped(c.already_sent),
        grouped(c.changed),
        grouped(c.unknown),
        grouped(c.failed)
    );
    if c.removed > 0 {
        let _ = write!(line, ", {} no longer in the audience", grouped(c.removed));
    }
    line.push('.');
    line
}

fn invalid(plan: &Plan) -> String {
    format!(
        "Plan is invalid: {} error(s); nothing can be sent until they are fixed.",
        plan.diagnostics.error_count()
    )
}

/// The line that closes the text plan: the audience in numbers.
fn audience_summary(plan: &Plan) -> String {
    let c = &plan.counts;
    if !plan.is_valid() {
        return invalid(plan);
    }
    format!(
        "Audience: {} recipient(s) in {} distinct message(s), {} skipped, {} duplicate(s), {}.",
        c.recipients,
        c.distinct_messages,
        c.skipped,
        c.duplicates,
        suppressed(c, |n| n.to_string())
    )
}

/// `3 suppressed`, and how many of them by an opt-out the journal holds
/// when any are: `3 suppressed (1 opted out in the journal)`.
pub fn suppressed(c: &Counts, count: impl Fn(u64) -> String) -> String {
    let mut text = format!("{} suppressed", count(c.suppressed));
    if c.opted_out > 0 {
        text.push_str(&format!(
            " ({} opted out in the journal)",
            count(c.opted_out)
        ));
    }
    text
}

/// `9900` as `9,900`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The journal line: the recipients it knows, by class.
fn classes(out: &mut String, plan: &Plan) {
    let c = &plan.state.classes;
    if !plan.state.journal {
        let _ = writeln!(out, "journal   none yet: every recipient is new");
        return;
    }
    let _ = writeln!(
        out,
        "journal   + {} to send, = {} sent, ~ {} changed, ? {} unknown, ! {} failed, - {} no longer in the audience",
        c.to_send, c.already_sent, c.changed, c.unknown, c.failed, c.removed
    );
}

/// The plan as Markdown for a pull-request comment: a heading, the verdict,
/// a table of counts, the text plan in a fenced block and the diagnostics.
pub fn markdown(plan: &Plan, show_numbers: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### wacast plan: `{}`", plan.campaign.name);
    let _ = writeln!(out);
    let _ = writeln!(out, "**{}**", summary(plan));
    let _ = writeln!(out);
    let c = &plan.state.classes;
    let _ = writeln!(out, "| | recipients | |");
    let _ = writeln!(out, "|:-:|--:|:--|");
    for class in RecipientClass::ALL {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            class.sign(),
            grouped(c.get(class)),
            class.meaning()
        );
    }
    let _ = writeln!(
        out,
        "| `-` | {} | in the journal, no longer in the audience (untouched) |",
        grouped(c.removed)
    );
    let a = &plan.counts;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Audience: {} row(s), {} recipient(s), {} invalid, {} skipped, {} duplicate(s), {}, {} distinct message(s).",
        grouped(a.rows),
        grouped(a.recipients),
        grouped(a.invalid),
        grouped(a.skipped),
        grouped(a.duplicates),
        suppressed(a, grouped),
        grouped(a.distinct_messages)
    );
    if let Some(schedule) = &plan.schedule {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Schedule {}.",
            crate::view::schedule::verdict(schedule)
        );
        if let Some(waves) = &schedule.waves {
            let _ = writeln!(out, "Waves: {}.", crate::view::schedule::waves(waves));
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "<details><summary>Plan</summary>");
    let _ = writeln!(out);
    fenced(&mut out, &body(plan, show_numbers));
    let _ = writeln!(out, "</details>");
    let diagnostics = crate::view::diagnostics::render_diagnostics(&plan.diagnostics, false);
    if !diagnostics.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "**Diagnostics:** {} error(s), {} warning(s)",
            plan.diagnostics.error_count(),
            plan.diagnostics.warning_count()
        );
        let _ = writeln!(out);
        fenced(&mut out, &diagnostics);
    }
    out
}

/// `text` in a fence longer than any backtick run inside it.
fn fenced(out: &mut String, text: &str) {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{fence}text");
    out.push_str(text);
    let _ = writeln!(out, "{fence}");
}

fn sender_target(campaign: &Campaign) -> String {
    let sender = &campaign.sender;
    match (sender.endpoint(), sender.region()) {
        (Some(endpoint), _) => endpoint.to_owned(),
        (None, Some(region)) => format!(
            "{region} ({})",
            Provider::base_url(sender, None).unwrap_or_default()
        ),
        (None, None) => {
            Provider::base_url(sender, None).unwrap_or_else(|| "no endpoint".to_owned())
        }
    }
}

fn header(campaign: &Campaign) -> String {
    let template = &campaign.template;
    match &template.media {
        Some(media) => {
            let content = media
                .content_type
                .as_deref()
                .map_or_else(String::new, |c| format!(" ({c})"));
            let provider = media.provider.as_deref().map_or_else(String::new, |p| {
                format!(", downloaded with the credentials `{}`", neutralise(p))
            });
            format!(
                "{}{content} from `{}`{provider}",
                media.kind, media.url.source
            )
        }
        None if !template.header_params.is_empty() => {
            format!("text, {} parameter(s)", template.header_params.len())
        }
        None => "text".to_owned(),
    }
}

fn catalog(status: &CatalogStatus) -> String {
    match status {
        CatalogStatus::Checked(path) => format!("checked against {}", path.display()),
        CatalogStatus::NotChecked => "not checked (no templates.yaml)".to_owned(),
    }
}

/// For a provider with documented limits: how long sending takes at the
/// configured rate, and what the limits make of it.
fn pace(out: &mut String, campaign: &Campaign, to_send: u64) {
    let kind = campaign.sender.kind();
    let limits = kind.limits();
    if limits.requests_per_second.is_none() && limits.delivered_per_second.is_none() {
        return;
    }
    let rate = campaign.delivery.rate_per_second.max(1);
    let _ = writeln!(
        out,
        "duration  about {} to send {} at {rate} per second",
        duration_text(to_send, rate),
        grouped(to_send)
    );
    if let Some(most) = limits.requests_per_second.filter(|&most| rate > most) {
        let _ = writeln!(
            out,
            "warning   `rate_per_second: {rate}` exceeds the {most} requests per second `{}` accepts: the excess is answered 429 and waits",
            kind.as_str()
        );
    }
    if let Some(drain) = limits.delivered_per_second.filter(|&drain| rate > drain) {
        let _ = writeln!(
            out,
            "warning   `{}` passes messages to WhatsApp at {drain} per second by default: recipients get them over about {}, and a full queue is answered 429",
            kind.as_str(),
            duration_text(to_send, drain)
        );
    }
}

/// `count` messages at `rate` per second, in words.
fn duration_text(count: u64, rate: u32) -> String {
    let seconds = count.div_ceil(u64::from(rate.max(1)));
    match seconds {
        0..=119 => format!("{seconds} s"),
        120..=7199 => format!("{} min", seconds.div_ceil(60)),
        _ => format!("{:.1} h", seconds as f64 / 3600.0),
    }
}

fn counts(out: &mut String, c: &Counts) {
    let _ = writeln!(
        out,
        "audience  {} row(s): {} recipient(s), {} invalid, {} duplicate(s), {}",
        c.rows,
        c.recipients,
        c.invalid,
        c.duplicates,
        suppressed(c, |n| n.to_string())
    );
    let _ = writeln!(
        out,
        "messages  {} distinct, {} distinct media URL(s)",
        c.distinct_messages, c.distinct_media_urls
    );
}

fn message(out: &mut String, message: &TemplateMessage) {
    if let Some(url) = message.media.url() {
        let _ = writeln!(out, "  media   {url}");
    }
    if let Media::Document {
        filename: Some(name),
        ..
    } = &message.media
    {
        let _ = writeln!(out, "  file    {name}");
    }
    for (index, param) in message.header_params.iter().enumerate() {
        let _ = writeln!(out, "  header  {{{{{}}}}} {param}", index + 1);
    }
    for (index, param) in message.body_params.iter().enumerate() {
        let _ = writeln!(out, "  body    {{{{{}}}}} {param}", index + 1);
    }
    for button in &message.buttons {
        let text = match button {
            Button::Call => "call".to_owned(),
            Button::Url {
                parameter: Some(parameter),
            } => format!("url {parameter}"),
            Button::Url { parameter: None } => "url".to_owned(),
            Button::QuickReply { payload } => {
                format!("quick_reply {}", payload.as_deref().unwrap_or(""))
            }
        };
        let _ = writeln!(out, "  button  {}", text.trim_end());
    }
}

fn number(phone: &Phone, show: bool) -> String {
    if show {
        format!("+{phone}")
    } else {
        phone.masked()
    }
}

/// The plan as one JSON document.
pub fn json(plan: &Plan, show_numbers: bool) -> String {
    let campaign = &plan.campaign;
    let view = JsonPlan {
        campaign: &campaign.name,
        file: campaign.source.path.display().to_string(),
        valid: plan.is_valid(),
        template: JsonTemplate {
            name: &campaign.template.name,
            language: &campaign.template.language,
            header: header(campaign),
            body_params: campaign.template.body_params.len(),
            buttons: campaign
                .template
                .buttons
                .iter()
                .map(|b| b.kind.as_str())
                .collect(),
        },
        catalog: catalog(&plan.catalog),
        counts: &plan.counts,
        state: &plan.state,
        inputs: &plan.inputs,
        messages_digest: &plan.messages_digest,
        samples: plan
            .samples
            .iter()
            .map(|s| JsonSample {
                class: s.class.sign(),
                line: s.line,
                to: number(&s.phone, show_numbers),
                message: &s.message,
            })
            .collect(),
        skipped: plan
            .skipped
            .iter()
            .map(|s| JsonSkipped {
                line: s.line,
                to: s.phone.as_ref().map(|p| number(p, show_numbers)),
                reason: &s.reason,
            })
            .collect(),
        diagnostics: plan.diagnostics.shown(),
        errors: plan.diagnostics.error_count(),
        warnings: plan.diagnostics.warning_count(),
        schedule: plan.schedule.as_ref(),
    };
    let mut text = serde_json::to_string_pretty(&view).expect("plans always serialise");
    text.push('\n');
    text
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    campaign: &'a str,
    file: String,
    valid: bool,
    template: JsonTemplate<'a>,
    catalog: String,
    counts: &'a Counts,
    state: &'a crate::plan::plan_file::PlanState,
    inputs: &'a [crate::pipeline::Input],
    messages_digest: &'a str,
    samples: Vec<JsonSample<'a>>,
    skipped: Vec<JsonSkipped<'a>>,
    diagnostics: &'a [Diagnostic],
    errors: u64,
    warnings: u64,
    /// Only when the campaign declares a schedule, so other plans read as
    /// they always did.
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: Option<&'a crate::schedule::ScheduleSummary>,
}

#[derive(Serialize)]
struct JsonTemplate<'a> {
    name: &'a str,
    language: &'a str,
    header: String,
    body_params: usize,
    buttons: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonSample<'a> {
    class: char,
    line: u64,
    to: String,
    message: &'a TemplateMessage,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    line: u64,
    to: Option<String>,
    reason: &'a str,
}
