//! What the campaign accepts as a URL: absolute http(s) with a host.

/// Whether `text` is an absolute http or https URL with a host.
pub fn is_http_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !text.contains(char::is_whitespace)
    })
}
