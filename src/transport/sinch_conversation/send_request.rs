//! The body of `POST /v1/projects/{project_id}/messages:send` for one
//! recipient of a WhatsApp template (J `…/messages/request/SendMessageRequest.java`;
//! P; keys: SD `conversation-whatsapp.md`).
//!
//! Sent per recipient at a high rate, so everything but the recipient's
//! identity is rendered once per message: [`SendRequest`] holds the bytes
//! before and after the identity.
//!
//! Field order is fixed: `app_id`, `recipient`, `message`,
//! `channel_priority_order`, `message_metadata`, `callback_url`; parameters
//! follow template order ([`super::template_parameter::parameters`]), so the
//! same message gives the same bytes.

use super::template_parameter::parameters;
use crate::message::TemplateMessage;

/// The base URL of a region: `us`, `eu` or `br` (J `ConversationRegion.java`).
/// It must be the app's region, or calls answer 404 (SK `SKILL.md`).
pub fn base_url(region: &str) -> String {
    format!("https://{region}.conversation.api.sinch.com")
}

/// The send path for `project_id`, escaped as a path segment.
pub fn path(project_id: &str) -> String {
    let mut out = String::with_capacity(32 + project_id.len());
    out.push_str("/v1/projects/");
    for byte in project_id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out.push_str("/messages:send");
    out
}

/// A send body rendered up to the recipient's identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendRequest {
    before: Vec<u8>,
    after: Vec<u8>,
}

impl SendRequest {
    /// Renders `message` for `app_id`. `metadata` becomes `message_metadata`
    /// (see [`super::campaign_metadata`]); `callback_url`, when given,
    /// replaces the webhook target for this message, and Sinch then signs its
    /// callbacks with the app's `secret_for_overridden_callback_urls`
    /// (J `SendMessageRequest` javadoc).
    pub fn new(
        app_id: &str,
        message: &TemplateMessage,
        metadata: &str,
        callback_url: Option<&str>,
    ) -> SendRequest {
        let mut before = Vec::with_capacity(160);
        before.extend_from_slice(b"{\"app_id\":");
        json_string(&mut before, app_id);
        before.extend_from_slice(
            b",\"recipient\":{\"identified_by\":{\"channel_identities\":[{\"channel\":\"WHATSAPP\",\"identity\":",
        );
        let mut after = Vec::with_capacity(256);
        after.extend_from_slice(
            b"}]}},\"message\":{\"template_message\":{\"channel_template\":{\"WHATSAPP\":{\"template_id\":",
        );
        // `template_id` is the template *name*; `language_code` is required, in
        // underscore form (P `template_reference_channel_specific.py`; SK).
        json_string(&mut after, &message.template_name);
        after.extend_from_slice(b",\"language_code\":");
        json_string(&mut after, &message.language);
        after.extend_from_slice(b",\"parameters\":{");
        for (i, (key, value)) in parameters(message).into_iter().enumerate() {
            if i > 0 {
                after.push(b',');
            }
            json_string(&mut after, &key.to_string());
            after.push(b':');
            json_string(&mut after, value);
        }
        after.extend_from_slice(
            b"}}}}},\"channel_priority_order\":[\"WHATSAPP\"],\"message_metadata\":",
        );
        json_string(&mut after, metadata);
        if let Some(url) = callback_url {
            after.extend_from_slice(b",\"callback_url\":");
            json_string(&mut after, url);
        }
        after.push(b'}');
        SendRequest { before, after }
    }

    /// The body for the recipient `identity`: digits without `+` (SD's
    /// examples; `+` on send is unverified).
    pub fn body(&self, identity: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.before.len() + self.after.len() + identity.len() + 2);
        self.write_body(identity, &mut out);
        out
    }

    /// Appends the body for `identity` to `out`.
    pub fn write_body(&self, identity: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.before);
        if identity.bytes().all(|b| b.is_ascii_digit()) {
            out.push(b'"');
            out.extend_from_slice(identity.as_bytes());
            out.push(b'"');
        } else {
            json_string(out, identity);
        }
        out.extend_from_slice(&self.after);
    }
}

