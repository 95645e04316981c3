//! The body of a v1 send, `{"to":[…],"message":…,"callback":…}` (a
//! [`SendRequest`](super::wire::SendRequest)), written around the staged
//! message bytes as they are: what the plan's digest covers is what is sent,
//! and no message is parsed or serialised again on the way out.

use crate::phone::Phone;
use bytes::Bytes;
use std::fmt::Write as _;

/// Writes request bodies; the callback is escaped once, not per request.
#[derive(Clone, Debug)]
pub struct RequestBody {
    /// What follows the message: the callback, if any, and the closing brace.
    tail: Box<str>,
}

impl RequestBody {
    /// Bodies asking for status reports at `callback`, if given.
    pub fn new(callback: Option<&str>) -> RequestBody {
        let tail = match callback {
            Some(callback) => format!(",\"callback\":{}}}", serde_json::Value::from(callback)),
            None => "}".to_owned(),
        };
        RequestBody { tail: tail.into() }
    }

    /// The request sending `message` (the staged JSON of the message object)
    /// to `recipients`.
    pub fn build(&self, message: &str, recipients: &[Phone]) -> Bytes {
        // A quote, up to 20 digits, a quote and a comma per recipient.
        let mut body =
            String::with_capacity(24 + recipients.len() * 23 + message.len() + self.tail.len());
        body.push_str("{\"to\":[");
        for (index, phone) in recipients.iter().enumerate() {
            if index > 0 {
                body.push(',');
            }
            let _ = write!(body, "\"{phone}\"");
        }
        body.push_str("],\"message\":");
        body.push_str(message);
        body.push_str(&self.tail);
        body.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Media, TemplateMessage};
    use crate::transport::sinch_v1::wire::SendRequest;

    #[test]
    fn a_batch_body_is_a_send_request() {
        let message = TemplateMessage {
            kind: "template".into(),
            template_name: "t".into(),
            language: "en".into(),
            header_params: vec![],
            body_params: vec!["Ann \"A\"".into()],
            media: Media::Text,
            buttons: vec![],
        };
        let json = serde_json::to_string(&message).unwrap();
        let phones = vec![
            Phone::from_digits("447400000001").unwrap(),
            Phone::from_digits("447400000002").unwrap(),
        ];
        let body =
            RequestBody::new(Some("https://hooks.example.com/c?x=\"1\"")).build(&json, &phones);
        let request: SendRequest = serde_json::from_slice(&body).unwrap();
        assert_eq!(request.to, ["447400000001", "447400000002"]);
        assert_eq!(request.message, message);
        assert_eq!(
            request.callback.as_deref(),
            Some("https://hooks.example.com/c?x=\"1\"")
        );
    }

    #[test]
    fn the_message_is_sent_as_staged() {
        let phones = [Phone::from_digits("447400000001").unwrap()];
        let body = RequestBody::new(None).build(r#"{"type":"template"}"#, &phones);
        assert_eq!(
            &body[..],
            br#"{"to":["447400000001"],"message":{"type":"template"}}"#
        );
    }
}
