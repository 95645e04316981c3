//! A `whatsapp_business_account` webhook body, read entry by entry.
//!
//! `{"object":"whatsapp_business_account","entry":[{"id","changes":[{"field":"messages",
//! "value":{"metadata","statuses":[…],"messages":[…],"contacts":[…],"errors":[…]}}]}]}`
//! (M `webhooks/reference/messages/status`, `…/messages/errors`). Each status and message is
//! read on its own: an unreadable one is listed with its JSON path, a bounded excerpt and the
//! reason, and never voids the rest of the body. Changes of fields other than `messages`
//! (template updates, account alerts, …) are counted and skipped.

use serde_json::Value;

use super::delivery_report::{DeliveryReport, StatusError, WireStatus};
use super::inbound_message::{InboundMessage, WireInbound};
use crate::transport::meta_cloud::excerpt::neutralise;

/// The `object` of WhatsApp Business Account webhooks.
pub const WEBHOOK_OBJECT: &str = "whatsapp_business_account";

/// Everything readable in one webhook body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebhookBatch {
    /// Status updates of sent messages, in body order.
    pub reports: Vec<DeliveryReport>,
    /// Messages users sent, in body order.
    pub inbound: Vec<InboundMessage>,
    /// Errors not tied to one message (`value.errors[]`).
    pub errors: Vec<StatusError>,
    /// Parts of the body that could not be read.
    pub unreadable: Vec<Unreadable>,
    /// Changes of fields other than `messages`, skipped.
    pub ignored_changes: usize,
}

/// A part of a webhook body that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// Where it is, e.g. `entry[0].changes[0].value.statuses[1]`.
    pub path: String,
    /// Why it could not be read.
    pub reason: String,
    /// Its JSON, bounded and neutralised.
    pub excerpt: String,
}

/// Why a whole webhook body was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The body is not JSON.
    #[error("webhook body is not JSON: {0}")]
    NotJson(String),
    /// `object` is missing or not `whatsapp_business_account`.
    #[error("webhook `object` is not `whatsapp_business_account`: {0}")]
    WrongObject(String),
    /// `entry` is missing or not an array.
    #[error("webhook body has no `entry` array")]
    NoEntries,
}

impl WebhookBatch {
    /// Reads a webhook body (after its signature was checked).
    pub fn parse(body: &[u8]) -> Result<Self, WebhookError> {
        let root: Value = serde_json::from_slice(body)
            .map_err(|error| WebhookError::NotJson(neutralise(&error.to_string())))?;
        match root.get("object") {
            Some(Value::String(object)) if object == WEBHOOK_OBJECT => {}
            other => {
                let found = other.map_or_else(|| "missing".to_owned(), Value::to_string);
                return Err(WebhookError::WrongObject(neutralise(&found)));
            }
        }
        let entries = root
            .get("entry")
            .and_then(Value::as_array)
            .ok_or(WebhookError::NoEntries)?;
        let mut batch = Self::default();
        for (index, entry) in entries.iter().enumerate() {
            batch.read_entry(&format!("entry[{index}]"), entry);
        }
        Ok(batch)
    }

    fn read_entry(&mut self, path: &str, entry: &Value) {
        let Some(changes) = entry.get("changes").and_then(Value::as_array) else {
            self.unreadable(path, "no `changes` array", entry);
            return;
        };
        for (index, change) in changes.iter().enumerate() {
            let path = format!("{path}.changes[{index}]");
            match change.get("field").and_then(Value::as_str) {
                Some("messages") => match change.get("value") {
                    Some(value) if value.is_object() => self.read_value(&path, value),
                    _ => self.unreadable(&path, "no `value` object", change),
                },
                Some(_) => self.ignored_changes += 1,
                None => self.unreadable(&path, "no `field` name", change),
            }
        }
    }

