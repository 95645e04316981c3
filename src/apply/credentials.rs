//! The API token apply sends with: a fresh one for the embedded sandbox, else
//! the file named with `--token-file`, else the environment's (the variable
//! of the campaign's provider: [`variable`]). It is held as a [`SecretString`]
//! from the moment it is read.

use crate::campaign::ProviderKind;
use crate::secret::SecretString;
use anyhow::Context as _;
use std::path::Path;

/// The environment variable holding the token of `provider`.
pub fn variable(provider: ProviderKind) -> &'static str {
    match provider {
        ProviderKind::SinchWhatsappV1 => "SINCH_TOKEN",
        // A system-user access token (M `access-tokens`).
        ProviderKind::MetaCloud => "WHATSAPP_TOKEN",
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
        Some(path) => SecretString::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the token file `{}`", path.display()))?
                .trim()
                .to_owned(),
        ),
        None => from_env
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no API token: set `{variable}` or pass `--token-file PATH` (or `--sandbox` to send to a local sandbox)"))?,
    };
    anyhow::ensure!(!token.is_empty(), "the API token is empty");
    Ok(token)
}
