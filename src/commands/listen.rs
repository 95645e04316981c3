//! `wacast listen`: receive Sinch callbacks into the journal until Ctrl-C. The
//! campaigns named with `--campaign` tell it their names, their state folder
//! (all must share one) and their opt-out keywords and suppression file.

use crate::campaign::Campaign;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::exit_status::ExitStatus;
use crate::journal::state_dir;
use crate::listen::{CampaignTarget, HmacKey, ListenConfig, Listener, ListenerHandle};
use crate::output::Output;
use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Options {
    pub listen: SocketAddr,
    pub allow_remote: bool,
    pub state_dir: Option<PathBuf>,
    pub hmac_key_file: Option<PathBuf>,
    pub webhook_secret_files: Vec<PathBuf>,
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
    let config = ListenConfig {
        listen: options.listen,
        allow_remote: options.allow_remote,
        state: shared_state_dir(&campaigns, options.state_dir.as_deref())?.into(),
        hmac_key: options.hmac_key_file.as_deref().map(read_key).transpose()?,
        campaigns: campaigns
            .iter()
            .map(|(_, campaign)| CampaignTarget {
                name: campaign.name.clone(),
                opt_out: campaign.opt_out.clone(),
            })
            .collect(),
        webhook_secrets: options
            .webhook_secret_files
            .iter()
            .map(|path| read_key(path))
            .collect::<anyhow::Result<_>>()?,
        providers: campaigns
            .iter()
            .map(|(_, campaign)| (campaign.name.clone(), campaign.sender.kind()))
            .collect(),
        ..ListenConfig::new(PathBuf::new())
    };
    let signed = config.hmac_key.is_some() || !config.webhook_secrets.is_empty();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(Listener::serve(
        config,
        |handle| output.message(&announcement(handle, &campaigns, signed)),
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    ))?;
    output.message("listener stopped; every acknowledged callback is in the journal");
    Ok(ExitStatus::Ok)
}

/// The one state folder every campaign's journal is in.
fn shared_state_dir(
    campaigns: &[(PathBuf, Campaign)],
    chosen: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    let mut dirs: Vec<PathBuf> = campaigns
        .iter()
        .map(|(path, _)| state_dir::for_campaign(path, chosen))
        .collect();
    dirs.sort();
    dirs.dedup();
    match dirs.as_slice() {
        [] => Ok(chosen.map_or_else(|| PathBuf::from(state_dir::DEFAULT), Path::to_path_buf)),
        [one] => Ok(one.clone()),
        [first, second, ..] => anyhow::bail!(
            "the campaigns keep their journals in different folders (`{}` and `{}`); give one with `--state-dir`",
            first.display(),
            second.display()
        ),
    }
}

fn read_key(path: &Path) -> anyhow::Result<HmacKey> {
    let text = std::fs::read(path)
        .with_context(|| format!("cannot read the key file `{}`", path.display()))?;
    let key = text.trim_ascii().to_vec();
    anyhow::ensure!(
        !key.is_empty(),
        "the key file `{}` is empty",
        path.display()
    );
    Ok(HmacKey(key))
}

fn announcement(
    handle: &ListenerHandle,
    campaigns: &[(PathBuf, Campaign)],
    signed: bool,
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
        "  by message id: POST {}\n  signatures: {}\npress Ctrl-C to stop",
        handle.callback_url(),
        if signed {
            "required"
        } else {
            "not checked (no --hmac-key-file or --webhook-secret-file)"
        }
    ));
    text
}
