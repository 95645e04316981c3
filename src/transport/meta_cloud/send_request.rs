//! The body of `POST /{version}/{phone_number_id}/messages` for one template message.
//!
//! Shape (Meta's `coupon-templates` example; WhatsApp-Nodejs-SDK `src/types/messages.ts`):
//! `{"messaging_product":"whatsapp","recipient_type":"individual","to":…,"type":"template",
//! "template":{"name","language":{"code"},"components":[…]},"biz_opaque_callback_data":…}`.
//!
//! Everything but `to` is the same for every recipient of a message, so [`PreparedTemplate`]
//! renders it once and a body is then two copies around the number.

use bytes::Bytes;
use serde::Serialize;

use crate::message::{Button, Media, TemplateMessage};

/// A message rendered once: the body bytes before and after the recipient's number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedTemplate {
    before_to: Vec<u8>,
    after_to: Vec<u8>,
}

impl PreparedTemplate {
    /// Renders `message` with `opaque` as `biz_opaque_callback_data`.
    ///
    /// An empty `opaque` leaves the field out; Meta echoes the value in this message's
    /// status webhooks (pywa `api.py`, `types/message_status.py`).
    pub fn new(message: &TemplateMessage, opaque: &str) -> Self {
        let before_to =
            br#"{"messaging_product":"whatsapp","recipient_type":"individual","to":"#.to_vec();
        let mut after_to = br#","type":"template","template":"#.to_vec();
        serde_json::to_writer(&mut after_to, &WireTemplate::from(message))
            .expect("a template of strings always serialises");
        if !opaque.is_empty() {
            after_to.extend_from_slice(br#","biz_opaque_callback_data":"#);
            serde_json::to_writer(&mut after_to, opaque).expect("a string always serialises");
        }
        after_to.push(b'}');
        Self {
            before_to,
            after_to,
        }
    }

    /// The request body for one recipient, `to_digits` being the number without `+`.
    pub fn body(&self, to_digits: &str) -> Vec<u8> {
        let mut body =
            Vec::with_capacity(self.before_to.len() + to_digits.len() + 2 + self.after_to.len());
        self.write_body(to_digits, &mut body);
        body
    }

    /// [`PreparedTemplate::body`] as [`Bytes`], ready for an HTTP client.
    pub fn body_bytes(&self, to_digits: &str) -> Bytes {
        Bytes::from(self.body(to_digits))
    }

    /// Appends the request body for one recipient to `out`.
    pub fn write_body(&self, to_digits: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.before_to);
        if to_digits.bytes().all(|b| b.is_ascii_digit()) {
            out.push(b'"');
            out.extend_from_slice(to_digits.as_bytes());
            out.push(b'"');
        } else {
            serde_json::to_writer(&mut *out, to_digits).expect("a string always serialises");
        }
        out.extend_from_slice(&self.after_to);
    }
}

/// The request body for one recipient: [`PreparedTemplate`] for a single use.
pub fn request_body(to_digits: &str, message: &TemplateMessage, opaque: &str) -> Vec<u8> {
    PreparedTemplate::new(message, opaque).body(to_digits)
}

#[derive(Serialize)]
struct WireTemplate<'a> {
    name: &'a str,
    language: WireLanguage<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<WireComponent<'a>>,
}

