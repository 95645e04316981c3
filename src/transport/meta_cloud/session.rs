//! A worker's session with the Graph API: one [`HttpSession`] whose answers
//! [`answer::classify`](super::answer::classify) reads.

use super::answer;
use crate::phone::Phone;
use crate::transport::RecipientResult;
use crate::transport::http_client::HttpSession;
use crate::transport::send_error::SendError;
use bytes::Bytes;

/// One worker's connection to the Graph API.
pub struct Session(pub HttpSession);

impl crate::transport::Session for Session {
    /// Sends one request whose body is a one-recipient template send.
    async fn send(
        &mut self,
        body: Bytes,
        _recipients: &[Phone],
    ) -> Result<Vec<RecipientResult>, SendError> {
        let answer = self.0.post(body).await?;
        answer::classify(answer.status.as_u16(), &answer.body, answer.retry_after())
    }
}
