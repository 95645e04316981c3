//! The API token apply sends with: a fresh one for the embedded sandbox, else
//! the file named with `--token-file`, else the environment's. It is held as a
//! [`SecretString`] from the moment it is read.

use crate::secret::SecretString;
use anyhow::Context as _;
use std::path::Path;

/// The token to send with; an error says how to provide one.
pub fn token(
    sandbox: bool,
    token_file: Option<&Path>,
    from_env: Option<&SecretString>,
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
            .ok_or_else(|| anyhow::anyhow!("no API token: set `SINCH_TOKEN` or pass `--token-file PATH` (or `--sandbox` to send to a local sandbox)"))?,
    };
    anyhow::ensure!(!token.is_empty(), "the API token is empty");
    Ok(token)
}
