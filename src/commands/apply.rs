//! `wacast apply CAMPAIGN`: plan into the journal (the same pipeline as
//! `plan`), confirm, send every pending recipient, and write the report. A
//! second apply of the same campaign waits for nobody: it is refused while the
//! first holds the state lock.

use crate::commands::OutputFormat;
use crate::exit_status::ExitStatus;
use crate::journal::{Backend, JournalWriter, StateCounts, StateLocation};
use crate::output::Output;
use crate::pipeline::Loaded;
use crate::sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use crate::secret::SecretString;
use crate::send::stop::{Stop, StopReason};
use crate::send::{self, Ended, Settings};
use crate::transport::sinch_v1::client::SinchClient;
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug)]
pub struct Options {
    pub campaign: PathBuf,
    pub yes: bool,
    pub endpoint: Option<String>,
    pub sandbox: bool,
    pub report: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    pub token_file: Option<PathBuf>,
    /// The token from `SINCH_TOKEN`, read at the CLI edge.
    pub token: Option<SecretString>,
    pub resend_unknown: bool,
    pub retry_failed: bool,
    pub format: OutputFormat,
}

/// Most journal writes committed in one transaction.
const JOURNAL_GROUP: usize = 256;

/// How long in-flight requests may finish after Ctrl-C or another stop.
const STOP_DEADLINE: Duration = Duration::from_secs(20);

pub fn run(mut options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    if let Some(status) = crate::commands::apply_plan_file::prepare(&mut options, output)? {
        return Ok(status);
    }
    let mut loaded = match Loaded::load(&options.campaign) {
        Ok(loaded) => loaded,
        Err(problems) => {
            output.diagnostics(&problems);
            return Ok(ExitStatus::Invalid);
        }
    };
    let token = match token(&options) {
        Ok(token) => token,
        Err(error) => {
            output.message(&format!("error: {error:#}"));
            return Ok(ExitStatus::Usage);
        }
    };
    let Some(base_url) = base_url(&options, &loaded) else {
        anyhow::bail!("the campaign has no `sender.region` or `sender.endpoint`; pass `--endpoint`")
    };
    let campaign = loaded.campaign.name.clone();
    let state_dir =
        crate::journal::state_dir::for_campaign(&options.campaign, options.state_dir.as_deref());
    let mut journal = crate::journal::open(&StateLocation::Folder(state_dir.clone()), &campaign)?;
    let _lock = journal.lock()?;
    recover(journal.as_mut(), output)?;
    let run = journal.begin_run()?;
    let Some(counts) = stage_plan(journal.as_mut(), run, &mut loaded, &options, output)? else {
        return Ok(ExitStatus::Invalid);
    };
    let report = options
        .report
        .clone()
        .unwrap_or_else(|| state_dir.join(format!("{campaign}-report.csv")));
    let before = journal.counts()?;
    let to_send = to_send(journal.as_ref(), run, &before, &options)?;
    output.message(&summary_before(
        &campaign, &counts, &before, to_send, &options, &base_url,
    ));
    if to_send == 0 {
        journal.finish_run(run, "nothing to send")?;
        return finish(journal.as_ref(), &report, None, output, &options, None);
    }
    if !options.yes && !output.confirm(&format!("send {to_send} message(s) for `{campaign}`?"))? {
        journal.finish_run(run, "declined")?;
        output.message("nothing was sent");
        return Ok(ExitStatus::Ok);
    }
    if (options.resend_unknown && before.unknown > 0) || (options.retry_failed && before.failed > 0)
    {
        journal.requeue(options.resend_unknown, options.retry_failed)?;
    }
    let (ended, journal, received) = send_and_record(
        journal, run, to_send, &loaded, &options, &base_url, token, output,
    )?;
    finish(
        journal.as_ref(),
        &report,
        Some(&ended),
        output,
        &options,
        received,
    )
}

/// Requests left in flight by a run that died become unknown.
fn recover(journal: &mut dyn Backend, output: &mut Output) -> anyhow::Result<()> {
    let recovered = journal.recover_in_flight()?;
    if recovered > 0 {
        output.message(&format!(
            "{recovered} recipient(s) were in flight when an earlier run stopped: marked unknown (resend with --resend-unknown)"
        ));
    }
    Ok(())
}

