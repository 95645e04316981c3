//! One message through the whole contract: body, sandbox check, answer, status webhooks.

use super::delivery_report::DeliveryStatus;
use super::webhook::WebhookBatch;
use crate::message::{Button, Media, TemplateMessage};
use crate::sandbox::meta_cloud::sandbox_answer::{
    accepted_answer, error_answer, invalid_request_answer,
};
use crate::sandbox::meta_cloud::sandbox_check::check_send_body;
use crate::sandbox::meta_cloud::sandbox_status::{SimulatedMessage, SimulatedOutcome};
use crate::transport::meta_cloud::error_class::ErrorClass;
use crate::transport::meta_cloud::send_answer::SendAnswer;
use crate::transport::meta_cloud::send_request::PreparedTemplate;
use crate::transport::meta_cloud::webhook_signature::verify;

const SECRET: &[u8] = b"app_secret_123";

fn message() -> TemplateMessage {
    TemplateMessage {
        kind: "template".into(),
        template_name: "spring_sale".into(),
        language: "en_GB".into(),
        header_params: vec!["Spring".into()],
        body_params: vec!["Ann".into(), "20%".into()],
        media: Media::Text,
        buttons: vec![
            Button::Url {
                parameter: Some("spring?c=ann".into()),
            },
            Button::QuickReply {
                payload: Some("stop".into()),
            },
        ],
    }
}

#[test]
fn a_message_travels_from_body_to_read_receipt() {
    let prepared = PreparedTemplate::new(&message(), "wacast:spring-sale");
    let body = prepared.body("447700900123");

    let checked = check_send_body(&body).expect("the sandbox accepts wacast's body");
    let accepted = accepted_answer(&checked.to);
    let SendAnswer::Sent(sent) = SendAnswer::read(200, &accepted.body) else {
        panic!("an accepted answer is sent");
    };

    let simulated = SimulatedMessage {
        waba_id: "102290129340398".into(),
        display_phone_number: "15550783881".into(),
        phone_number_id: "106540352242922".into(),
        wamid: sent.wamid.clone(),
        recipient_id: checked.to.clone(),
        opaque: checked.opaque.clone(),
    };
    let mut seen = Vec::new();
    for hook in simulated.delivery(SimulatedOutcome::Read, 1_750_263_773, SECRET) {
        verify(SECRET, Some(&hook.signature), &hook.body).expect("signed with the app secret");
        for report in WebhookBatch::parse(&hook.body).unwrap().reports {
            assert_eq!(report.wamid, sent.wamid);
            assert_eq!(report.opaque.as_deref(), Some("wacast:spring-sale"));
            seen.push(report.status);
        }
    }
    assert_eq!(
        seen,
        [
            DeliveryStatus::Sent,
            DeliveryStatus::Delivered,
            DeliveryStatus::Read
        ]
    );
}

#[test]
fn a_refused_body_and_a_failed_delivery_read_back_as_failures() {
    let mut bad = message();
    bad.body_params[0] = "Ann\nSmith".into();
    let problems = check_send_body(&PreparedTemplate::new(&bad, "").body("447700900123"))
        .expect_err("a newline in a body parameter is refused");
    let answer = invalid_request_answer(&problems);
    let SendAnswer::Error(ErrorClass::Failed(failure)) =
        SendAnswer::read(answer.status, &answer.body)
    else {
        panic!("an invalid request fails the recipient");
    };
    assert!(
        failure
            .reason
            .starts_with("(#100) Invalid parameter: template.components[1]")
    );

    let paused = error_answer(132015);
    let SendAnswer::Error(ErrorClass::Failed(failure)) =
        SendAnswer::read(paused.status, &paused.body)
    else {
        panic!("a paused template fails");
    };
    assert!(failure.template_problem);

    let simulated = SimulatedMessage {
        waba_id: "1".into(),
        display_phone_number: "15550783881".into(),
        phone_number_id: "2".into(),
        wamid: "wamid.X".into(),
        recipient_id: "447700900123".into(),
        opaque: None,
    };
    let hooks = simulated.delivery(SimulatedOutcome::Failed(131050), 0, SECRET);
    let report = WebhookBatch::parse(&hooks[0].body)
        .unwrap()
        .reports
        .remove(0);
    assert!(report.is_opt_out());
}
