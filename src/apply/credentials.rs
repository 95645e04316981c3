//! The API token apply sends with: a fresh one for the embedded sandbox, else
//! the file named with `--token-file`, else the environment's (the variable
//! of the campaign's provider: [`variable`]). It is held as a [`SecretString`]
//! from the moment it is read.

use crate::campaign::ProviderKind;
use crate::secret::SecretString;
use crate::transport::sinch_conversation::access_key::AccessKey;
use anyhow::Context as _;
use std::path::Path;

/// The environment variable holding the token of `provider`.
pub fn variable(provider: ProviderKind) -> &'static str {
    match provider {
        ProviderKind::SinchWhatsappV1 => "SINCH_TOKEN",
        // A system-user access token (M `access-tokens`).
        ProviderKind::MetaCloud => "WHATSAPP_TOKEN",
        ProviderKind::SinchConversation => "SINCH_KEY_SECRET",
    }
}

/// The token to send with; an error says how to provide one (`variable`
/// names the environment variable `from_env` was read from).
pub fn token(
    sandbox: bool,
    token_file: Option<&Path>,
    from_env: Option<&SecretString>,
    variable: &str,
) -> anyhow::Result<SecretString> {
    if sandbox {
        return Ok(SecretString::new(format!(
            "sandbox-{}",
            ulid::Ulid::generate()
        )));
    }
    let token = match token_file {
        Some(path) => read_secret(path, "token")?,
        None => from_env
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no API token: set `{variable}` or pass `--token-file PATH` (or `--sandbox` to send to a local sandbox)"))?,
    };
    anyhow::ensure!(!token.is_empty(), "the API token is empty");
    Ok(token)
}

/// The access key a Sinch Conversation API campaign buys tokens with: a fresh
/// one for the embedded sandbox, else the key id from `SINCH_KEY_ID` and the
/// secret from the file named with `--key-secret-file` or `SINCH_KEY_SECRET`.
pub fn access_key(
    sandbox: bool,
    key_id: Option<&str>,
    secret_file: Option<&Path>,
    secret_from_env: Option<&SecretString>,
) -> anyhow::Result<AccessKey> {
    if sandbox {
        return Ok(AccessKey {
            key_id: "sandbox-key".to_owned(),
            key_secret: SecretString::new(format!("sandbox-{}", ulid::Ulid::generate())),
        });
    }
    let key_id = key_id
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no access key id: set `SINCH_KEY_ID` (or `--sandbox` to send to a local sandbox)"
            )
        })?;
    let key_secret = match secret_file {
        Some(path) => read_secret(path, "key secret")?,
        None => secret_from_env.cloned().ok_or_else(|| {
            anyhow::anyhow!(
                "no access key secret: set `SINCH_KEY_SECRET` or pass `--key-secret-file PATH`"
            )
        })?,
    };
    anyhow::ensure!(!key_secret.is_empty(), "the access key secret is empty");
    Ok(AccessKey {
        key_id: key_id.to_owned(),
        key_secret,
    })
}

/// The secret in the file at `path`, without surrounding whitespace.
fn read_secret(path: &Path, what: &str) -> anyhow::Result<SecretString> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {what} file `{}`", path.display()))?;
    Ok(SecretString::new(text.trim().to_owned()))
}