/// Plans the campaign into the journal; `None` (with nothing kept) when the
/// plan is invalid.
fn stage_plan(
    journal: &mut dyn Backend,
    run: i64,
    loaded: &mut Loaded,
    options: &Options,
    output: &mut Output,
) -> anyhow::Result<Option<crate::plan::Counts>> {
    let stage = journal.stage(run)?;
    let (counts, diagnostics, stage) = crate::apply::stage::stage(loaded, stage)?;
    output.diagnostics(&diagnostics);
    if diagnostics.has_errors() {
        drop(stage);
        journal.finish_run(run, "invalid")?;
        output.message(&format!(
            "{}: invalid, nothing was sent",
            options.campaign.display()
        ));
        return Ok(None);
    }
    stage.commit()?;
    Ok(Some(counts))
}

/// How many recipients this run will send: the pending ones, and the unknown
/// or failed ones when asked to send those again.
fn to_send(
    journal: &dyn Backend,
    run: i64,
    before: &StateCounts,
    options: &Options,
) -> anyhow::Result<u64> {
    let again = |wanted: bool, count: u64| if wanted { count } else { 0 };
    Ok(journal.pending_count(run)?
        + again(options.resend_unknown, before.unknown)
        + again(options.retry_failed, before.failed))
}

/// Sends, then records how the run ended in the journal.
#[allow(clippy::too_many_arguments)]
fn send_and_record(
    journal: Box<dyn Backend>,
    run: i64,
    total: u64,
    loaded: &Loaded,
    options: &Options,
    base_url: &str,
    token: SecretString,
    output: &mut Output,
) -> anyhow::Result<(Ended, Box<dyn Backend>, Option<usize>)> {
    let delivery = loaded.campaign.delivery;
    let settings = Settings {
        concurrency: delivery.concurrency as usize,
        rate_per_second: delivery.rate_per_second,
        max_attempts: delivery.max_attempts,
        callback: loaded.campaign.message_callback(),
        stop_deadline: STOP_DEADLINE,
    };
    let bot_id = &loaded.campaign.sender.bot_id;
    let (ended, mut journal, received) = send_all(
        journal, run, total, &settings, options, base_url, bot_id, token, output,
    )?;
    journal.recover_in_flight()?;
    let outcome = ended
        .stopped
        .as_ref()
        .map_or_else(|| "finished".to_owned(), |r| format!("stopped: {r}"));
    journal.finish_run(run, &outcome)?;
    Ok((ended, journal, received))
}

/// The token: a fresh one for the embedded sandbox, else `--token-file`, else `SINCH_TOKEN`.
fn token(options: &Options) -> anyhow::Result<SecretString> {
    if options.sandbox {
        return Ok(SecretString::new(format!(
            "sandbox-{}",
            ulid::Ulid::generate()
        )));
    }
    let token = match &options.token_file {
        Some(path) => SecretString::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the token file `{}`", path.display()))?
                .trim()
                .to_owned(),
        ),
        None => options
            .token
            .clone()
            .ok_or_else(|| anyhow::anyhow!("no API token: set `SINCH_TOKEN` or pass `--token-file PATH` (or `--sandbox` to send to a local sandbox)"))?,
    };
    anyhow::ensure!(!token.is_empty(), "the API token is empty");
    Ok(token)
}

fn base_url(options: &Options, loaded: &Loaded) -> Option<String> {
    if options.sandbox {
        return Some("sandbox".to_owned());
    }
    options
        .endpoint
        .clone()
        .or_else(|| loaded.campaign.sender.base_url())
}

fn summary_before(
    campaign: &str,
    counts: &crate::plan::Counts,
    before: &StateCounts,
    to_send: u64,
    options: &Options,
    base_url: &str,
) -> String {
    let target = if options.sandbox {
        "the embedded sandbox".to_owned()
    } else {
        base_url.to_owned()
    };
    format!(
        "apply `{campaign}`: {to_send} to send via {target}; audience: {} recipient(s), {} skipped, {} duplicate(s), {} suppressed; journal: {} sent, {} failed, {} unknown",
        counts.recipients,
        counts.skipped,
        counts.duplicates,
        counts.suppressed,
        before.sent,
        before.failed,
        before.unknown
    )
}

