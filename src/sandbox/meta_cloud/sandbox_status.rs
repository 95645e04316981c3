//! Status webhooks the sandbox posts to simulate delivery, signed as Meta signs them.
//!
//! Shape: M `webhooks/reference/messages/status` (read back by `listen`'s Meta webhook reader); `sent` and
//! `delivered` carry per-message `pricing` (`pricing_model` `PMP` since 2025-07-01), a failed
//! status carries `errors[]` with the code's title and details. Signed with
//! [`sign`].

use serde_json::{Value, json};

use super::sandbox_answer::{error_details, error_title};
use crate::transport::meta_cloud::webhook_signature::sign;

/// Who sent a simulated message, to whom, and what it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatedMessage {
    /// The WhatsApp Business Account id (`entry[].id`).
    pub waba_id: String,
    /// The business number as displayed, digits only.
    pub display_phone_number: String,
    /// Meta's id of the business number.
    pub phone_number_id: String,
    /// The message id the send answer gave.
    pub wamid: String,
    /// The recipient's digits.
    pub recipient_id: String,
    /// The `biz_opaque_callback_data` the send carried.
    pub opaque: Option<String>,
}

/// How a simulated delivery ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimulatedOutcome {
    /// `sent`, then `delivered`.
    Delivered,
    /// `sent`, `delivered`, then `read`.
    Read,
    /// `failed` with this error code (e.g. 131026, 131049, 131050).
    Failed(i64),
}

/// One status webhook: its body and its `X-Hub-Signature-256` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedWebhook {
    /// The JSON body.
    pub body: Vec<u8>,
    /// The `X-Hub-Signature-256` header value.
    pub signature: String,
}

impl SimulatedMessage {
    /// The webhooks of `outcome` in order, one second apart from `epoch_seconds`.
    pub fn delivery(
        &self,
        outcome: SimulatedOutcome,
        epoch_seconds: i64,
        app_secret: &[u8],
    ) -> Vec<SignedWebhook> {
        let statuses: Vec<Value> = match outcome {
            SimulatedOutcome::Delivered => vec![self.status("sent"), self.status("delivered")],
            SimulatedOutcome::Read => vec![
                self.status("sent"),
                self.status("delivered"),
                self.status("read"),
            ],
            SimulatedOutcome::Failed(code) => vec![self.failed(code)],
        };
        statuses
            .into_iter()
            .enumerate()
            .map(|(offset, mut status)| {
                status["timestamp"] = json!((epoch_seconds + offset as i64).to_string());
                let body = self.envelope(status).to_string().into_bytes();
                SignedWebhook {
                    signature: sign(app_secret, &body),
                    body,
                }
            })
            .collect()
    }

    fn status(&self, status: &str) -> Value {
        let mut value = self.base(status);
        if status != "read" {
            value["pricing"] = json!({
                "billable": true, "pricing_model": "PMP", "category": "marketing", "type": "regular"
            });
        }
        value
    }

    fn failed(&self, code: i64) -> Value {
        let title = error_title(code).unwrap_or("Unknown error");
        let mut value = self.base("failed");
        value["errors"] = json!([{
            "code": code,
            "title": title,
            "message": title,
            "error_data": {"details": error_details(code).unwrap_or("No description for this code.")},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }]);
        value
    }

    fn base(&self, status: &str) -> Value {
        let mut value = json!({
            "id": self.wamid,
            "status": status,
            "timestamp": "0",
            "recipient_id": self.recipient_id,
        });
        if let Some(opaque) = &self.opaque {
            value["biz_opaque_callback_data"] = json!(opaque);
        }
        value
    }

    fn envelope(&self, status: Value) -> Value {
        json!({
            "object": "whatsapp_business_account",
            "entry": [{
                "id": self.waba_id,
                "changes": [{
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {
                            "display_phone_number": self.display_phone_number,
                            "phone_number_id": self.phone_number_id,
                        },
                        "statuses": [status],
                    },
                    "field": "messages",
                }],
            }],
        })
    }
}
