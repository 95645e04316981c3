//! `wacast listen`: receive Sinch callbacks into the journal until Ctrl-C. The
//! campaigns named with `--campaign` tell it their names, their state
//! location (all must share one: a folder, or a database URL with `--state`) and their opt-out keywords and suppression file.

use crate::campaign::Campaign;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::exit_status::ExitStatus;
use crate::journal::{StateLocation, state_dir};
use crate::listen::{CampaignTarget, HmacKey, ListenConfig, Listener, ListenerHandle};
use crate::output::Output;
use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Options {
    pub listen: SocketAddr,
    pub allow_remote: bool,
    /// Where the journal is: `--state`, else `.wacast/` beside the campaigns.
    pub state: Option<StateLocation>,
    pub hmac_key_file: Option<PathBuf>,
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
        state: shared_state(&campaigns, options.state.as_ref())?,
        hmac_key: options.hmac_key_file.as_deref().map(read_key).transpose()?,
        campaigns: campaigns
            .iter()
            .map(|(_, campaign)| CampaignTarget {
                name: campaign.name.clone(),
                opt_out: campaign.opt_out.clone(),
            })
            .collect(),
        ..ListenConfig::new(PathBuf::new())
    };
    let signed = config.hmac_key.is_some();
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

fn read_key(path: &Path) -> anyhow::Result<HmacKey> {
    let text = std::fs::read(path)
        .with_context(|| format!("cannot read the HMAC key file `{}`", path.display()))?;
    let key = text.trim_ascii().to_vec();
    anyhow::ensure!(
        !key.is_empty(),
        "the HMAC key file `{}` is empty",
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
            "not checked (no --hmac-key-file)"
        }
    ));
    text
}
