//! What the campaign accepts as a URL: absolute http(s) with a host.

/// Whether `text` is an absolute http or https URL with a host.
pub fn is_http_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        // Every row's media URL is checked: bytes first, characters only
        // where there are other than ASCII ones.
        !host.is_empty()
            && !text.bytes().any(|b| b.is_ascii_whitespace() || b == 0x0b)
            && (text.is_ascii() || !text.contains(char::is_whitespace))
    })
}

#[cfg(test)]
mod tests {
    use super::is_http_url;

    #[test]
    fn a_url_has_a_scheme_a_host_and_no_whitespace() {
        assert!(is_http_url("https://cdn.example.com/vip/spring.jpg"));
        assert!(is_http_url("http://example.com"));
        assert!(is_http_url("https://example.com/caf\u{e9}.jpg"));
        assert!(!is_http_url("ftp://example.com/a.jpg"));
        assert!(!is_http_url("https:///a.jpg"));
        assert!(!is_http_url("cdn.example.com/a.jpg"));
        for space in [
            " ", "\t", "\n", "\r", "\u{b}", "\u{c}", "\u{85}", "\u{a0}", "\u{2028}", "\u{3000}",
        ] {
            let url = format!("https://example.com/a{space}b.jpg");
            assert!(!is_http_url(&url), "{url:?}");
        }
    }
}
