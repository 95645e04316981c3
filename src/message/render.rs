//! Rendering: one minijinja environment per run with every expression of the
//! campaign compiled once, and a per-recipient context over the CSV row. CSV
//! values are data: they are looked up, never compiled, so `{{ 7*7 }}` in a cell
//! is sent as written. Undefined names are errors, and a fuel limit stops
//! runaway loops.

use crate::audience::{Headers, Row};
use crate::campaign::{ButtonKind, Campaign, Expr};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::message::substitution::Substitution;
use crate::message::{Button, Media, TemplateMessage};
use crate::whatsapp::catalog::MediaKind;
use minijinja::value::{Enumerator, Object, Value};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Instructions one expression may spend: plenty for filters and small loops,
/// too few for a runaway one.
const FUEL: u64 = 50_000;

pub struct Renderer {
    env: Environment<'static>,
    /// Expressions simple enough to fill in without the engine, by field.
    fast: Vec<(String, Substitution)>,
    campaign: Campaign,
    headers: Arc<Headers>,
    vars: Arc<BTreeMap<String, Value>>,
    audience_path: PathBuf,
}

impl Renderer {
    /// Compiles every expression of `campaign` and checks the names they use
    /// against the audience's columns and the campaign's vars.
    pub fn new(
        campaign: &Campaign,
        headers: Arc<Headers>,
        audience_path: &Path,
    ) -> Result<Renderer, Diagnostics> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_fuel(Some(FUEL));
        env.add_function("whatsapp_link", crate::whatsapp::click_link::whatsapp_link);
        let mut problems = Diagnostics::new();
        for expr in campaign.expressions() {
            if let Err(error) = env.add_template_owned(expr.field.clone(), expr.source.clone()) {
                problems.push(expr_diagnostic(
                    campaign,
                    expr,
                    "campaign.expression",
                    format!("cannot compile `{}`: {}", expr.source, detail(&error)),
                ));
            }
        }
        let vars: BTreeMap<String, Value> = campaign
            .vars
            .iter()
            .map(|(name, value)| (name.clone(), Value::from(minijinja::value::Serde(value))))
            .collect();
        let fast = campaign
            .expressions()
            .into_iter()
            .filter_map(|expr| {
                Substitution::parse(&expr.source, &headers, &campaign.vars)
                    .map(|s| (expr.field.clone(), s))
            })
            .collect();
        let renderer = Renderer {
            env,
            fast,
            campaign: campaign.clone(),
            headers,
            vars: Arc::new(vars),
            audience_path: audience_path.to_owned(),
        };
        if !problems.has_errors() {
            renderer.check_names(&mut problems);
        }
        if problems.has_errors() {
            return Err(problems);
        }
        Ok(renderer)
    }

    /// Every name an expression uses must be a column, a var, `row` or a function.
    fn check_names(&self, problems: &mut Diagnostics) {
        let globals: Vec<String> = self
            .env
            .globals()
            .map(|(name, _)| name.to_owned())
            .collect();
        for expr in self.campaign.expressions() {
            let Ok(template) = self.env.get_template(&expr.field) else {
                continue;
            };
            let mut names: Vec<String> = template.undeclared_variables(false).into_iter().collect();
            names.sort();
            for name in names {
                let known = name == "row"
                    || self.headers.position(&name).is_some()
                    || self.vars.contains_key(&name)
                    || globals.contains(&name);
                if known {
                    continue;
                }
                let mut diagnostic = expr_diagnostic(
                    &self.campaign,
                    expr,
                    "campaign.undefined",
                    format!(
                        "`{}` uses `{name}`, which is neither a column of `{}` nor a var",
                        expr.source,
                        self.audience_path.display()
                    ),
                );
                let help = match self.headers.closest(&name) {
                    Some(column) if column.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                        format!("did you mean `{column}`?")
                    }
                    Some(column) => format!("did you mean `row[\"{column}\"]`?"),
                    None => format!(
                        "the columns are {}",
                        self.headers
                            .names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                diagnostic = diagnostic.help(help);
                problems.push(diagnostic);
            }
        }
    }

    /// The message for one recipient, or every expression that failed for it.
    pub fn render(&self, row: Row) -> Result<TemplateMessage, Vec<Diagnostic>> {
        let line = row.line;
        let record = Arc::new(row.record);
        let mut context: Option<Value> = None;
        let mut problems = Vec::new();
        let mut render = |expr: &Expr| -> String {
            if let Some((_, fast)) = self.fast.iter().find(|(field, _)| *field == expr.field) {
                return fast.render(&record);
            }
            let context = context.get_or_insert_with(|| {
                Value::from_object(RowContext {
                    headers: self.headers.clone(),
                    record: record.clone(),
                    vars: self.vars.clone(),
                })
            });
            match self
                .env
                .get_template(&expr.field)
                .and_then(|t| t.render(&*context))
            {
                Ok(text) => text,
                Err(error) => {
                    problems.push(
                        Diagnostic::error(
                            "render",
                            format!("`{}` failed: {}", expr.source, detail(&error)),
                        )
                        .at(&self.audience_path, line, 0)
                        .field(expr.field.clone()),
                    );
                    String::new()
                }
            }
        };
        let template = &self.campaign.template;
        let media = match &template.media {
            None => Media::Text,
            Some(media) => {
                let url = render(&media.url);
                let provider = media.provider.clone();
                match media.kind {
                    MediaKind::Image => Media::Image { url, provider },
                    MediaKind::Video => Media::Video { url, provider },
                    MediaKind::Document => Media::Document {
                        url,
                        filename: media.filename.as_ref().map(&mut render),
                        provider,
                    },
                }
            }
        };
        let header_params = template.header_params.iter().map(&mut render).collect();
        let body_params = template.body_params.iter().map(&mut render).collect();
        let buttons = template
            .buttons
            .iter()
            .map(|button| match button.kind {
                ButtonKind::Call => Button::Call,
                ButtonKind::Url => Button::Url {
                    parameter: Some(button.value.as_ref().map(&mut render).unwrap_or_default()),
                },
                ButtonKind::StaticUrl => Button::Url { parameter: None },
                ButtonKind::QuickReply => Button::QuickReply {
                    payload: button.value.as_ref().map(&mut render),
                },
            })
            .collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(TemplateMessage {
            kind: "template".to_owned(),
            template_name: template.name.clone(),
            language: template.language.clone(),
            header_params,
            body_params,
            media,
            buttons,
        })
    }
}

