//! What the sandbox received, field by field, for every header kind (text
//! with a parameter, image, video, document with a file name, none) and every
//! button kind (URL with a suffix, quick reply with a payload, call).

use super::{Peer, apply, campaign_with, number};
use serde_json::{Value, json};
use wacast::sandbox::Faults;

/// Sends one recipient a message of `template` and returns the body received.
fn body_of(template: &str) -> Value {
    let peer = Peer::start(Faults::default());
    let test = campaign_with(1, template, "concurrency: 1, rate_per_second: 1000");
    let run = apply(&test, &peer, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let mut messages = peer.handle().messages();
    assert_eq!(messages.len(), 1);
    let message = messages.remove(0);
    assert_eq!(message.recipient, number(0));
    assert!(message.message_id.starts_with("wamid."));
    message.body
}

/// Checks the fields every body has, and returns its template.
fn template_of(body: &Value) -> &Value {
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["recipient_type"], "individual");
    assert_eq!(body["to"], number(0));
    assert_eq!(body["type"], "template");
    assert_eq!(body["biz_opaque_callback_data"], "wacast:spring");
    let template = &body["template"];
    assert_eq!(template["name"], "spring_sale");
    assert_eq!(template["language"], json!({"code": "en_GB"}));
    template
}

#[test]
fn a_text_header_and_every_button_kind() {
    let body = body_of(
        "  header_params: [\"{{ name }}\"]\n  body_params: [\"{{ name }}\", \"20%\"]\n  buttons:\n    - {type: url, parameter: \"c/{{ name | lower | replace(' ', '-') }}\"}\n    - {type: quick_reply, payload: stop}\n    - {type: call}\n",
    );
    let components = &template_of(&body)["components"];
    assert_eq!(
        components,
        &json!([
            {"type": "header", "parameters": [{"type": "text", "text": "Name 0"}]},
            {"type": "body", "parameters": [
                {"type": "text", "text": "Name 0"}, {"type": "text", "text": "20%"}]},
            {"type": "button", "sub_type": "url", "index": "0",
             "parameters": [{"type": "text", "text": "c/name-0"}]},
            {"type": "button", "sub_type": "quick_reply", "index": "1",
             "parameters": [{"type": "payload", "payload": "stop"}]}
        ]),
        "the call button sends no component"
    );
}

#[test]
fn an_image_header() {
    let body = body_of(
        "  media: {type: image, url: \"https://cdn.example.com/spring.jpg\"}\n  body_params: [\"{{ name }}\"]\n",
    );
    assert_eq!(
        template_of(&body)["components"][0],
        json!({"type": "header", "parameters": [
            {"type": "image", "image": {"link": "https://cdn.example.com/spring.jpg"}}]})
    );
}

#[test]
fn a_video_header() {
    let body = body_of(
        "  media: {type: video, url: \"https://cdn.example.com/spring.mp4\"}\n  body_params: [\"{{ name }}\"]\n",
    );
    assert_eq!(
        template_of(&body)["components"][0],
        json!({"type": "header", "parameters": [
            {"type": "video", "video": {"link": "https://cdn.example.com/spring.mp4"}}]})
    );
}

#[test]
fn a_document_header_with_its_file_name() {
    let body = body_of(
        "  media: {type: document, url: \"https://cdn.example.com/i.pdf\", filename: \"Invoice {{ name }}.pdf\"}\n  body_params: [\"{{ name }}\"]\n",
    );
    assert_eq!(
        template_of(&body)["components"][0],
        json!({"type": "header", "parameters": [{"type": "document", "document": {
            "link": "https://cdn.example.com/i.pdf", "filename": "Invoice Name 0.pdf"}}]})
    );
}

#[test]
fn no_parameters_send_no_components() {
    let body = body_of("");
    assert_eq!(
        template_of(&body)
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["language", "name"]
    );
}

#[test]
fn apply_sandbox_runs_a_meta_cloud_campaign_end_to_end() {
    let test = campaign_with(
        4,
        "  body_params: [\"{{ name }}\"]\n",
        "rate_per_second: 1000",
    );
    let run = test.run(&["apply", "campaign.yaml", "--sandbox", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("the embedded sandbox received 4 message(s)"),
        "{}",
        run.stderr
    );
}
