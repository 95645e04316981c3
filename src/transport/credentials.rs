//! What a provider is sent with, as apply read it: a bearer token (Sinch
//! WhatsApp v1) or an access key that buys tokens, with the host that sells
//! them (Sinch Conversation API). Nothing here is ever printed.

use crate::secret::SecretString;
use crate::transport::sinch_conversation::access_key::AccessKey;

#[derive(Clone, Debug)]
pub struct Credentials {
    pub token: SecretString,
    pub access_key: Option<AccessKey>,
    /// The token host chosen with `--auth-endpoint`, over the campaign's.
    pub auth_endpoint: Option<String>,
}
