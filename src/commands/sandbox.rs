//! `wacast sandbox`: the local Sinch- and Meta-compatible server in the foreground. It
//! says where it listens and which credentials to use, serves until Ctrl-C,
//! then sums up what it answered.

use crate::exit_status::ExitStatus;
use crate::output::Output;
use crate::sandbox::{DEFAULT_TOKEN, Sandbox, SandboxConfig, SandboxHandle, SandboxStats};

#[derive(Debug)]
pub struct Options {
    pub config: SandboxConfig,
}

pub fn run(options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let stats = runtime.block_on(Sandbox::serve(
        options.config,
        |sandbox| output.message(&announcement(sandbox)),
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    ))?;
    output.message(&summary(&stats));
    Ok(ExitStatus::Ok)
}

/// Where to send and how to look inside. A token the user chose is not
/// repeated back: it may be a real one.
fn announcement(sandbox: &SandboxHandle) -> String {
    let token = if sandbox.token() == DEFAULT_TOKEN {
        format!("`{DEFAULT_TOKEN}`")
    } else {
        "the one given with `--token`".to_owned()
    };
    format!(
        "sandbox listening on {base}\n\
         \x20 bot id:   `{bot}`\n\
         \x20 token:    {token}\n\
         \x20 send:     POST {send}\n\
         \x20 meta:     POST {base}/{version}/{bot}/messages (Meta's Cloud API; the bot id is the phone number id)\n\
         \x20 messages: GET {messages}\n\
         \x20 stats:    GET {stats}\n\
         \x20 conversation API: POST {base}/oauth2/token, POST {base}/v1/projects/{project}/messages:send (app `{app}`)\n\
         press Ctrl-C to stop",
        base = sandbox.base_url(),
        bot = sandbox.bot_id(),
        version = crate::campaign::meta_cloud_sender::DEFAULT_GRAPH_VERSION,
        send = sandbox.messages_url(),
        messages = sandbox.recorded_url(),
        stats = sandbox.stats_url(),
        project = sandbox.conversation_project(),
        app = sandbox.conversation_app(),
    )
}

fn summary(stats: &SandboxStats) -> String {
    format!(
        "sandbox stopped: {} requests, {} accepted with {} messages",
        stats.requests, stats.accepted, stats.messages
    )
}