/// The send body for one recipient; see [`SendRequest`] to render a message
/// once for many recipients.
pub fn request_body(
    app_id: &str,
    identity_digits: &str,
    message: &TemplateMessage,
    metadata: &str,
    callback_url: Option<&str>,
) -> Vec<u8> {
    SendRequest::new(app_id, message, metadata, callback_url).body(identity_digits)
}

fn json_string(out: &mut Vec<u8>, text: &str) {
    serde_json::to_writer(&mut *out, text).expect("a string always serialises");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Button, Media};
    use serde_json::{Value, json};

    fn spring_sale() -> TemplateMessage {
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

    #[test]
    fn matches_the_reference_example() {
        // The example body of the reference's "Send" section.
        let body = request_body(
            "01EB37HMH1M6SV18ASNS3G135H",
            "447700900123",
            &spring_sale(),
            r#"{"campaign":"spring-sale"}"#,
            Some("https://hooks.example.com/sinch?c=spring-sale"),
        );
        let expected = json!({
            "app_id": "01EB37HMH1M6SV18ASNS3G135H",
            "recipient": {"identified_by": {"channel_identities": [{"channel": "WHATSAPP", "identity": "447700900123"}]}},
            "message": {"template_message": {"channel_template": {"WHATSAPP": {
                "template_id": "spring_sale",
                "language_code": "en_GB",
                "parameters": {
                    "header[1]image.link": "https://cdn.example.com/spring.jpg",
                    "body[1]text": "Ann",
                    "body[2]text": "20%",
                    "button[0]quick_reply[1]payload": "stop"
                }}}}},
            "channel_priority_order": ["WHATSAPP"],
            "message_metadata": "{\"campaign\":\"spring-sale\"}",
            "callback_url": "https://hooks.example.com/sinch?c=spring-sale"
        });
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), expected);
    }

    #[test]
    fn bytes_are_deterministic_in_template_order() {
        let mut message = spring_sale();
        message.media = Media::Text;
        message.header_params = vec!["Hi \"you\"".into()];
        message.body_params = (1..=10).map(|n| n.to_string()).collect();
        message.buttons = vec![Button::Call, Button::QuickReply { payload: None }];
        let body = String::from_utf8(request_body("app", "4477", &message, "", None)).unwrap();
        let params: String = (1..=10)
            .map(|n| format!(",\"body[{n}]text\":\"{n}\""))
            .collect();
        assert_eq!(
            body,
            format!(
                concat!(
                    r#"{{"app_id":"app","recipient":{{"identified_by":{{"channel_identities":[{{"channel":"WHATSAPP","identity":"4477"}}]}}}},"#,
                    r#""message":{{"template_message":{{"channel_template":{{"WHATSAPP":{{"template_id":"spring_sale","language_code":"en_GB","#,
                    r#""parameters":{{"header[1]text":"Hi \"you\""{}{}}}}}}}}}}},"channel_priority_order":["WHATSAPP"],"message_metadata":""}}"#
                ),
                params, r#","button[1]quick_reply[1]payload":"""#
            )
        );
    }

    #[test]
    fn one_render_serves_every_recipient() {
        let request = SendRequest::new("app", &spring_sale(), "m", None);
        let a: Value = serde_json::from_slice(&request.body("111")).unwrap();
        let b: Value = serde_json::from_slice(&request.body("222")).unwrap();
        assert_eq!(
            a["recipient"]["identified_by"]["channel_identities"][0]["identity"],
            "111"
        );
        assert_eq!(
            b["recipient"]["identified_by"]["channel_identities"][0]["identity"],
            "222"
        );
        assert_eq!(a["message"], b["message"]);
        // A non-digit identity is still valid JSON.
        let c: Value = serde_json::from_slice(&request.body("+44\"7")).unwrap();
        assert_eq!(
            c["recipient"]["identified_by"]["channel_identities"][0]["identity"],
            "+44\"7"
        );
    }

    #[test]
    fn paths_and_hosts() {
        assert_eq!(
            path("c36f3d3d-1513-4edd-ae42-11995557ff61"),
            "/v1/projects/c36f3d3d-1513-4edd-ae42-11995557ff61/messages:send"
        );
        assert_eq!(path("a/b c"), "/v1/projects/a%2Fb%20c/messages:send");
        assert_eq!(base_url("eu"), "https://eu.conversation.api.sinch.com");
    }
}