/// A problem with an expression, at its place in the campaign file.
fn expr_diagnostic(
    campaign: &Campaign,
    expr: &Expr,
    code: &'static str,
    message: String,
) -> Diagnostic {
    let source = &campaign.source;
    let line = source.line(expr.line).unwrap_or_default().to_owned();
    let width = crate::campaign::yaml::token_width(&line, expr.column);
    Diagnostic::error(code, message)
        .at(&source.path, expr.line, expr.column)
        .with_source(line, width)
        .field(expr.field.clone())
}

/// minijinja's description of an error, without its template-name prefix.
fn detail(error: &minijinja::Error) -> String {
    let kind = error.kind().to_string();
    match error.detail() {
        Some(detail) => format!("{kind}: {detail}"),
        None => kind,
    }
}

/// What an expression sees: the row's columns by name, `row` for any column,
/// and the campaign's vars.
#[derive(Debug)]
struct RowContext {
    headers: Arc<Headers>,
    record: Arc<csv::StringRecord>,
    vars: Arc<BTreeMap<String, Value>>,
}

impl RowContext {
    fn column(&self, name: &str) -> Option<Value> {
        let index = self.headers.position(name)?;
        self.record.get(index).map(Value::from)
    }
}

impl Object for RowContext {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        if key == "row" {
            return Some(Value::from_object(RowColumns(self.clone())));
        }
        self.column(key).or_else(|| self.vars.get(key).cloned())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = self
            .headers
            .names
            .iter()
            .map(|n| Value::from(n.as_str()))
            .collect();
        keys.extend(self.vars.keys().map(|k| Value::from(k.as_str())));
        keys.push(Value::from("row"));
        Enumerator::Values(keys)
    }
}

/// `row`: every column by its header name, including names that are not identifiers.
#[derive(Debug)]
struct RowColumns(Arc<RowContext>);

impl Object for RowColumns {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.0.column(key.as_str()?)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.0
                .headers
                .names
                .iter()
                .map(|n| Value::from(n.as_str()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audience::Audience;

    /// The fast path and minijinja give the same text for what the fast path takes.
    #[test]
    fn substitutions_render_as_minijinja_does() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("a.csv");
        std::fs::write(&csv, "phone,name,city,First Name\n1,Ann,\"York, UK\",A\n").unwrap();
        let mut audience = Audience::open(&csv, None).unwrap();
        let headers = audience.headers.clone();
        let record = audience.next_row().unwrap().unwrap().record;
        let vars: BTreeMap<String, serde_json::Value> = serde_json::from_str(
            r#"{"discount": 20, "shop": "Acme", "big": 12345678901, "ratio": 0.5, "flag": true}"#,
        )
        .unwrap();
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        let context = Value::from_object(RowContext {
            headers: headers.clone(),
            record: Arc::new(record.clone()),
            vars: Arc::new(
                vars.iter()
                    .map(|(k, v)| (k.clone(), Value::from(minijinja::value::Serde(v))))
                    .collect(),
            ),
        });
        let fast = [
            "{{ name }}",
            "{{name}}",
            "{{  city  }}",
            "Hi {{ name }}, {{ discount }}% off at {{ shop }}",
            "https://cdn.example.com/{{ city }}/a.jpg",
            "{{ big }}",
            "plain text",
            "{{ name }}{{ name }}",
        ];
        for source in fast {
            let substitution = Substitution::parse(source, &headers, &vars)
                .unwrap_or_else(|| panic!("{source} is simple"));
            let expected = env
                .template_from_str(source)
                .unwrap()
                .render(&context)
                .unwrap();
            assert_eq!(substitution.render(&record), expected, "{source}");
        }
        let slow = [
            "{{ name | upper }}",
            "{{ row[\"First Name\"] }}",
            "{{- name }}",
            "{% if name %}x{% endif %}",
            "{{ ratio }}",
            "{{ flag }}",
            "{{ true }}",
            "{{ missing }}",
            "a {# c #} b",
            "x\n",
            "{{ name ~ city }}",
        ];
        for source in slow {
            assert_eq!(
                Substitution::parse(source, &headers, &vars),
                None,
                "{source} is left to minijinja"
            );
        }
    }
}
