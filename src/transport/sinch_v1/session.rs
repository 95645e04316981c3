//! A worker's session with the v1 API: one [`HttpSession`] whose answers
//! [`answer::classify`] reads into each recipient's result or a
//! [`SendError`] class.

use crate::phone::Phone;
use crate::transport::RecipientResult;
use crate::transport::http_client::HttpSession;
use crate::transport::send_error::SendError;
use crate::transport::sinch_v1::answer;
use bytes::Bytes;

/// One worker's connection to the v1 API.
pub struct Session(pub HttpSession);

impl crate::transport::Session for Session {
    /// Sends one request whose JSON body is `body` (a
    /// [`SendRequest`](crate::transport::sinch_v1::wire::SendRequest) to
    /// `recipients`).
    async fn send(
        &mut self,
        body: Bytes,
        recipients: &[Phone],
    ) -> Result<Vec<RecipientResult>, SendError> {
        let answer = self.0.post(body).await?;
        answer::classify(
            answer.status,
            answer.retry_after(),
            &answer.body,
            recipients,
        )
    }
}