#[derive(Serialize)]
struct WireLanguage<'a> {
    code: &'a str,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireComponent<'a> {
    Header {
        parameters: [WireParameter<'a>; 1],
    },
    Body {
        parameters: Vec<WireParameter<'a>>,
    },
    Button {
        sub_type: &'static str,
        index: String,
        parameters: [WireParameter<'a>; 1],
    },
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireParameter<'a> {
    Text { text: &'a str },
    Image { image: WireMedia<'a> },
    Video { video: WireMedia<'a> },
    Document { document: WireMedia<'a> },
    Payload { payload: &'a str },
}

#[derive(Serialize)]
struct WireMedia<'a> {
    link: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<&'a str>,
}

impl<'a> From<&'a TemplateMessage> for WireTemplate<'a> {
    fn from(message: &'a TemplateMessage) -> Self {
        let mut components = Vec::new();
        components.extend(header(message));
        if !message.body_params.is_empty() {
            let parameters = message
                .body_params
                .iter()
                .map(|text| WireParameter::Text { text })
                .collect();
            components.push(WireComponent::Body { parameters });
        }
        components.extend(buttons(&message.buttons));
        Self {
            name: &message.template_name,
            language: WireLanguage {
                code: &message.language,
            },
            components,
        }
    }
}

/// The header component, if the message has a header value: a text header sends its one
/// parameter, a media header its link (Meta `templates/components`: one header parameter).
fn header(message: &TemplateMessage) -> Option<WireComponent<'_>> {
    let parameter = match &message.media {
        Media::Text => WireParameter::Text {
            text: message.header_params.first()?,
        },
        Media::Image { url, .. } => WireParameter::Image {
            image: WireMedia {
                link: url,
                filename: None,
            },
        },
        Media::Video { url, .. } => WireParameter::Video {
            video: WireMedia {
                link: url,
                filename: None,
            },
        },
        Media::Document { url, filename, .. } => WireParameter::Document {
            document: WireMedia {
                link: url,
                filename: filename.as_deref(),
            },
        },
    };
    Some(WireComponent::Header {
        parameters: [parameter],
    })
}

/// One `button` component per button that takes a value, each with its zero-based position
/// among all the template's buttons. Call buttons, static URL buttons and quick replies
/// without a payload send nothing but still count in the index (Meta's examples send no
/// component for them). The index is sent as a string, `"0"`: the WhatsApp-Nodejs-SDK
/// reference's Component Object documents `index: string` with the example `"0"`, as does
/// the `api-evangelist/whatsapp` template component schema; M `coupon-templates` and pywa
/// send a number; which form Graph prefers is not documented. `sub_type` is lower case
/// (WhatsApp-Nodejs-SDK `src/types/enums.ts`; pywa sends upper case).
fn buttons(buttons: &[Button]) -> impl Iterator<Item = WireComponent<'_>> {
    buttons.iter().enumerate().filter_map(|(index, button)| {
        let (sub_type, parameter) = match button {
            Button::Call => return None,
            Button::Url { parameter } => (
                "url",
                WireParameter::Text {
                    text: non_empty(parameter.as_deref()?)?,
                },
            ),
            // Without a payload the button sends no component rather than an empty payload
            // (which Graph may refuse as a missing parameter). A tap still reports the
            // button's label as `button.text` (M `webhooks/reference/messages`), which is
            // what opt-out keywords are matched against.
            Button::QuickReply { payload } => (
                "quick_reply",
                WireParameter::Payload {
                    payload: payload.as_deref()?,
                },
            ),
        };
        Some(WireComponent::Button {
            sub_type,
            index: index.to_string(),
            parameters: [parameter],
        })
    })
}

/// A URL suffix, or `None` for a static URL button.
fn non_empty(parameter: &str) -> Option<&str> {
    Some(parameter).filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn message() -> TemplateMessage {
        TemplateMessage {
            kind: "template".into(),
            template_name: "spring_sale".into(),
            language: "en_GB".into(),
            header_params: vec![],
            body_params: vec!["Ann".into(), "20%".into()],
            media: Media::Image {
                provider: None,
                url: "https://cdn.example.com/spring.jpg".into(),
            },
            buttons: vec![Button::QuickReply {
                payload: Some("stop".into()),
            }],
        }
    }

    fn json_of(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).expect("the body is JSON")
    }

    #[test]
    fn full_body_matches_the_documented_shape() {
        let body = request_body("447700900123", &message(), "wacast:spring-sale");
        assert_eq!(
            json_of(&body),
            json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "447700900123",
                "type": "template",
                "template": {
                    "name": "spring_sale",
                    "language": {"code": "en_GB"},
                    "components": [
                        {"type": "header", "parameters": [
                            {"type": "image", "image": {"link": "https://cdn.example.com/spring.jpg"}}]},
                        {"type": "body", "parameters": [
                            {"type": "text", "text": "Ann"}, {"type": "text", "text": "20%"}]},
                        {"type": "button", "sub_type": "quick_reply", "index": "0",
                         "parameters": [{"type": "payload", "payload": "stop"}]}
                    ]
                },
                "biz_opaque_callback_data": "wacast:spring-sale"
            })
        );
    }

    #[test]
    fn body_starts_with_the_fixed_fields_in_order() {
        let body = request_body("447700900123", &message(), "x");
        let text = String::from_utf8(body).unwrap();
        assert!(text.starts_with(
            r#"{"messaging_product":"whatsapp","recipient_type":"individual","to":"447700900123","type":"template","template":{"name":"spring_sale","#
        ));
        assert!(text.ends_with(r#""biz_opaque_callback_data":"x"}"#));
    }

    #[test]
    fn nothing_to_send_omits_header_body_and_components() {
        let mut m = message();
        m.media = Media::Text;
        m.body_params.clear();
        m.buttons = vec![Button::Call];
        let body = json_of(&request_body("1", &m, ""));
        assert_eq!(
            body["template"],
            json!({"name": "spring_sale", "language": {"code": "en_GB"}})
        );
        assert!(body.get("biz_opaque_callback_data").is_none());
    }

    #[test]
    fn text_header_sends_its_one_parameter() {
        let mut m = message();
        m.media = Media::Text;
        m.header_params = vec!["Spring".into()];
        let body = json_of(&request_body("1", &m, ""));
        assert_eq!(
            body["template"]["components"][0],
            json!({"type": "header", "parameters": [{"type": "text", "text": "Spring"}]})
        );
    }

    #[test]
    fn video_and_document_headers() {
        let mut m = message();
        m.media = Media::Video {
            provider: None,
            url: "https://v.example/a.mp4".into(),
        };
        let body = json_of(&request_body("1", &m, ""));
        assert_eq!(
            body["template"]["components"][0]["parameters"][0],
            json!({"type": "video", "video": {"link": "https://v.example/a.mp4"}})
        );
        m.media = Media::Document {
            provider: None,
            url: "https://d.example/a.pdf".into(),
            filename: Some("menu.pdf".into()),
        };
        let body = json_of(&request_body("1", &m, ""));
        assert_eq!(
            body["template"]["components"][0]["parameters"][0],
            json!({"type": "document", "document": {"link": "https://d.example/a.pdf", "filename": "menu.pdf"}})
        );
        m.media = Media::Document {
            provider: None,
            url: "https://d.example/a.pdf".into(),
            filename: None,
        };
        let body = json_of(&request_body("1", &m, ""));
        assert_eq!(
            body["template"]["components"][0]["parameters"][0]["document"],
            json!({"link": "https://d.example/a.pdf"})
        );
    }

    #[test]
    fn buttons_without_a_value_send_nothing_but_keep_their_index() {
        let mut m = message();
        m.buttons = vec![
            Button::Call,
            Button::Url {
                parameter: Some(String::new()),
            },
            Button::Url {
                parameter: Some("ABC?x=1".into()),
            },
            Button::QuickReply { payload: None },
            Button::QuickReply {
                payload: Some("stop".into()),
            },
        ];
        let body = json_of(&request_body("1", &m, ""));
        let components = body["template"]["components"].as_array().unwrap();
        assert_eq!(components.len(), 4);
        assert_eq!(
            components[2],
            json!({"type": "button", "sub_type": "url", "index": "2",
                   "parameters": [{"type": "text", "text": "ABC?x=1"}]})
        );
        assert_eq!(
            components[3],
            json!({"type": "button", "sub_type": "quick_reply", "index": "4",
                   "parameters": [{"type": "payload", "payload": "stop"}]})
        );
    }

    #[test]
    fn values_are_json_escaped() {
        let mut m = message();
        m.body_params = vec!["say \"hi\" \\ é".into()];
        let body = json_of(&request_body("44\"1", &m, "a\"b"));
        assert_eq!(
            body["template"]["components"][1]["parameters"][0]["text"],
            "say \"hi\" \\ é"
        );
        assert_eq!(body["to"], "44\"1");
        assert_eq!(body["biz_opaque_callback_data"], "a\"b");
    }

    #[test]
    fn prepared_template_gives_the_same_bytes_as_a_fresh_render() {
        let prepared = PreparedTemplate::new(&message(), "op");
        for to in ["447700900123", "15551234567"] {
            assert_eq!(prepared.body(to), request_body(to, &message(), "op"));
            assert_eq!(prepared.body_bytes(to).as_ref(), &prepared.body(to)[..]);
        }
    }

    #[test]
    fn prepared_body_is_cheap_enough_for_25k_per_second() {
        let prepared = PreparedTemplate::new(&message(), "wacast:spring-sale");
        let start = std::time::Instant::now();
        let mut total = 0;
        for n in 0..25_000u64 {
            total += prepared.body(&(447_700_900_000 + n).to_string()).len();
        }
        let elapsed = start.elapsed();
        assert!(total > 0);
        // Even unoptimised, 25k bodies take a few milliseconds; a second would be a regression.
        assert!(elapsed.as_secs() < 1, "25k bodies took {elapsed:?}");
    }
}