    fn read_value(&mut self, path: &str, value: &Value) {
        let phone_number_id = value
            .pointer("/metadata/phone_number_id")
            .and_then(Value::as_str);
        for (item_path, item) in self.items(path, value, "statuses") {
            match serde_json::from_value::<WireStatus>(item.clone())
                .map_err(|error| error.to_string())
                .and_then(|status| status.into_report(phone_number_id))
            {
                Ok(report) => self.reports.push(report),
                Err(reason) => self.unreadable(&item_path, &reason, item),
            }
        }
        for (item_path, item) in self.items(path, value, "messages") {
            match serde_json::from_value::<WireInbound>(item.clone()) {
                Ok(message) => self.inbound.push(message.into_message(phone_number_id)),
                Err(error) => self.unreadable(&item_path, &error.to_string(), item),
            }
        }
        for (item_path, item) in self.items(path, value, "errors") {
            match serde_json::from_value::<StatusError>(item.clone()) {
                Ok(error) => self.errors.push(error),
                Err(error) => self.unreadable(&item_path, &error.to_string(), item),
            }
        }
    }

    /// The items of `value[name]` with their paths: none when absent, and the whole list
    /// listed as unreadable when it is not an array.
    fn items<'a>(&mut self, path: &str, value: &'a Value, name: &str) -> Vec<(String, &'a Value)> {
        let path = format!("{path}.value.{name}");
        match value.get(name) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(index, item)| (format!("{path}[{index}]"), item))
                .collect(),
            Some(other) => {
                self.unreadable(&path, "not an array", other);
                Vec::new()
            }
        }
    }

    fn unreadable(&mut self, path: &str, reason: &str, json: &Value) {
        self.unreadable.push(Unreadable {
            path: path.to_owned(),
            reason: neutralise(reason),
            excerpt: neutralise(&json.to_string()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listen::meta_cloud::delivery_report::DeliveryStatus;

    fn one(body: &str) -> WebhookBatch {
        let batch = WebhookBatch::parse(body.as_bytes()).expect("readable body");
        assert_eq!(batch.unreadable, vec![], "nothing should be unreadable");
        batch
    }

    /// Wraps one `value` in Meta's envelope (M `webhooks/reference/messages/status`).
    fn envelope(value: &str) -> String {
        format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398",
            "changes":[{{"value":{value},"field":"messages"}}]}}]}}"#
        )
    }

    // The syntax of M `webhooks/reference/messages/status` for a `sent` status, filled in with
    // the ids of M's `webhooks/reference/messages` example; `conversation` and `pricing` as in
    // Meta's conversation-based-pricing payload examples, where `expiration_timestamp` is a
    // bare number (pywa `tests/data/updates/message_status.json` has it as a string).
    const SENT: &str = r#"{"object": "whatsapp_business_account", "entry": [{
      "id": "102290129340398",
      "changes": [{"value": {
          "messaging_product": "whatsapp",
          "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
          "statuses": [{
            "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA",
            "status": "sent",
            "timestamp": "1750263773",
            "recipient_id": "16505551234",
            "conversation": {"id": "CONVERSATION_ID", "expiration_timestamp": 1750350173,
                             "origin": {"type": "marketing"}},
            "pricing": {"billable": true, "pricing_model": "CBP", "category": "marketing"}
          }]},
        "field": "messages"}]}]}"#;

    #[test]
    fn sent_status_with_conversation_and_pricing() {
        let batch = one(SENT);
        assert_eq!(batch.reports.len(), 1);
        let report = &batch.reports[0];
        assert_eq!(
            report.wamid,
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjVBOTE3MDk5QUVFM0YA"
        );
        assert_eq!(report.status, DeliveryStatus::Sent);
        assert_eq!(report.timestamp, "1750263773");
        assert_eq!(report.time.as_deref(), Some("2025-06-18T16:22:53Z"));
        assert_eq!(report.recipient_id.as_deref(), Some("16505551234"));
        assert_eq!(report.recipient_user_id, None);
        assert_eq!(report.phone_number_id.as_deref(), Some("106540352242922"));
        assert_eq!(report.failure_reason(), None);
        assert!(!report.is_opt_out());
    }

    #[test]
    fn delivered_and_read_statuses() {
        // Same shape as Meta's "message delivered" / "message read" examples.
        for (status, expected) in [
            ("delivered", DeliveryStatus::Delivered),
            ("read", DeliveryStatus::Read),
            ("played", DeliveryStatus::Other("played".into())),
        ] {
            let value = format!(
                r#"{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881",
                "phone_number_id":"106540352242922"}},"statuses":[{{"id":"wamid.A","status":"{status}",
                "timestamp":"1750263900","recipient_id":"447700900123",
                "biz_opaque_callback_data":"wacast:spring-sale"}}]}}"#
            );
            let batch = one(&envelope(&value));
            assert_eq!(batch.reports[0].status, expected);
            assert_eq!(batch.reports[0].status.as_str(), status);
            assert_eq!(
                batch.reports[0].opaque.as_deref(),
                Some("wacast:spring-sale")
            );
        }
    }

    // The failed status in the contract reference (M `webhooks/reference/messages/status`).
    const FAILED: &str = r#"{"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
      "messaging_product": "whatsapp",
      "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
      "statuses": [{"id": "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSQUI", "status": "failed", "timestamp": "1750263773",
        "recipient_id": "447700900123", "biz_opaque_callback_data": "wacast:spring-sale",
        "errors": [{"code": 131049, "title": "This message was not delivered to maintain healthy ecosystem engagement.",
          "message": "This message was not delivered to maintain healthy ecosystem engagement.",
          "error_data": {"details": "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."},
          "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]}]}}]}]}"#;

    #[test]
    fn failed_status_gives_a_reason() {
        let batch = one(FAILED);
        let report = &batch.reports[0];
        assert_eq!(report.status, DeliveryStatus::Failed);
        assert_eq!(report.errors[0].code, 131049);
        assert_eq!(
            report.failure_reason().unwrap(),
            "(#131049) This message was not delivered to maintain healthy ecosystem engagement.: \
             In order to maintain a healthy ecosystem engagement, the message failed to be delivered."
        );
        assert!(!report.is_opt_out());
    }

    #[test]
    fn stopped_marketing_is_an_opt_out() {
        // Meta `support/error-codes`, 131050, as a failed status.
        let body = FAILED.replace("131049", "131050");
        let batch = one(&body);
        assert!(batch.reports[0].is_opt_out());
        assert!(
            batch.reports[0]
                .failure_reason()
                .unwrap()
                .starts_with("(#131050)")
        );
    }

    #[test]
    fn text_message() {
        // The text-message example of M `webhooks/reference/messages`, verbatim.
        let body = r#"{
  "object": "whatsapp_business_account",
  "entry": [
    {
      "id": "102290129340398",
      "changes": [
        {
          "value": {
            "messaging_product": "whatsapp",
            "metadata": {
              "display_phone_number": "15550783881",
              "phone_number_id": "106540352242922"
            },
            "contacts": [
              {
                "profile": {
                  "name": "Sheena Nelson"
                },
                "wa_id": "16505551234"
              }
            ],
            "messages": [
              {
                "from": "16505551234",
                "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
                "timestamp": "1749416383",
                "type": "text",
                "text": {
                  "body": "Does it come in another color?"
                }
              }
            ]
          },
          "field": "messages"
        }
      ]
    }
  ]
}"#;
        let batch = one(body);
        let message = &batch.inbound[0];
        assert_eq!(message.from, "16505551234");
        assert_eq!(
            message.id,
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
        );
        assert_eq!(message.kind, "text");
        assert_eq!(
            message.keyword_texts,
            vec!["Does it come in another color?"]
        );
        assert_eq!(message.time.as_deref(), Some("2025-06-08T20:59:43Z"));
        assert_eq!(message.phone_number_id.as_deref(), Some("106540352242922"));
        assert_eq!(message.context_id, None);
        assert!(batch.reports.is_empty());
    }

    #[test]
    fn quick_reply_button_press() {
        // The quick-reply tap in the contract reference (M `webhooks/reference/messages`).
        let value = r#"{"messaging_product": "whatsapp",
          "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
          "contacts": [{"profile": {"name": "Ann"}, "wa_id": "447700900123"}],
          "messages": [{"from": "447700900123", "id": "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0E…",
            "timestamp": "1750263900", "type": "button",
            "context": {"from": "15550783881", "id": "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSQUI…"},
            "button": {"payload": "stop", "text": "Stop promotions"}}]}"#;
        let message = one(&envelope(value)).inbound.remove(0);
        assert_eq!(message.kind, "button");
        assert_eq!(message.keyword_texts, vec!["stop", "Stop promotions"]);
        assert_eq!(
            message.context_id.as_deref(),
            Some("wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSQUI…")
        );
    }

    #[test]
    fn interactive_button_and_list_replies() {
        // Meta's "reply button" / "list message" reply payload examples, placeholders filled in.
        let value = r#"{"messaging_product": "whatsapp",
          "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
          "messages": [
            {"context": {"from": "15550783881", "id": "wamid.CTX"}, "from": "447700900123",
             "id": "wamid.R1", "timestamp": "1750263900", "type": "interactive",
             "interactive": {"type": "button_reply", "button_reply": {"id": "unsubscribe", "title": "Unsubscribe"}}},
            {"from": "447700900123", "id": "wamid.R2", "timestamp": "1750263901", "type": "interactive",
             "interactive": {"type": "list_reply", "list_reply": {"id": "opt_out", "title": "Opt out", "description": "No more offers"}}}
          ]}"#;
        let batch = one(&envelope(value));
        assert_eq!(
            batch.inbound[0].keyword_texts,
            vec!["unsubscribe", "Unsubscribe"]
        );
        assert_eq!(batch.inbound[1].keyword_texts, vec!["opt_out", "Opt out"]);
    }

    #[test]
    fn bad_items_are_listed_and_the_rest_is_kept() {
        let value = r#"{"metadata": {"phone_number_id": "1"},
          "statuses": [
            {"id": "wamid.OK", "status": "read", "timestamp": "1750263900"},
            {"status": "read", "timestamp": "1750263900"},
            {"id": "wamid.T", "status": "read", "timestamp": {"x": 1}}
          ],
          "messages": [{"id": "wamid.NOFROM", "type": "text", "text": {"body": "hi\nthere"}}],
          "errors": [{"code": 131000, "title": "Something went wrong"}]}"#;
        let body = format!(
            r#"{{"object":"whatsapp_business_account","entry":[
               {{"id":"1","changes":[{{"field":"messages","value":{value}}}]}},
               {{"id":"2"}},
               {{"id":"3","changes":[{{"field":"message_template_status_update","value":{{}}}},
                                     {{"field":"messages","value":{{"statuses":{{"id":"x"}}}}}}]}}]}}"#
        );
        let batch = WebhookBatch::parse(body.as_bytes()).unwrap();
        assert_eq!(batch.reports.len(), 1);
        assert_eq!(batch.reports[0].wamid, "wamid.OK");
        assert_eq!(batch.errors[0].code, 131000);
        assert_eq!(batch.ignored_changes, 1);
        let paths: Vec<&str> = batch.unreadable.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "entry[0].changes[0].value.statuses[1]",
                "entry[0].changes[0].value.statuses[2]",
                "entry[0].changes[0].value.messages[0]",
                "entry[1]",
                "entry[2].changes[1].value.statuses",
            ]
        );
        assert!(batch.unreadable[0].reason.contains("missing field `id`"));
        assert!(batch.unreadable[2].excerpt.contains("wamid.NOFROM"));
        assert!(!batch.unreadable[2].excerpt.contains('\n'));
    }

    #[test]
    fn excerpts_are_bounded() {
        let long = "x".repeat(5000);
        let value = format!(r#"{{"statuses":[{{"status":"read","note":"{long}"}}]}}"#);
        let batch = WebhookBatch::parse(envelope(&value).as_bytes()).unwrap();
        assert!(
            batch.unreadable[0].excerpt.chars().count()
                <= crate::transport::meta_cloud::excerpt::MAX_EXCERPT + 1
        );
    }

    #[test]
    fn whole_body_refusals() {
        assert!(matches!(
            WebhookBatch::parse(b"not json"),
            Err(WebhookError::NotJson(_))
        ));
        assert!(matches!(
            WebhookBatch::parse(br#"{"object":"page","entry":[]}"#),
            Err(WebhookError::WrongObject(_))
        ));
        assert_eq!(
            WebhookBatch::parse(br#"{"object":"whatsapp_business_account"}"#),
            Err(WebhookError::NoEntries)
        );
        // The signature test vector's body: valid and empty.
        assert_eq!(
            WebhookBatch::parse(br#"{"object":"whatsapp_business_account","entry":[]}"#),
            Ok(WebhookBatch::default())
        );
    }
}

#[cfg(test)]
mod sandbox_round_trip {
    //! The sandbox's simulated status webhooks, read back as the listener reads them.
    use super::WebhookBatch;
    use crate::listen::meta_cloud::delivery_report::DeliveryStatus;
    use crate::sandbox::meta_cloud::sandbox_status::{SimulatedMessage, SimulatedOutcome};
    use crate::transport::meta_cloud::webhook_signature::verify;

    fn message() -> SimulatedMessage {
        SimulatedMessage {
            waba_id: "102290129340398".into(),
            display_phone_number: "15550783881".into(),
            phone_number_id: "106540352242922".into(),
            wamid: "wamid.X".into(),
            recipient_id: "447700900123".into(),
            opaque: Some("wacast:spring-sale".into()),
        }
    }

    #[test]
    fn read_outcome_is_sent_delivered_read_and_signed() {
        let hooks = message().delivery(SimulatedOutcome::Read, 1_750_263_773, b"secret");
        let statuses: Vec<DeliveryStatus> = hooks
            .iter()
            .map(|hook| {
                assert_eq!(verify(b"secret", Some(&hook.signature), &hook.body), Ok(()));
                let batch = WebhookBatch::parse(&hook.body).unwrap();
                assert!(batch.unreadable.is_empty());
                let report = &batch.reports[0];
                assert_eq!(report.wamid, "wamid.X");
                assert_eq!(report.opaque.as_deref(), Some("wacast:spring-sale"));
                assert_eq!(report.phone_number_id.as_deref(), Some("106540352242922"));
                report.status.clone()
            })
            .collect();
        assert_eq!(
            statuses,
            vec![
                DeliveryStatus::Sent,
                DeliveryStatus::Delivered,
                DeliveryStatus::Read
            ]
        );
        let last = WebhookBatch::parse(&hooks[2].body).unwrap();
        assert_eq!(last.reports[0].timestamp, "1750263775");
    }

    #[test]
    fn delivered_outcome_stops_at_delivered() {
        let hooks = message().delivery(SimulatedOutcome::Delivered, 0, b"s");
        assert_eq!(hooks.len(), 2);
    }

    #[test]
    fn failed_outcomes_carry_the_error() {
        for (code, opt_out) in [(131026, false), (131049, false), (131050, true)] {
            let hooks = message().delivery(SimulatedOutcome::Failed(code), 0, b"s");
            let report = WebhookBatch::parse(&hooks[0].body)
                .unwrap()
                .reports
                .remove(0);
            assert_eq!(report.status, DeliveryStatus::Failed);
            assert_eq!(report.errors[0].code, code);
            assert_eq!(report.is_opt_out(), opt_out);
            assert!(
                report
                    .failure_reason()
                    .unwrap()
                    .starts_with(&format!("(#{code}) "))
            );
        }
    }
}
