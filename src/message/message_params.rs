//! A message and a campaign as labelled values, for reviewing changes: what a
//! recipient's message is made of (media, file name, header, body and button
//! parameters) and the campaign-level settings every recipient shares
//! (template, language, media, parameters, buttons, vars, delivery). Diffs compare these label
//! by label, so a change reads as `body {{2}}: "20%" → "25%"`.

use crate::campaign::Campaign;
use crate::message::{Button, Media, TemplateMessage};

/// The parts of `message` that can differ between recipients, labelled.
pub fn of_message(message: &TemplateMessage) -> Vec<(String, String)> {
    let mut params = Vec::new();
    each(message, |label, value| {
        params.push((label.to_string(), value))
    });
    params
}

/// The values of [`of_message`] without their labels, which are the same
/// for every recipient of a campaign: what each line of a plan file holds.
pub fn values_of_message(message: &TemplateMessage) -> Vec<String> {
    let mut values = Vec::new();
    each(message, |_, value| values.push(value));
    values
}

/// What a value of a message is.
enum Label {
    Media,
    File,
    Header(usize),
    Body(usize),
    Button(usize),
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Label::Media => write!(f, "media"),
            Label::File => write!(f, "file"),
            Label::Header(index) => write!(f, "header {{{{{}}}}}", index + 1),
            Label::Body(index) => write!(f, "body {{{{{}}}}}", index + 1),
            Label::Button(index) => write!(f, "button {}", index + 1),
        }
    }
}

/// Visits each part of `message` that can differ between recipients, in order.
fn each(message: &TemplateMessage, mut visit: impl FnMut(Label, String)) {
    if let Some(url) = message.media.url() {
        visit(Label::Media, url.to_owned());
    }
    if let Media::Document {
        filename: Some(name),
        ..
    } = &message.media
    {
        visit(Label::File, name.clone());
    }
    for (index, param) in message.header_params.iter().enumerate() {
        visit(Label::Header(index), param.clone());
    }
    for (index, param) in message.body_params.iter().enumerate() {
        visit(Label::Body(index), param.clone());
    }
    for (index, button) in message.buttons.iter().enumerate() {
        let value = match button {
            Button::Call => "call".to_owned(),
            Button::Url {
                parameter: Some(parameter),
            } => format!("url {parameter}"),
            Button::Url { parameter: None } => "url".to_owned(),
            Button::QuickReply { payload } => {
                format!("quick_reply {}", payload.as_deref().unwrap_or(""))
                    .trim_end()
                    .to_owned()
            }
        };
        visit(Label::Button(index), value);
    }
}

/// The settings every recipient of `campaign` shares, labelled, in a fixed order.
pub fn of_campaign(campaign: &Campaign) -> Vec<(String, String)> {
    let template = &campaign.template;
    let mut settings = vec![
        ("name".to_owned(), campaign.name.clone()),
        ("sender".to_owned(), campaign.sender.account().to_owned()),
        (
            "endpoint".to_owned(),
            campaign
                .sender
                .endpoint()
                .or(campaign.sender.region())
                .unwrap_or_default()
                .to_owned(),
        ),
        ("template".to_owned(), template.name.clone()),
        ("language".to_owned(), template.language.clone()),
    ];
    if let Some(media) = &template.media {
        settings.push(("media type".to_owned(), media.kind.as_str().to_owned()));
        settings.push(("media url".to_owned(), media.url.source.clone()));
        if let Some(filename) = &media.filename {
            settings.push(("media file".to_owned(), filename.source.clone()));
        }
        if let Some(provider) = &media.provider {
            settings.push(("media provider".to_owned(), provider.clone()));
        }
    }
    for (index, expr) in template.header_params.iter().enumerate() {
        settings.push((format!("header {{{{{}}}}}", index + 1), expr.source.clone()));
    }
    for (index, expr) in template.body_params.iter().enumerate() {
        settings.push((format!("body {{{{{}}}}}", index + 1), expr.source.clone()));
    }
    for (index, button) in template.buttons.iter().enumerate() {
        let value = button
            .value
            .as_ref()
            .map_or_else(String::new, |v| format!(" {}", v.source));
        settings.push((
            format!("button {}", index + 1),
            format!("{}{value}", button.kind.as_str()),
        ));
    }
    for (name, value) in &campaign.vars {
        settings.push((format!("vars.{name}"), value.to_string()));
    }
    let delivery = campaign.delivery;
    settings.push((
        "delivery".to_owned(),
        format!(
            "{} per second, {} in flight, {} attempt(s)",
            delivery.rate_per_second, delivery.concurrency, delivery.max_attempts
        ),
    ));
    settings
}
