//! Header lookup over the plain `(name, value)` pairs this crate exchanges
//! with its callers, so it depends on no HTTP library.

/// The value of the first header named `name` (ASCII case-insensitive).
pub fn find<'a>(headers: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_case_insensitively() {
        let headers = [("Retry-After", "3"), ("retry-after", "9")];
        assert_eq!(super::find(&headers, "retry-after"), Some("3"));
        assert_eq!(super::find(&headers, "x"), None);
    }
}
