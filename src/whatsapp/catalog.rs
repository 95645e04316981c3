//! The reference tables wacast checks against: template language codes, the media
//! header kinds with their content types and size limits, and the platform's
//! parameter limits. Everything here is data from WhatsApp's and Sinch's
//! contracts; no other module hard-codes these facts.

/// Every language code a template may be sent in, exactly as WhatsApp expects
/// it: Meta's list of template languages ("Supported Languages",
/// developers.facebook.com/documentation/business-messaging/whatsapp/templates/supported-languages,
/// updated 2026-05-21, read 2026-11-28), in its order. Sinch passes the code
/// through to WhatsApp, so its older table of 68 codes (2021) is a subset.
/// The page's rows up to `lv` were read from the 2026 page; the rows after it
/// are those of the same page as published since 2023 (`lt` … `zu`).
pub const LANGUAGES: &[&str] = &[
    "af", "sq", "ar", "ar_EG", "ar_AE", "ar_LB", "ar_MA", "ar_QA", "az", "be_BY", "bn", "bn_IN",
    "bg", "ca", "zh_CN", "zh_HK", "zh_TW", "hr", "cs", "da", "prs_AF", "nl", "nl_BE", "en",
    "en_GB", "en_US", "en_AE", "en_AU", "en_CA", "en_GH", "en_IE", "en_IN", "en_JM", "en_MY",
    "en_NZ", "en_QA", "en_SG", "en_UG", "en_ZA", "et", "fil", "fi", "fr", "fr_BE", "fr_CA",
    "fr_CH", "fr_CI", "fr_MA", "ka", "de", "de_AT", "de_CH", "el", "gu", "ha", "he", "hi", "hu",
    "id", "ga", "it", "ja", "kn", "kk", "rw_RW", "ko", "ky_KG", "lo", "lv", "lt", "mk", "ms", "ml",
    "mr", "nb", "fa", "pl", "pt_BR", "pt_PT", "pa", "ro", "ru", "sr", "sk", "sl", "es", "es_AR",
    "es_ES", "es_MX", "sw", "sv", "ta", "te", "th", "tr", "uk", "ur", "uz", "vi", "zu",
];

/// Largest header text (template text plus parameters), in characters.
pub const HEADER_PARAM_MAX_CHARS: usize = 60;
/// Largest body (template text plus parameters), in characters.
pub const BODY_PARAMS_MAX_CHARS: usize = 1024;
/// Most header parameters a template takes.
pub const HEADER_PARAMS_MAX: usize = 1;
/// Most consecutive spaces a parameter may hold.
pub const CONSECUTIVE_SPACES_MAX: usize = 4;

/// Whether `code` is a template language code.
pub fn is_language(code: &str) -> bool {
    LANGUAGES.contains(&code)
}

/// The codes a user probably meant by `code`, best first: case and separator
/// slips (`en-US`, `EN`) map to one code; a bare language with regional variants
/// only (`pt`) lists them all.
pub fn language_suggestions(code: &str) -> Vec<&'static str> {
    let folded = code.trim().replace('-', "_").to_ascii_lowercase();
    let exact: Vec<&str> = LANGUAGES
        .iter()
        .copied()
        .filter(|known| known.to_ascii_lowercase() == folded)
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let base = folded.split('_').next().unwrap_or_default().to_owned();
    let regional: Vec<&str> = LANGUAGES
        .iter()
        .copied()
        .filter(|known| known.split('_').next() == Some(base.as_str()))
        .collect();
    if !regional.is_empty() {
        return regional;
    }
    LANGUAGES
        .iter()
        .copied()
        .filter(|known| strsim::damerau_levenshtein(&known.to_ascii_lowercase(), &folded) == 1)
        .collect()
}

/// A template header's media kind. Audio and sticker exist as WhatsApp media but
/// never as template headers, so they are not variants here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaKind {
    Image,
    Video,
    Document,
}

const MB: u64 = 1024 * 1024;

const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png"];
const VIDEO_TYPES: &[&str] = &["video/mp4", "video/3gpp"];
const AUDIO_TYPES: &[&str] = &[
    "audio/aac",
    "audio/mp4",
    "audio/amr",
    "audio/mpeg",
    "audio/ogg",
    "audio/opus",
];
const STICKER_TYPES: &[&str] = &["image/webp"];
const DOCUMENT_ONLY_TYPES: &[&str] = &[
    "text/plain",
    "text/csv",
    "application/pdf",
    "application/msword",
    "application/x-tar",
    "application/rtf",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.ms-excel",
    "application/vnd.oasis.opendocument.text",
];

