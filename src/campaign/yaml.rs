//! The only module that knows YAML. It turns a YAML file into a typed value,
//! and a YAML error into a [`Diagnostic`] with the file, line, column and a
//! snippet, adding a "did you mean" for misspelt field names.

use crate::diagnostic::Diagnostic;
use crate::diagnostic::source_file::SourceFile;
use serde::de::DeserializeOwned;

/// A value with the place in the YAML file it came from.
pub type Spanned<T> = serde_saphyr::Spanned<T>;

/// Where a spanned value stands: (line, column), both from 1.
pub fn position<T>(value: &Spanned<T>) -> (u64, u64) {
    (value.referenced.line(), value.referenced.column())
}

/// Parses `source` as one YAML document of type `T`.
pub fn parse<T: DeserializeOwned>(source: &SourceFile) -> Result<T, Box<Diagnostic>> {
    let options = serde_saphyr::options! {
        with_snippet: false,
        strict_booleans: true,
    };
    serde_saphyr::from_str_with_options(&source.text, options)
        .map_err(|error| Box::new(diagnostic(source, &error)))
}

fn diagnostic(source: &SourceFile, error: &serde_saphyr::Error) -> Diagnostic {
    let message = strip_position(&error.without_snippet().to_string());
    let mut diagnostic = Diagnostic::error("campaign.yaml", message.clone());
    if let Some(suggestion) = unknown_field_suggestion(&message) {
        diagnostic = diagnostic.help(format!("did you mean `{suggestion}`?"));
    }
    match error.location() {
        Some(location) if location.line() > 0 => {
            let (line, column) = (location.line(), location.column().max(1));
            let text = source.line(line).unwrap_or_default();
            let width = token_width(text, column);
            diagnostic
                .at(&source.path, line, column)
                .with_source(text, width)
        }
        _ => diagnostic.at(&source.path, 1, 0),
    }
}

/// The parser's message without the position it appends (we show our own).
fn strip_position(message: &str) -> String {
    let message = message.lines().next().unwrap_or_default();
    let cut = message.find(" at line ").unwrap_or(message.len());
    message[..cut].trim().to_owned()
}

/// For "unknown field `bodyparams`, expected one of a, b": the closest expected name.
fn unknown_field_suggestion(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (field, rest) = rest.split_once('`')?;
    let expected = rest
        .split("expected one of ")
        .nth(1)
        .or_else(|| rest.split("expected ").nth(1))?;
    expected
        .split(',')
        .map(|name| name.trim().trim_matches('`'))
        .map(|name| (strsim::normalized_damerau_levenshtein(field, name), name))
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name.to_owned())
}

/// How many characters of the YAML token at `column` (from 1) to underline: a
/// quoted scalar up to its closing quote, otherwise up to `,` `]` `}` `#` or
/// the line's end.
pub fn token_width(line: &str, column: u64) -> usize {
    let rest: Vec<char> = line
        .chars()
        .skip(column.saturating_sub(1) as usize)
        .collect();
    let width = match rest.first() {
        Some(quote @ ('"' | '\'')) => rest
            .iter()
            .skip(1)
            .position(|c| c == quote)
            .map_or(rest.len(), |end| end + 2),
        _ => {
            let key_end = rest.windows(2).position(|pair| pair == [':', ' ']);
            let end = rest
                .iter()
                .position(|c| matches!(c, ',' | ']' | '}' | '#'))
                .into_iter()
                .chain(key_end)
                .min()
                .unwrap_or(rest.len());
            rest[..end]
                .iter()
                .collect::<String>()
                .trim_end()
                .chars()
                .count()
        }
    };
    width.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_fields_get_a_suggestion() {
        assert_eq!(
            unknown_field_suggestion(
                "unknown field `bodyparams`, expected one of `name`, `body_params`, `buttons`"
            ),
            Some("body_params".to_owned())
        );
        assert_eq!(
            unknown_field_suggestion(
                "unknown field `bodyparams`, expected one of name, body_params, buttons"
            ),
            Some("body_params".to_owned())
        );
        assert_eq!(
            unknown_field_suggestion("unknown field `zzz`, expected one of `name`, `body_params`"),
            None
        );
    }

    #[test]
    fn underlines_whole_tokens() {
        assert_eq!(token_width(r#"  body_params: ["{{ a }}", "b"]"#, 17), 9);
        assert_eq!(token_width("  language: en-GB  # note", 13), 5);
        assert_eq!(token_width("  - {type: url, parameter: x}", 12), 3);
    }
}
