//! What reaches Sinch, field by field against the contract
//! (`../shared/reference/sinch-conversation.md`, "Send"), for every header
//! kind and every button kind.

use super::{APP, apply, campaign, peer};
use serde_json::{Value, json};

/// The one body the sandbox recorded for a one-recipient campaign.
fn sent_body(template: &str, delivery: &str) -> Value {
    let peer = peer(|_| {});
    let test = campaign(1, delivery, template);
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let messages = peer.handle().messages();
    assert_eq!(messages.len(), 1);
    messages[0].body.clone()
}

fn parameters(body: &Value) -> &Value {
    &body["message"]["template_message"]["channel_template"]["WHATSAPP"]["parameters"]
}

#[test]
fn a_text_header_with_url_quick_reply_and_call_buttons() {
    let template = "template:\n  name: spring_sale\n  language: en_GB\n  header_params: [\"Hi {{ name }}\"]\n  body_params: [\"{{ name }}\", \"20%\"]\n  buttons:\n    - {type: call}\n    - {type: url, parameter: \"c/{{ name | lower | replace(' ', '-') }}\"}\n    - {type: quick_reply, payload: stop}\n    - {type: quick_reply}\n";
    let body = sent_body(
        template,
        "rate_per_second: 10, callback_url: \"https://hooks.example.com/sinch\"",
    );
    let expected = json!({
        "app_id": APP,
        "recipient": {"identified_by": {"channel_identities": [{"channel": "WHATSAPP", "identity": "447400100000"}]}},
        "message": {"template_message": {"channel_template": {"WHATSAPP": {
            "template_id": "spring_sale",
            "language_code": "en_GB",
            "parameters": {
                "header[1]text": "Hi Name 0",
                "body[1]text": "Name 0",
                "body[2]text": "20%",
                "button[1]url[1]text": "c/name-0",
                "button[2]quick_reply[1]payload": "stop",
                "button[3]quick_reply[1]payload": ""
            }}}}},
        "channel_priority_order": ["WHATSAPP"],
        "message_metadata": "{\"campaign\":\"spring\"}",
        "callback_url": "https://hooks.example.com/sinch/spring"
    });
    assert_eq!(body, expected);
}

#[test]
fn media_headers_send_their_link() {
    for (kind, extension) in [("image", "jpg"), ("video", "mp4")] {
        let template = format!(
            "template:\n  name: spring_sale\n  language: en_US\n  media: {{type: {kind}, url: \"https://cdn.example.com/a.{extension}\"}}\n  body_params: [\"{{{{ name }}}}\"]\n"
        );
        let body = sent_body(&template, "rate_per_second: 10");
        assert_eq!(
            parameters(&body),
            &json!({
                format!("header[1]{kind}.link"): format!("https://cdn.example.com/a.{extension}"),
                "body[1]text": "Name 0"
            }),
            "{kind}"
        );
        assert!(body.get("callback_url").is_none());
        assert_eq!(
            body["message"]["template_message"]["channel_template"]["WHATSAPP"]["language_code"],
            "en_US"
        );
    }
}

#[test]
fn a_document_header_sends_its_link_and_file_name() {
    let template = "template:\n  name: invoice\n  language: en_GB\n  media: {type: document, url: \"https://cdn.example.com/i.pdf\", filename: \"Invoice {{ name }}.pdf\"}\n  body_params: [\"{{ name }}\"]\n";
    let body = sent_body(template, "rate_per_second: 10");
    assert_eq!(
        parameters(&body),
        &json!({
            "header[1]document.link": "https://cdn.example.com/i.pdf",
            "header[1]document.filename": "Invoice Name 0.pdf",
            "body[1]text": "Name 0"
        })
    );
}
