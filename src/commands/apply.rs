//! `wacast apply CAMPAIGN|PLAN_FILE`: check a saved plan still holds, stage
//! the campaign into the journal (the same pipeline as `plan`), confirm, send
//! and report. The sequence is library code ([`crate::apply`]); this command
//! shows what it returns and asks for confirmation. With `--sandbox` it also
//! starts a listener on the campaign's journal for the embedded sandbox's
//! simulated delivery reports, so `status` shows the funnel after it.

use crate::apply::plan_file_check::{self, PlanFileCheck};
use crate::apply::{ApplySession, ApplySettings, ApplyStatus, Opened};
use crate::campaign::ProviderKind;
use crate::exit_status::ExitStatus;
use crate::journal::{Durability, StateLocation};
use crate::listen::{CampaignTarget, ListenConfig, ListenerHandle, ListenerThread};
use crate::output::Output;
use crate::pipeline::Loaded;
use crate::secret::SecretString;
use crate::view::{self, Format};
use std::path::PathBuf;

#[derive(Debug)]
pub struct Options {
    pub campaign: PathBuf,
    pub yes: bool,
    pub endpoint: Option<String>,
    pub sandbox: bool,
    /// With `sandbox`: record its simulated delivery reports (unless
    /// `--no-delivery-reports`).
    pub delivery_reports: bool,
    pub report: Option<PathBuf>,
    /// Where the journal is (default: `.wacast/` beside the campaign).
    pub state: Option<StateLocation>,
    /// Whether every journal commit is flushed to disk.
    pub durability: Durability,
    pub token_file: Option<PathBuf>,
    /// The token from `SINCH_TOKEN`, read at the CLI edge.
    pub token: Option<SecretString>,
    /// The access key id from `SINCH_KEY_ID`, read at the CLI edge.
    pub key_id: Option<String>,
    /// The access key secret from `SINCH_KEY_SECRET`, read at the CLI edge.
    pub key_secret: Option<SecretString>,
    pub key_secret_file: Option<PathBuf>,
    pub auth_endpoint: Option<String>,
    /// The token from `WHATSAPP_TOKEN` (for `meta-cloud`), read at the CLI edge.
    pub whatsapp_token: Option<SecretString>,
    pub resend_unknown: bool,
    pub retry_failed: bool,
    pub format: Format,
    /// The clock `WACAST_NOW` sets, if set; else the system's.
    pub now: Option<jiff::Timestamp>,
    /// Keep running until deferred recipients are sent (`--wait`).
    pub wait: bool,
    /// End after a wave instead of waiting out its `wait` (`--no-wait`).
    pub no_wait: bool,
}

pub fn run(mut options: Options, output: &mut Output) -> anyhow::Result<ExitStatus> {
    if let Some(status) = saved_plan(&mut options, output)? {
        return Ok(status);
    }
    let loaded = match Loaded::load(&options.campaign) {
        Ok(loaded) => loaded,
        Err(problems) => {
            output.diagnostics(&problems);
            return Ok(ExitStatus::Invalid);
        }
    };
    if let Some(report) = &options.report {
        let location = StateLocation::for_campaign(&options.campaign, options.state.as_ref());
        if let Err(error) = crate::plan::output_path::refuse_overwriting(report, &loaded, &location)
        {
            output.message(&format!("error: {error:#}"));
            return Ok(ExitStatus::Usage);
        }
    }
    let (token, access_key) = match credentials(&options, &loaded) {
        Ok(credentials) => credentials,
        Err(error) => {
            output.message(&format!("error: {error:#}"));
            return Ok(ExitStatus::Usage);
        }
    };
    let settings = ApplySettings {
        state: options.state.clone(),
        report: options.report.clone(),
        endpoint: options.endpoint.clone(),
        sandbox: options.sandbox,
        sandbox_reports_to: None,
        token,
        access_key,
        auth_endpoint: options.auth_endpoint.clone(),
        resend_unknown: options.resend_unknown,
        retry_failed: options.retry_failed,
        now: options.now,
        wait: options.wait,
        no_wait: options.no_wait,
        durability: options.durability,
    };
    let reported = (options.sandbox && options.delivery_reports).then(|| Reported {
        target: CampaignTarget {
            name: loaded.campaign.name.clone(),
            opt_out: loaded.campaign.opt_out.clone(),
            // The embedded sandbox reports only on this run's messages,
            // sent under the campaign's current name.
            renamed_from: None,
        },
        kind: loaded.campaign.sender.kind(),
    });
    let mut session = match ApplySession::open(loaded, &options.campaign, settings)? {
        Opened::Ready(session) => *session,
        Opened::Invalid {
            recovered,
            diagnostics,
        } => {
            output.messages(view::apply::recovered(recovered));
            output.diagnostics(&diagnostics);
            output.message(&format!(
                "{}: invalid, nothing was sent",
                options.campaign.display()
            ));
            return Ok(ExitStatus::Invalid);
        }
    };
    output.messages(view::apply::recovered(session.recovered));
    output.diagnostics(&session.diagnostics);
    output.message(&view::apply::before(&session));
    let to_send = session.to_send;
    if to_send > 0
        && !options.yes
        && !output.confirm(&format!(
            "send {to_send} message(s) for `{}`?",
            session.campaign()
        ))?
    {
        session.decline()?;
        output.message("nothing was sent");
        return Ok(ExitStatus::Ok);
    }
    let listener = reported
        .filter(|_| to_send > 0)
        .and_then(|reported| report_listener(&options, reported, &mut session, output));
    let mut progress = (to_send > 0).then(|| output.progress(to_send));
    let summary = session.send(&mut |tally| {
        if let Some(progress) = progress.as_mut() {
            progress.update(tally);
        }
    });
    if let Some(progress) = progress {
        progress.finish();
    }
    if let Some(listener) = listener {
        listener.shutdown();
    }
    let summary = match summary {
        Ok(summary) => summary,
        Err(error) => match error.downcast::<crate::apply::JournalLost>() {
            Ok(lost) => {
                output.message(&view::apply::this_run(&lost.this_run));
                output.message(&format!("error: {lost}"));
                return Ok(ExitStatus::Stopped);
            }
            Err(error) => return Err(error),
        },
    };
    output.messages(view::apply::after(&summary));
    if options.format == Format::Json {
        output.data(&view::apply::json(&summary)?)?;
    }
    if summary.report_error.is_some() {
        return Ok(ExitStatus::Stopped);
    }
    Ok(match summary.status {
        ApplyStatus::Sent => ExitStatus::Ok,
        ApplyStatus::Failures => ExitStatus::Failures,
        ApplyStatus::Stopped => ExitStatus::Stopped,
        ApplyStatus::Deferred => ExitStatus::Deferred,
    })
}