/// File extensions and the content type each implies.
const EXTENSIONS: &[(&str, &str)] = &[
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("webp", "image/webp"),
    ("mp4", "video/mp4"),
    ("3gp", "video/3gpp"),
    ("3gpp", "video/3gpp"),
    ("aac", "audio/aac"),
    ("m4a", "audio/mp4"),
    ("amr", "audio/amr"),
    ("mp3", "audio/mpeg"),
    ("ogg", "audio/ogg"),
    ("opus", "audio/opus"),
    ("txt", "text/plain"),
    ("csv", "text/csv"),
    ("pdf", "application/pdf"),
    ("doc", "application/msword"),
    ("tar", "application/x-tar"),
    ("rtf", "application/rtf"),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("odp", "application/vnd.oasis.opendocument.presentation"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("xls", "application/vnd.ms-excel"),
    ("odt", "application/vnd.oasis.opendocument.text"),
];

impl MediaKind {
    pub const ALL: [MediaKind; 3] = [MediaKind::Image, MediaKind::Video, MediaKind::Document];

    /// The name used on the wire and in campaign files.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Document => "document",
        }
    }

    pub fn parse(name: &str) -> Option<MediaKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Largest file WhatsApp accepts for this kind, in bytes.
    pub fn max_bytes(self) -> u64 {
        match self {
            MediaKind::Image => 5 * MB,
            MediaKind::Video => 16 * MB,
            MediaKind::Document => 100 * MB,
        }
    }

    /// Whether a file of `content_type` may be sent as this kind. A document may be
    /// any supported media type as well as the document formats.
    pub fn accepts(self, content_type: &str) -> bool {
        let content_type = essence(content_type);
        let lists: &[&[&str]] = match self {
            MediaKind::Image => &[IMAGE_TYPES],
            MediaKind::Video => &[VIDEO_TYPES],
            MediaKind::Document => &[
                IMAGE_TYPES,
                VIDEO_TYPES,
                AUDIO_TYPES,
                STICKER_TYPES,
                DOCUMENT_ONLY_TYPES,
            ],
        };
        lists.iter().any(|list| list.contains(&&*content_type))
    }

    /// The content types this kind accepts, for messages.
    pub fn accepted_types(self) -> Vec<&'static str> {
        match self {
            MediaKind::Image => IMAGE_TYPES.to_vec(),
            MediaKind::Video => VIDEO_TYPES.to_vec(),
            MediaKind::Document => [
                DOCUMENT_ONLY_TYPES,
                IMAGE_TYPES,
                VIDEO_TYPES,
                AUDIO_TYPES,
                STICKER_TYPES,
            ]
            .concat(),
        }
    }
}

impl MediaKind {
    /// The kind with its article, for sentences: "an image", "a video".
    pub fn with_article(self) -> &'static str {
        match self {
            MediaKind::Image => "an image",
            MediaKind::Video => "a video",
            MediaKind::Document => "a document",
        }
    }
}

impl std::fmt::Display for MediaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The media type part of a Content-Type header, lowercased, without parameters.
/// `application/rtf.0` (as one source spells it) reads as `application/rtf`.
/// Borrowed when already so: the check of every audience row's media URL
/// passes through here.
pub fn essence(content_type: &str) -> std::borrow::Cow<'_, str> {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let essence = match essence.bytes().any(|b| b.is_ascii_uppercase()) {
        true => std::borrow::Cow::Owned(essence.to_ascii_lowercase()),
        false => std::borrow::Cow::Borrowed(essence),
    };
    match &*essence {
        "application/rtf.0" | "text/rtf" => std::borrow::Cow::Borrowed("application/rtf"),
        "image/jpg" => std::borrow::Cow::Borrowed("image/jpeg"),
        _ => essence,
    }
}

/// The content type implied by the extension of a URL's path, if known.
pub fn content_type_from_url(url: &str) -> Option<&'static str> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    let (_, extension) = last.rsplit_once('.')?;
    EXTENSIONS
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(extension))
        .map(|(_, content_type)| *content_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metas_current_regional_codes_are_languages() {
        for code in [
            "en_AU", "fr_CA", "ka", "ar_EG", "de_AT", "prs_AF", "ky_KG", "en_GB",
        ] {
            assert!(is_language(code), "{code}");
        }
        for code in ["en-AU", "EN_au", "fr_FR", "pt"] {
            assert!(!is_language(code), "{code}");
        }
        assert_eq!(language_suggestions("fr-ca"), ["fr_CA"]);
        let mut sorted = LANGUAGES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), LANGUAGES.len(), "no code twice");
    }

    #[test]
    fn near_miss_language_codes_get_suggestions() {
        assert_eq!(language_suggestions("en-US"), vec!["en_US"]);
        assert_eq!(language_suggestions("EN"), vec!["en"]);
        assert_eq!(language_suggestions("pt"), vec!["pt_BR", "pt_PT"]);
        assert_eq!(language_suggestions("en_gb"), vec!["en_GB"]);
        assert!(language_suggestions("xx_YY").is_empty());
    }

    #[test]
    fn media_kinds_accept_only_their_types() {
        assert!(MediaKind::Image.accepts("image/jpeg; charset=binary"));
        assert!(!MediaKind::Image.accepts("image/webp"));
        assert!(!MediaKind::Image.accepts("image/gif"));
        assert!(MediaKind::Video.accepts("video/3gpp"));
        assert!(MediaKind::Document.accepts("application/pdf"));
        assert!(MediaKind::Document.accepts("application/rtf.0"));
        assert!(!MediaKind::Video.accepts("application/pdf"));
    }

    #[test]
    fn content_type_comes_from_the_path_extension() {
        assert_eq!(
            content_type_from_url("https://cdn.example.com/a/b.JPG?x=1.png"),
            Some("image/jpeg")
        );
        assert_eq!(content_type_from_url("https://cdn.example.com/file"), None);
        assert_eq!(
            content_type_from_url("https://cdn.example.com/a.pdf#p=2"),
            Some("application/pdf")
        );
    }
}