/// Sends on a tokio runtime, with the sandbox started there if asked for.
#[allow(clippy::too_many_arguments)]
fn send_all(
    journal: Box<dyn Backend>,
    run: i64,
    total: u64,
    settings: &Settings,
    options: &Options,
    base_url: &str,
    bot_id: &str,
    token: SecretString,
    output: &mut Output,
) -> anyhow::Result<(Ended, Box<dyn Backend>, Option<usize>)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (writer, thread) = JournalWriter::spawn(journal, JOURNAL_GROUP)?;
    let ended = runtime.block_on(async {
        let sandbox = match options.sandbox {
            true => Some(start_sandbox(bot_id, &token).await?),
            false => None,
        };
        let url = sandbox
            .as_ref()
            .map_or_else(|| base_url.to_owned(), SandboxHandle::base_url);
        let client = SinchClient::new(&url, bot_id, token)?;
        let stop = Stop::default();
        tokio::spawn(watch_signals(stop.clone()));
        let mut progress = output.progress(total);
        let ended = send::run(writer, run, total, client, settings, stop, |tally| {
            progress.update(tally)
        })
        .await;
        progress.finish();
        let received = sandbox.as_ref().map(|s| s.messages().len());
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
        }
        anyhow::Ok((ended, received))
    })?;
    let journal = thread
        .join()
        .map_err(|_| anyhow::anyhow!("the journal thread panicked"))?;
    Ok((ended.0, journal, ended.1))
}

async fn start_sandbox(bot_id: &str, token: &SecretString) -> anyhow::Result<SandboxHandle> {
    let config = SandboxConfig {
        bot_id: bot_id.to_owned(),
        token: token.expose().to_owned(),
        ..SandboxConfig::default()
    };
    Ok(Sandbox::start(config).await?)
}

/// Stops sending on Ctrl-C or SIGTERM.
async fn watch_signals(stop: Stop) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    stop.set(StopReason::Interrupted);
}

/// Writes the report, prints the summary and picks the exit status.
fn finish(
    journal: &dyn Backend,
    report: &Path,
    ended: Option<&Ended>,
    output: &mut Output,
    options: &Options,
    sandbox_messages: Option<usize>,
) -> anyhow::Result<ExitStatus> {
    let rows = crate::apply::report::write(journal, report)?;
    let counts = journal.counts()?;
    let stopped = ended.and_then(|e| e.stopped.clone());
    let status = if stopped.is_some() || counts.pending > 0 {
        ExitStatus::Stopped
    } else if counts.failed > 0 || counts.unknown > 0 {
        ExitStatus::Failures
    } else {
        ExitStatus::Ok
    };
    if let Some(ended) = ended {
        let t = &ended.tally;
        output.message(&format!(
            "this run: {} sent, {} failed, {} unknown, {} left pending ({} request(s), {} retr(ies), {:.0} recipients/s)",
            t.sent, t.failed, t.unknown, t.requeued, t.requests, t.retries, t.rate()
        ));
    }
    if let Some(received) = sandbox_messages {
        output.message(&format!(
            "the embedded sandbox received {received} message(s)"
        ));
    }
    if let Some(reason) = &stopped {
        output.message(&format!("stopped: {reason}; run apply again to continue"));
    }
    output.message(&format!(
        "campaign: {} sent, {} failed, {} unknown, {} pending, {} skipped; report: {} ({rows} row(s))",
        counts.sent,
        counts.failed,
        counts.unknown,
        counts.pending,
        counts.skipped,
        report.display()
    ));
    if options.format == OutputFormat::Json {
        let summary = serde_json::json!({
            "campaign": journal.campaign(),
            "status": match status { ExitStatus::Ok => "sent", ExitStatus::Failures => "failures", _ => "stopped" },
            "stopped": stopped.map(|r| r.to_string()),
            "counts": counts,
            "this_run": ended.map(|e| serde_json::json!({
                "sent": e.tally.sent, "failed": e.tally.failed, "unknown": e.tally.unknown,
                "left_pending": e.tally.requeued, "requests": e.tally.requests, "retries": e.tally.retries,
                "seconds": e.tally.elapsed().as_secs_f64(),
                "recipients_per_second": e.tally.rate(),
            })),
            "report": report.display().to_string(),
        });
        output.data(&format!("{}\n", serde_json::to_string_pretty(&summary)?))?;
    }
    Ok(status)
}
