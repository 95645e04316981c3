//! `wacast listen`: receive Sinch callbacks and Meta webhooks into the
//! journal until Ctrl-C. The campaigns named with `--campaign` tell it their
//! names, their state location (all must share one: a folder, or a database
//! URL with `--state`) and their opt-out keywords and suppression file.

use crate::campaign::Campaign;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::exit_status::ExitStatus;
use crate::journal::{Durability, StateLocation, state_dir};
use crate::listen::{CampaignTarget, HmacKey, ListenConfig, ListenError, Listener, ListenerHandle};
use crate::output::Output;
use crate::secret::SecretString;
use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Options {
    pub listen: SocketAddr,
    pub allow_remote: bool,
    /// Where the journal is: `--state`, else `.wacast/` beside the campaigns.
    pub state: Option<StateLocation>,
    /// Whether each commit is flushed before its callback is answered.
    pub durability: Durability,
    /// Connections served at once.
    pub max_connections: usize,
    /// The time a client gets for a request's head, its body, or idling.
    pub read_timeout: std::time::Duration,
    pub hmac_key_file: Option<PathBuf>,
    pub webhook_secret_files: Vec<PathBuf>,
    pub verify_token_file: Option<PathBuf>,
    pub app_secret_file: Option<PathBuf>,
    pub campaigns: Vec<PathBuf>,
}

pub fn run(options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    let mut campaigns = Vec::new();
    let mut problems = Diagnostics::new();
    for path in &options.campaigns {
        match Campaign::load(path) {
            Ok(campaign) => campaigns.push((path.clone(), campaign)),
            Err(found) => problems.extend(found),
        }
    }
    if problems.has_errors() {
        output.diagnostics(&problems);
        return Ok(ExitStatus::Invalid);
    }
    let defaults = ListenConfig::new(PathBuf::new());
    let config = ListenConfig {
        listen: options.listen,
        allow_remote: options.allow_remote,
        state: shared_state(&campaigns, options.state.as_ref())?,
        durability: options.durability,
        hmac_key: options
            .hmac_key_file
            .as_deref()
            .map(|path| read_key(path, "HMAC key"))
            .transpose()?,
        app_secret: options
            .app_secret_file
            .as_deref()
            .map(|path| read_key(path, "app secret"))
            .transpose()?,
        verify_token: options
            .verify_token_file
            .as_deref()
            .map(|path| read_key(path, "verify token"))
            .transpose()?
            .map(|key| SecretString::new(String::from_utf8_lossy(&key.0).into_owned())),
        campaigns: campaigns
            .iter()
            .map(|(_, campaign)| CampaignTarget {
                name: campaign.name.clone(),
                opt_out: campaign.opt_out.clone(),
                renamed_from: campaign.renamed_from.clone(),
            })
            .collect(),
        webhook_secrets: options
            .webhook_secret_files
            .iter()
            .map(|path| read_key(path, "webhook secret"))
            .collect::<anyhow::Result<_>>()?,
        providers: campaigns
            .iter()
            .map(|(_, campaign)| (campaign.name.clone(), campaign.sender.kind()))
            .collect(),
        limits: crate::server::Limits {
            max_connections: options.max_connections,
            header_timeout: options.read_timeout,
            body_timeout: options.read_timeout,
            ..defaults.limits
        },
        ..defaults
    };
    let signed = config.hmac_key.is_some() || !config.webhook_secrets.is_empty();
    let meta = MetaSetup {
        verify_token: config.verify_token.is_some(),
        app_secret: config.app_secret.is_some(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served = runtime.block_on(Listener::serve(
        config,
        |handle| output.message(&announcement(handle, &campaigns, signed, meta)),
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    ));
    if let Err(refused @ ListenError::NoJournal { .. }) = served {
        output.message(&format!("error: {refused}"));
        return Ok(ExitStatus::Usage);
    }
    served?;
    output.message("listener stopped; every acknowledged callback is in the journal");
    Ok(ExitStatus::Ok)
}

/// The one state location every campaign's journal is in: the chosen one,
/// else the one state folder beside them all.
fn shared_state(
    campaigns: &[(PathBuf, Campaign)],
    chosen: Option<&StateLocation>,
) -> anyhow::Result<StateLocation> {
    if let Some(chosen) = chosen {
        return Ok(chosen.clone());
    }
    let mut dirs: Vec<PathBuf> = campaigns
        .iter()
        .map(|(path, _)| state_dir::for_campaign(path, None))
        .collect();
    dirs.sort();
    dirs.dedup();
    match dirs.as_slice() {
        [] => Ok(StateLocation::Folder(PathBuf::from(state_dir::DEFAULT))),
        [one] => Ok(StateLocation::Folder(one.clone())),
        [first, second, ..] => anyhow::bail!(
            "the campaigns keep their journals in different folders (`{}` and `{}`); give one with `--state`",
            first.display(),
            second.display()
        ),
    }
}

/// The secret in the file at `path`, trimmed; `what` names it in errors.
fn read_key(path: &Path, what: &str) -> anyhow::Result<HmacKey> {
    let text = std::fs::read(path)
        .with_context(|| format!("cannot read the {what} file `{}`", path.display()))?;
    let key = text.trim_ascii().to_vec();
    anyhow::ensure!(
        !key.is_empty(),
        "the {what} file `{}` is empty",
        path.display()
    );
    Ok(HmacKey(key))
}

/// What the listener was given for Meta's webhooks.
#[derive(Clone, Copy)]
struct MetaSetup {
    verify_token: bool,
    app_secret: bool,
}

fn announcement(
    handle: &ListenerHandle,
    campaigns: &[(PathBuf, Campaign)],
    signed: bool,
    meta: MetaSetup,
) -> String {
    let mut text = format!("listening on {}\n", handle.base_url());
    if campaigns.is_empty() {
        text.push_str(&format!(
            "  callbacks: POST {}/{{campaign}}\n",
            handle.callback_url()
        ));
    }
    for (_, campaign) in campaigns {
        text.push_str(&format!(
            "  callbacks: POST {}/{} (opt-out keywords: {})\n",
            handle.callback_url(),
            campaign.name,
            campaign.opt_out.keywords.join(", ")
        ));
    }
    text.push_str(&format!(
        "  by message id: POST {}\n  signatures: {}\n",
        handle.callback_url(),
        if signed {
            "required"
        } else {
            "not checked (no --hmac-key-file or --webhook-secret-file)"
        }
    ));
    text.push_str(&format!(
        "  meta-cloud webhooks: GET and POST {}{} (handshake: {}; signatures: {})\npress Ctrl-C to stop",
        handle.base_url(),
        crate::listen::meta_cloud::WEBHOOK_PATH,
        if meta.verify_token {
            "answered"
        } else {
            "refused (no --verify-token-file)"
        },
        if meta.app_secret {
            "required"
        } else {
            "not checked (no --app-secret-file)"
        }
    ));
    text
}
