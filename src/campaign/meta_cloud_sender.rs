//! The `sender` of a campaign sent through Meta's WhatsApp Cloud API:
//! `provider: meta-cloud`, the business number's `phone_number_id` (digits,
//! Meta's id of the number, not the number), the Graph API version in the
//! path (`vNN.N`, default [`DEFAULT_GRAPH_VERSION`]) and an optional
//! `endpoint` replacing `https://graph.facebook.com`.

use super::field_errors::FieldErrors;
use super::sender::{SenderFile, check_endpoint};
use super::yaml::Spanned;

/// The Graph API version used unless the campaign names one: a current
/// version (pywa supports v17.0 to v25.0; Meta's examples use v23.0).
pub const DEFAULT_GRAPH_VERSION: &str = "v23.0";

/// A business number on the Cloud API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetaCloudSender {
    pub phone_number_id: String,
    /// `vNN.N`.
    pub graph_version: String,
    /// Without a trailing `/`.
    pub endpoint: Option<String>,
}

/// Checks the `meta-cloud` fields of `file`, reporting every problem.
pub(super) fn check(
    file: SenderFile,
    at: &Spanned<()>,
    checker: &mut impl FieldErrors,
) -> MetaCloudSender {
    let phone_number_id = match &file.phone_number_id {
        Some(id) => {
            if id.value.is_empty() || !id.value.bytes().all(|b| b.is_ascii_digit()) {
                checker.error_help(
                    id,
                    "campaign.sender",
                    format!("`{}` is not a phone number id", id.value),
                    "Meta's phone number id is all digits (WhatsApp Manager → phone numbers); it is not the number itself",
                );
            }
            id.value.clone()
        }
        None => {
            checker.error_help(
                at,
                "campaign.sender",
                "`sender` needs a `phone_number_id` (Meta's id of the business number)",
                "add `phone_number_id: \"…\"` to `sender`",
            );
            String::new()
        }
    };
    let graph_version = match &file.graph_version {
        Some(version) => {
            if !is_graph_version(&version.value) {
                checker.error_help(
                    version,
                    "campaign.sender",
                    format!("`{}` is not a Graph API version", version.value),
                    format!("write it as `vNN.N`, e.g. `{DEFAULT_GRAPH_VERSION}`"),
                );
            }
            version.value.clone()
        }
        None => DEFAULT_GRAPH_VERSION.to_owned(),
    };
    check_endpoint(file.endpoint.as_ref(), checker);
    MetaCloudSender {
        phone_number_id,
        graph_version,
        endpoint: file
            .endpoint
            .map(|e| e.value.trim_end_matches('/').to_owned()),
    }
}

/// Meta's default throughput per business number, in messages per second:
/// 80, raised automatically up to 1,000 (M `throughput`); beyond it Graph
/// answers 130429.
pub const DEFAULT_THROUGHPUT: u32 = 80;

/// Warns when `delivery.rate_per_second` exceeds Meta's default throughput.
pub(super) fn check_rate(rate: Option<&Spanned<u32>>, checker: &mut impl FieldErrors) {
    if let Some(rate) = rate
        && rate.value > DEFAULT_THROUGHPUT
    {
        checker.warning_help(
            rate,
            "campaign.delivery",
            format!(
                "`delivery.rate_per_second` is {}, more than the {DEFAULT_THROUGHPUT} messages per second Meta allows a business number by default",
                rate.value
            ),
            "unless Meta has raised this number's throughput (up to 1,000/s), lower it to 80 or expect throttling (130429)",
        );
    }
}

/// `v` and a version such as `23.0`: digits, a dot, digits.
pub fn is_graph_version(text: &str) -> bool {
    let Some((major, minor)) = text.strip_prefix('v').and_then(|v| v.split_once('.')) else {
        return false;
    };
    let digits =
        |part: &str| (1..=3).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    digits(major) && digits(minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_versions_are_v_major_dot_minor() {
        for good in ["v23.0", "v17.0", "v9.1"] {
            assert!(is_graph_version(good), "{good}");
        }
        for bad in [
            "23.0", "v23", "v23.", "v.0", "V23.0", "v23.0.1", "v2x.0", "",
        ] {
            assert!(!is_graph_version(bad), "{bad}");
        }
    }
}