/// The campaign whose simulated delivery reports a listener records.
struct Reported {
    target: CampaignTarget,
    kind: ProviderKind,
}

/// Starts a listener on the campaign's journal and has the embedded sandbox
/// report to it; one that cannot start leaves the reports unrecorded, with a
/// warning, and sending goes on.
fn report_listener(
    options: &Options,
    reported: Reported,
    session: &mut ApplySession,
    output: &mut Output,
) -> Option<ListenerThread> {
    let state = StateLocation::for_campaign(&options.campaign, options.state.as_ref());
    let (name, kind) = (reported.target.name.clone(), reported.kind);
    let mut config = ListenConfig::new(state);
    config.durability = options.durability;
    config.providers = vec![(name.clone(), kind)];
    config.campaigns = vec![reported.target];
    match ListenerThread::start(config) {
        Ok(listener) => {
            session.report_deliveries_to(reports_url(listener.handle(), &name, kind));
            Some(listener)
        }
        Err(error) => {
            output.message(&format!(
                "warning: the sandbox's delivery reports will not be recorded: {error:#}"
            ));
            None
        }
    }
}

/// Where a listener takes a campaign's reports: Sinch's at the campaign's
/// callback URL, Meta's at its one webhook URL.
fn reports_url(listener: &ListenerHandle, campaign: &str, kind: ProviderKind) -> String {
    match kind {
        ProviderKind::MetaCloud => format!(
            "{}{}",
            listener.base_url(),
            crate::listen::meta_cloud::WEBHOOK_PATH
        ),
        ProviderKind::SinchWhatsappV1 | ProviderKind::SinchConversation => {
            format!("{}/{campaign}", listener.callback_url())
        }
    }
}

/// Turns `options` for a plan file into options for its campaign. `Some`
/// status means apply ends here.
fn saved_plan(options: &mut Options, output: &mut Output) -> anyhow::Result<Option<ExitStatus>> {
    let plan = options.campaign.clone();
    let check = plan_file_check::check(
        &plan,
        options.state.as_ref(),
        options.resend_unknown,
        options.retry_failed,
    )?;
    match check {
        PlanFileCheck::NotAPlan => Ok(None),
        PlanFileCheck::Refused(reason) => {
            output.message(&format!(
                "error: refusing to apply `{}`: {reason}",
                plan.display()
            ));
            Ok(Some(ExitStatus::Invalid))
        }
        PlanFileCheck::FlagNotPlanned(flag) => {
            output.message(&format!(
                "error: `{}` was planned without `{flag}`: plan again with it",
                plan.display()
            ));
            Ok(Some(ExitStatus::Usage))
        }
        PlanFileCheck::Holds {
            campaign,
            resend_unknown,
            retry_failed,
            to_send,
        } => {
            output.message(&if to_send == 0 {
                format!("{}: the plan is fully applied", plan.display())
            } else {
                format!(
                    "{}: the plan still holds ({to_send} to send)",
                    plan.display()
                )
            });
            options.campaign = campaign;
            options.resend_unknown = resend_unknown;
            options.retry_failed = retry_failed;
            Ok(None)
        }
    }
}

/// What the campaign's provider is sent with: a token (Sinch WhatsApp v1)
/// or an access key (Sinch Conversation API).
fn credentials(
    options: &Options,
    loaded: &Loaded,
) -> anyhow::Result<(
    SecretString,
    Option<crate::transport::sinch_conversation::access_key::AccessKey>,
)> {
    use crate::apply::credentials;
    match loaded.campaign.sender.kind() {
        crate::campaign::ProviderKind::SinchConversation => Ok((
            SecretString::new(String::new()),
            Some(credentials::access_key(
                options.sandbox,
                options.key_id.as_deref(),
                options.key_secret_file.as_deref(),
                options.key_secret.as_ref(),
            )?),
        )),
        kind @ (crate::campaign::ProviderKind::SinchWhatsappV1
        | crate::campaign::ProviderKind::MetaCloud) => {
            let from_env = match kind {
                crate::campaign::ProviderKind::MetaCloud => options.whatsapp_token.as_ref(),
                _ => options.token.as_ref(),
            };
            Ok((
                credentials::token(
                    options.sandbox,
                    options.token_file.as_deref(),
                    from_env,
                    credentials::variable(kind),
                )?,
                None,
            ))
        }
    }
}
