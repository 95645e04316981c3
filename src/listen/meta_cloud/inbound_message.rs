//! One entry of a `messages[]` webhook: something a WhatsApp user sent the business.
//!
//! Only what an opt-out capture needs is kept: who, which message, its type, and the texts
//! that may be a keyword: `text.body`; `button.payload` and `button.text` (a template
//! quick-reply tap); `interactive.button_reply.{id,title}` and
//! `interactive.list_reply.{id,title}` (M `webhooks/reference/messages`; WhatsApp-Nodejs-SDK
//! `src/types/webhooks.ts`; pywa `types/callback.py`). `context.id` is the wamid replied to.

use serde::Deserialize;

use crate::transport::meta_cloud::epoch_time::rfc3339_from_epoch_text;

/// A message a WhatsApp user sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundMessage {
    /// The sender's WhatsApp id (their number, without `+`).
    pub from: String,
    /// The message id.
    pub id: String,
    /// The message type: `text`, `button`, `interactive`, `image`, …
    pub kind: String,
    /// Epoch seconds as Meta wrote it, if present.
    pub timestamp: Option<String>,
    /// [`InboundMessage::timestamp`] as RFC 3339 UTC.
    pub time: Option<String>,
    /// The wamid this message replies to (`context.id`), e.g. the template whose button was tapped.
    pub context_id: Option<String>,
    /// The business number's id (`metadata.phone_number_id`) it was sent to.
    pub phone_number_id: Option<String>,
    /// The non-empty texts that may be an opt-out keyword, in the order listed above.
    pub keyword_texts: Vec<String>,
}

#[derive(Deserialize)]
pub(crate) struct WireInbound {
    from: String,
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    context: Option<WireContext>,
    #[serde(default)]
    text: Option<WireText>,
    #[serde(default)]
    button: Option<WireButton>,
    #[serde(default)]
    interactive: Option<WireInteractive>,
}

#[derive(Deserialize)]
struct WireContext {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
struct WireText {
    #[serde(default)]
    body: Option<String>,
}

#[derive(Deserialize)]
struct WireButton {
    #[serde(default)]
    payload: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct WireInteractive {
    #[serde(default)]
    button_reply: Option<WireReply>,
    #[serde(default)]
    list_reply: Option<WireReply>,
}

#[derive(Deserialize)]
struct WireReply {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

impl WireInbound {
    pub(crate) fn into_message(self, phone_number_id: Option<&str>) -> InboundMessage {
        let mut texts = Vec::new();
        texts.extend(self.text.and_then(|text| text.body));
        if let Some(button) = self.button {
            texts.extend(button.payload);
            texts.extend(button.text);
        }
        if let Some(interactive) = self.interactive {
            for reply in [interactive.button_reply, interactive.list_reply]
                .into_iter()
                .flatten()
            {
                texts.extend(reply.id);
                texts.extend(reply.title);
            }
        }
        texts.retain(|text| !text.trim().is_empty());
        InboundMessage {
            from: self.from,
            id: self.id,
            kind: self.kind,
            time: self.timestamp.as_deref().and_then(rfc3339_from_epoch_text),
            timestamp: self.timestamp,
            context_id: self.context.and_then(|context| context.id),
            phone_number_id: phone_number_id.map(str::to_owned),
            keyword_texts: texts,
        }
    }
}
