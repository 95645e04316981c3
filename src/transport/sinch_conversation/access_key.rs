//! A Sinch access key: the key id and key secret that buy OAuth2 tokens
//! (`SINCH_KEY_ID`, `SINCH_KEY_SECRET`). The secret is a [`SecretString`]
//! from the moment it is read, and `Debug` shows neither part.

use crate::secret::SecretString;
use std::fmt;

#[derive(Clone)]
pub struct AccessKey {
    pub key_id: String,
    pub key_secret: SecretString,
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessKey(redacted)")
    }
}
