//! The template message each recipient gets, in its canonical JSON form:
//! what render produces, the rules check, the digest covers, the plan shows
//! and the journal stages. It belongs to no provider: each transport turns
//! it into its own request, and one whose API takes a message object of this
//! very shape embeds the staged bytes as they are. Field order and serde
//! attributes are part of the digest: changing them changes every plan.

use serde::{Deserialize, Serialize};

/// A template message as one recipient gets it. Field order and names are
/// the canonical JSON: the serialised form is what plan digests cover and
/// what the journal stages.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateMessage {
    #[serde(rename = "type")]
    pub kind: String,
    pub template_name: String,
    pub language: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header_params: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body_params: Vec<String>,
    pub media: Media,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
}

/// A template header: `{"type":"text"}` or a media URL.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Media {
    Text,
    Image {
        url: String,
        /// The media's download credentials, by name, where the provider holds them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provider: Option<String>,
    },
    Video {
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provider: Option<String>,
    },
    Document {
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provider: Option<String>,
    },
}

impl Media {
    /// The media URL, if the header is a media header.
    pub fn url(&self) -> Option<&str> {
        match self {
            Media::Text => None,
            Media::Image { url, .. } | Media::Video { url, .. } | Media::Document { url, .. } => {
                Some(url)
            }
        }
    }
}

/// A template button, in template order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Button {
    Call,
    /// A URL button: a dynamic one carries its URL suffix; a static one is
    /// listed, in template order, without a parameter.
    Url {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parameter: Option<String>,
    },
    QuickReply {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payload: Option<String>,
    },
}
