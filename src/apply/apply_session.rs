//! The apply sequence as library code: lock → open → recover → stage, then
//! (once the caller has confirmed) send → record → report. Each step returns
//! what happened as values; nothing here prints. The command decides what to
//! show between the steps and asks for confirmation.
//!
//! The state lock is taken before the journal is opened and held until the
//! session ends, so a second apply of the same campaign is refused at once.
//!
//! With `--sandbox`, the embedded sandbox simulates each message's delivery
//! reports to the URL [`ApplySettings::sandbox_reports_to`] names (never the
//! campaign's own callback URL); sending ends once they are all out, so the
//! report file and the counts read after it include them.

use super::apply_summary::{ApplyStatus, ApplySummary, ThisRun};
use super::sandbox_reports::{ReportsWait, SandboxReports};
use super::{ApplySettings, stage};
use crate::campaign::Campaign;
use crate::diagnostic::diagnostics::Diagnostics;
use crate::journal::{
    ApplyLock, Backend, Change, JournalWriter, KnownRecipients, Outcome, Requeue, SkippedRow,
    StateCounts, StateLocation,
};
use crate::pipeline::Loaded;
use crate::plan::Counts;
use crate::plan::wave_figures;
use crate::sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use crate::schedule::{Clock, ColumnZones, Gate, Rollout, Scheduler};
use crate::send::staging::{Staging, StagingWatch};
use crate::send::stop::{Stop, StopReason};
use crate::send::tally::Tally;
use crate::send::{self, Deferral, Ended, ReadFigures, Settings};
use crate::transport::{Credentials, Provider};
use std::io::{Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How long in-flight requests may finish after Ctrl-C or another stop.
const STOP_DEADLINE: Duration = Duration::from_secs(20);
/// Most journal writes committed in one transaction.
const JOURNAL_GROUP: usize = 256;
/// The longest apply waits for the embedded sandbox's delivery reports.
const REPORTS_WAIT: Duration = Duration::from_secs(30);

/// What opening and staging found.
pub enum Opened {
    /// The plan has errors; nothing was kept and nothing will be sent.
    Invalid {
        /// Recipients an earlier run left in flight, now unknown.
        recovered: u64,
        diagnostics: Diagnostics,
    },
    /// Staged in the journal, ready to send.
    Ready(Box<ApplySession>),
}

/// A campaign staged in its journal, holding the state lock.
pub struct ApplySession {
    _lock: ApplyLock,
    journal: Box<dyn Backend>,
    run: i64,
    loaded: Loaded,
    settings: ApplySettings,
    base_url: String,
    report: PathBuf,
    location: StateLocation,
    /// Recipients an earlier run left in flight, now unknown.
    pub recovered: u64,
    /// Warnings (and errors, when invalid) of the plan.
    pub diagnostics: Diagnostics,
    /// The audience as planned.
    pub counts: Counts,
    /// The journal's recipients before this run, by state (its skipped rows
    /// are not counted here).
    pub before: StateCounts,
    /// How many recipients this run will send (some later, when the
    /// campaign's schedule defers them).
    pub to_send: u64,
    /// The campaign's schedule, when it declares one.
    deferral: Option<Deferral>,
    /// What sending stages into the journal as it goes.
    staged: Staged,
}

/// The checked plan, to be staged while sending.
struct Staged {
    settled: stage::Settled,
    first_lines: stage::FirstLines,
    skipped: Vec<SkippedRow>,
    /// The audience file as checked, read again to stage.
    audience_copy: std::fs::File,
}

impl ApplySession {
    /// Takes the state lock for `loaded`'s campaign, opens (or creates) its
    /// journal, turns what a dead run left in flight into `unknown`, and
    /// stages the plan. `campaign_file` is the path the campaign was loaded
    /// from, which places the default state folder.
    pub fn open(
        mut loaded: Loaded,
        campaign_file: &Path,
        settings: ApplySettings,
    ) -> anyhow::Result<Opened> {
        let Some(base_url) = base_url(&settings, &loaded) else {
            anyhow::bail!(
                "the campaign has no `sender.region` or `sender.endpoint`; pass `--endpoint`"
            )
        };
        let campaign = loaded.campaign.name.clone();
        let location = StateLocation::for_campaign(campaign_file, settings.state.as_ref());
        let mut journal = crate::journal::open_with(&location, &campaign, settings.durability)?;
        let lock = journal.lock()?;
        if let Some(old) = &loaded.campaign.renamed_from {
            journal.carry_over(old)?;
        }
        loaded.suppress_opted_out(journal.opted_out_numbers()?);
        let run = journal.begin_run()?;
        // The journal's recipients are read on another thread while the
        // audience is checked: the check needs them only to count who this
        // run sends, which it can do for the rows before them afterwards.
        let settled = OnceLock::new();
        let mut zones = ColumnZones::default();
        let (checked, read) = std::thread::scope(|scope| {
            let reader = scope.spawn(|| {
                let (known, recovered) = known_recovered(journal.as_mut())?;
                let _ = settled.set(stage::Settled {
                    known,
                    resend_unknown: settings.resend_unknown,
                    retry_failed: settings.retry_failed,
                });
                anyhow::Ok(recovered)
            });
            let checked = copy_audience(&mut loaded)
                .map(|(copy, rows)| (copy, stage::check(&mut loaded, &settled, rows, &mut zones)));
            let read = reader
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("reading the journal panicked")));
            (checked, read)
        });
        let recovered = read?;
        let settled = settled
            .into_inner()
            .ok_or_else(|| anyhow::anyhow!("the journal's recipients were not read"))?;
        let (audience_copy, mut checked) = match checked {
            Ok(checked) => checked,
            Err(diagnostic) => {
                journal.finish_run(run, "invalid")?;
                let mut diagnostics = std::mem::take(&mut loaded.warnings);
                diagnostics.push(diagnostic);
                return Ok(Opened::Invalid {
                    recovered,
                    diagnostics,
                });
            }
        };
        checked.settle(&settled);
        let before = settled.known.counts();
        let stage::Checked {
            counts,
            diagnostics,
            to_send,
            skipped,
            first_lines,
            ..
        } = checked;
        if diagnostics.has_errors() {
            journal.finish_run(run, "invalid")?;
            return Ok(Opened::Invalid {
                recovered,
                diagnostics,
            });
        }
        let report = settings.report.clone().unwrap_or_else(|| {
            location
                .report_folder(campaign_file)
                .join(crate::journal::state_dir::report_name(&campaign))
        });
        let clock = Clock::at_or_system(settings.now);
        let reached = reached(journal.as_mut(), &loaded.campaign, clock)?;
        let rollout = rollout(journal.as_ref(), &loaded.campaign, &before, clock)?;
        let figures = rollout.as_ref().map(|_| read_figures(&location, &campaign));
        let deferral = Scheduler::of(&loaded.campaign, reached).map(|scheduler| Deferral {
            gate: Arc::new(Mutex::new(Gate::new(scheduler, zones, clock, rollout))),
            wait: settings.wait,
            wave_wait: !settings.no_wait,
            figures,
        });
        Ok(Opened::Ready(Box::new(ApplySession {
            _lock: lock,
            deferral,
            journal,
            run,
            loaded,
            settings,
            base_url,
            report,
            location,
            recovered,
            diagnostics,
            counts,
            before,
            to_send,
            staged: Staged {
                settled,
                first_lines,
                skipped,
                audience_copy,
            },
        })))
    }

    pub fn campaign(&self) -> &str {
        self.journal.campaign()
    }

    /// Where this apply sends, for people: the base URL or the embedded sandbox.
    pub fn target(&self) -> String {
        if self.settings.sandbox {
            "the embedded sandbox".to_owned()
        } else {
            crate::secret::masked_url(&self.base_url)
        }
    }

    /// Has the embedded sandbox simulate each message's delivery reports to
    /// `url` (a listener writing this campaign's journal).
    pub fn report_deliveries_to(&mut self, url: String) {
        self.settings.sandbox_reports_to = Some(url);
    }

    /// The confirmation was declined: the run ends having sent nothing.
    pub fn decline(mut self) -> anyhow::Result<()> {
        self.journal.finish_run(self.run, "declined")
    }

    /// Sends every recipient this run is to send (none is fine), records how
    /// the run ended and writes the report. `progress` hears every outcome.
    pub fn send(mut self, progress: &mut dyn FnMut(&Tally)) -> anyhow::Result<ApplySummary> {
        self.journal
            .replace_skipped(self.run, &self.staged.skipped)?;
        if self.to_send == 0 {
            self.journal.finish_run(self.run, "nothing to send")?;
            // The check's tables go before the report takes their room.
            drop(self.staged);
            drop(self.loaded);
            let finished = Finished {
                _lock: self._lock,
                journal: self.journal,
                report: self.report,
                deferral: self.deferral,
            };
            return finished.summary(None, None, None);
        }
        let settings = &self.settings;
        let requeue = Requeue {
            unknown: settings.resend_unknown,
            failed: settings.retry_failed,
        };
        let mut staging_journal = crate::journal::open_with(
            &self.location,
            self.journal.campaign(),
            settings.durability,
        )?;
        let audience = self
            .staged
            .audience_copy
            .try_clone()
            .and_then(|mut file| file.seek(SeekFrom::Start(0)).map(|_| file))
            .map_err(|error| anyhow::anyhow!("cannot read the audience again: {error}"))?;
        let audience = self
            .loaded
            .read_audience(audience)
            .map_err(|diagnostic| anyhow::anyhow!("{}", diagnostic.message))?;
        let (published, watched) = tokio::sync::watch::channel(Staging::Publishing(0));
        let delivery = self.loaded.campaign.delivery;
        let send_settings = Settings {
            concurrency: delivery.concurrency as usize,
            rate_per_second: delivery.rate_per_second,
            max_attempts: delivery.max_attempts,
            stop_deadline: STOP_DEADLINE,
            campaign: self.loaded.campaign.name.clone(),
            opt_out_file: self.loaded.campaign.opt_out.file.clone(),
            deferral: self.deferral.clone(),
            staging: StagingWatch::new(watched),
        };
        let ApplySession {
            _lock,
            journal,
            run,
            loaded,
            settings,
            base_url,
            report,
            location,
            to_send,
            deferral,
            staged,
            ..
        } = self;
        let stop = Stop::default();
        let ended_staging = AtomicBool::new(false);
        let sent = std::thread::scope(|scope| {
            let stager = scope.spawn(|| {
                let stopped = || stop.is_set() || ended_staging.load(Ordering::Relaxed);
                let result = staging_journal.stage(run, requeue).and_then(|mut into| {
                    stage::stage(
                        &loaded,
                        audience,
                        into.as_mut(),
                        &staged.settled,
                        &staged.first_lines,
                        &stopped,
                        &mut |count| {
                            published.send_replace(Staging::Publishing(count));
                        },
                    )
                });
                published.send_replace(match &result {
                    Ok(()) => Staging::Done,
                    Err(error) => Staging::Failed(format!("{error:#}")),
                });
            });
            let sent = send_all(
                journal,
                run,
                to_send,
                &send_settings,
                &settings,
                &base_url,
                &loaded.campaign,
                &stop,
                progress,
            );
            ended_staging.store(true, Ordering::Relaxed);
            match stager.join() {
                Ok(()) => sent,
                Err(_) => Err(anyhow::anyhow!("staging the plan panicked")),
            }
        });
        let (sent, journal) = sent?;
        drop(staged);
        drop(loaded);
        let mut session = Finished {
            _lock,
            journal,
            report,
            deferral,
        };
        let Sent {
            ended,
            received,
            reports,
        } = sent;
        let lost = session.record_unwritten(&ended.unwritten);
        let location = location.to_string();
        session
            .record_end(run, &ended)
            .and_then(|session| session.summary(Some(&ended), received, reports))
            .map(|summary| ApplySummary {
                unrecorded: super::journal_lost::unrecorded(&lost),
                ..summary
            })
            .map_err(|error| {
                let this_run = ThisRun::of(&ended.tally);
                super::JournalLost::after(this_run, ended.stopped.as_ref(), error, &location, &lost)
            })
    }
}

/// A run that has ended, still holding the lock while the report is written.
struct Finished {
    _lock: ApplyLock,
    journal: Box<dyn Backend>,
    report: PathBuf,
    deferral: Option<Deferral>,
}

impl Finished {
    /// Records the outcomes the journal refused while sending, now that
    /// sending has ended; returns them if it still cannot.
    fn record_unwritten(&mut self, unwritten: &[Outcome]) -> Vec<Outcome> {
        if unwritten.is_empty() {
            return Vec::new();
        }
        match self.journal.write(&[Change::Outcomes(unwritten.to_vec())]) {
            Ok(()) => Vec::new(),
            Err(_) => unwritten.to_vec(),
        }
    }

    /// Turns what is still in flight into `unknown` and records how the run ended.
    fn record_end(mut self, run: i64, ended: &Ended) -> anyhow::Result<Finished> {
        self.journal.recover_in_flight()?;
        let outcome = ended
            .stopped
            .as_ref()
            .map_or_else(|| "finished".to_owned(), |r| format!("stopped: {r}"));
        self.journal.finish_run(run, &outcome)?;
        Ok(self)
    }

    fn summary(
        self,
        ended: Option<&Ended>,
        sandbox_messages: Option<usize>,
        sandbox_reports: Option<SandboxReports>,
    ) -> anyhow::Result<ApplySummary> {
        // A report that cannot be written (a full disk) still leaves the
        // run's summary to show.
        let (report_rows, report_error, counts) =
            match super::report::write(self.journal.as_ref(), &self.report) {
                Ok(written) => (written.rows, None, written.counts),
                Err(error) => (0, Some(format!("{error:#}")), self.journal.counts()?),
            };
        let stopped = ended.and_then(|e| e.stopped.clone());
        let schedule = self.deferral.as_ref().map(|d| d.gate().summary());
        let deferred = schedule.as_ref().map_or(0, |s| s.deferred);
        Ok(ApplySummary {
            campaign: self.journal.campaign().to_owned(),
            status: ApplyStatus::of(&counts, stopped.as_ref(), deferred),
            schedule,
            stopped: stopped.map(|reason| reason.to_string()),
            counts,
            this_run: ended.map(|e| ThisRun::of(&e.tally)),
            report: self.report.display().to_string(),
            report_rows,
            report_error,
            unrecorded: None,
            sandbox_messages,
            sandbox_reports,
        })
    }
}

/// Records who the campaign sends as, and returns when the sender reached
/// each number of the last 24 hours if the campaign has a messaging limit.
fn reached(
    journal: &mut dyn Backend,
    campaign: &Campaign,
    clock: Clock,
) -> anyhow::Result<Vec<jiff::Timestamp>> {
    let sender = campaign.sender.identity();
    journal.record_sender(&sender)?;
    if campaign.messaging_limit.is_none() {
        return Ok(Vec::new());
    }
    let since = crate::schedule::capacity::since(clock.now());
    Ok(crate::schedule::capacity::times(
        &journal.reached(&sender, &since)?,
    ))
}

/// The campaign's staged rollout, where the journal says it stands; `None`
/// without waves.
fn rollout(
    journal: &dyn Backend,
    campaign: &Campaign,
    before: &StateCounts,
    clock: Clock,
) -> anyhow::Result<Option<Rollout>> {
    if campaign.waves.is_empty() {
        return Ok(None);
    }
    let tried = before.sent + before.failed + before.unknown;
    let total = tried + before.pending + before.in_flight;
    let summary = journal.delivery_summary()?;
    Ok(wave_figures::rollout(
        &campaign.waves,
        total,
        tried,
        Some(&summary),
        clock.now(),
    ))
}

/// Reads the campaign's figures for a wave's gate, on a connection of its
/// own, so reports a listener committed since are counted.
fn read_figures(location: &StateLocation, campaign: &str) -> ReadFigures {
    let location = location.clone();
    let campaign = campaign.to_owned();
    Arc::new(move || {
        let summary = crate::journal::read_summary(&location, &campaign)?
            .ok_or_else(|| anyhow::anyhow!("the journal is gone"))?;
        Ok(wave_figures::of(&summary))
    })
}

fn base_url(settings: &ApplySettings, loaded: &Loaded) -> Option<String> {
    if settings.sandbox {
        return Some("sandbox".to_owned());
    }
    Provider::base_url(&loaded.campaign.sender, settings.endpoint.as_deref())
}

/// What sending left besides the journal.
struct Sent {
    ended: Ended,
    /// Messages the embedded sandbox received, when apply started one.
    received: Option<usize>,
    /// Its delivery reports, when it simulated them.
    reports: Option<SandboxReports>,
}

/// Sends on a tokio runtime, with the sandbox started there if asked for.
#[allow(clippy::too_many_arguments)]
fn send_all(
    journal: Box<dyn Backend>,
    run: i64,
    total: u64,
    send_settings: &Settings,
    settings: &ApplySettings,
    base_url: &str,
    campaign: &Campaign,
    stop: &Stop,
    progress: &mut dyn FnMut(&Tally),
) -> anyhow::Result<(Sent, Box<dyn Backend>)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (writer, thread) = JournalWriter::spawn(journal, JOURNAL_GROUP)?;
    let mut credentials = Credentials {
        token: settings.token.clone(),
        access_key: settings.access_key.clone(),
        auth_endpoint: settings.auth_endpoint.clone(),
    };
    let reports_to = settings
        .sandbox_reports_to
        .as_deref()
        .filter(|_| settings.sandbox);
    let sent = runtime.block_on(async {
        let sandbox = match settings.sandbox {
            true => Some(start_sandbox(&campaign.sender, &credentials, reports_to).await?),
            false => None,
        };
        let url = sandbox
            .as_ref()
            .map_or_else(|| base_url.to_owned(), SandboxHandle::base_url);
        if sandbox.is_some() {
            credentials.auth_endpoint = Some(url.clone());
        }
        // What the sandbox reports on goes to its listener, never to the
        // campaign's own callback URL: that host would get test data.
        let callback = match settings.sandbox {
            true => reports_to.map(str::to_owned),
            false => campaign.message_callback(),
        };
        let provider = Provider::new(
            &campaign.sender,
            &url,
            credentials,
            &campaign.name,
            callback.as_deref(),
        )?;
        tokio::spawn(watch_signals(stop.clone()));
        let ended = send_through(provider, writer, run, total, send_settings, stop, progress).await;
        let mut sent = Sent {
            ended,
            received: None,
            reports: None,
        };
        if let Some(sandbox) = sandbox {
            sent.received = Some(sandbox.messages().len());
            if reports_to.is_some() {
                sent.reports = Some(settle_reports(&sandbox, stop).await);
            }
            sandbox.shutdown().await;
        }
        anyhow::Ok(sent)
    })?;
    let journal = thread
        .join()
        .map_err(|_| anyhow::anyhow!("the journal thread panicked"))?;
    Ok((sent, journal))
}

/// Runs the sender with the transport `provider` holds.
async fn send_through(
    provider: Provider,
    writer: JournalWriter,
    run: i64,
    total: u64,
    settings: &Settings,
    stop: &Stop,
    progress: &mut dyn FnMut(&Tally),
) -> Ended {
    let stop = stop.clone();
    match provider {
        Provider::SinchV1(transport) => {
            send::run(writer, run, total, transport, settings, stop, progress).await
        }
        Provider::SinchConversation(transport) => {
            send::run(writer, run, total, transport, settings, stop, progress).await
        }
        Provider::MetaCloud(transport) => {
            send::run(writer, run, total, transport, settings, stop, progress).await
        }
    }
}

/// Waits until the sandbox has POSTed every message's delivery reports, for
/// at most [`REPORTS_WAIT`], and not at all once Ctrl-C was pressed.
async fn settle_reports(sandbox: &SandboxHandle, stop: &Stop) -> SandboxReports {
    let wait = tokio::select! {
        settled = sandbox.reports_settled(REPORTS_WAIT) => match settled {
            true => ReportsWait::Settled,
            false => ReportsWait::timed_out(REPORTS_WAIT),
        },
        () = interrupted() => ReportsWait::Interrupted,
        () = stopped_by_a_signal(stop) => ReportsWait::Interrupted,
    };
    SandboxReports {
        recorded: sandbox.stats().callbacks_delivered,
        unreported: sandbox.reports_outstanding(),
        wait,
    }
}

/// Resolves once a Ctrl-C or SIGTERM has stopped `stop`, before or now.
async fn stopped_by_a_signal(stop: &Stop) {
    let interrupted = || stop.reason() == Some(StopReason::Interrupted);
    tokio::select! {
        () = stop.forced() => {}
        () = async {
            while !interrupted() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        } => {}
    }
}

async fn start_sandbox(
    sender: &crate::campaign::Sender,
    credentials: &Credentials,
    reports_to: Option<&str>,
) -> anyhow::Result<SandboxHandle> {
    let mut config = SandboxConfig {
        bot_id: sender.account().to_owned(),
        ..SandboxConfig::default()
    };
    config.delivery.callback_url = reports_to.map(str::to_owned);
    if !credentials.token.is_empty() {
        config.token = credentials.token.expose().to_owned();
    }
    if let crate::campaign::Sender::SinchConversation(sender) = sender
        && let Some(key) = &credentials.access_key
    {
        config.conversation.project_id = sender.project_id.clone();
        config.conversation.app_id = sender.app_id.clone();
        config.conversation.key_id = key.key_id.clone();
        config.conversation.key_secret = key.key_secret.expose().to_owned();
    }
    Ok(Sandbox::start(config).await?)
}

/// Stops sending on Ctrl-C or SIGTERM; a second one stops at once, without
/// waiting for the requests in flight.
async fn watch_signals(stop: Stop) {
    interrupted().await;
    stop.set(StopReason::Interrupted);
    interrupted().await;
    stop.force(StopReason::Interrupted);
}

/// Resolves on the next Ctrl-C or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// The campaign's recipients in the journal, after turning what a dead run
/// left in flight into `unknown`, and how many that was. A run that ended
/// left nothing in flight, so the table is rewritten only after one that
/// did not.
fn known_recovered(journal: &mut dyn Backend) -> anyhow::Result<(KnownRecipients, u64)> {
    let known = journal.known()?;
    if known.counts().in_flight == 0 {
        return Ok((known, 0));
    }
    let recovered = journal.recover_in_flight()?;
    Ok((journal.known()?, recovered))
}

/// Copies the campaign's audience file to a private file, unlinked from the
/// start (nothing is left behind however apply ends), and has `loaded` read
/// it: staging reads the same bytes again while sending, whatever happens to
/// the file meanwhile. Returns the copy and how many lines it has.
fn copy_audience(
    loaded: &mut Loaded,
) -> Result<(std::fs::File, usize), crate::diagnostic::Diagnostic> {
    let path = loaded.campaign.audience.file.clone();
    let copied = std::fs::File::open(&path).and_then(|mut original| {
        let mut copy = tempfile::tempfile()?;
        let mut buffer = vec![0; 256 * 1024];
        let mut lines = 0;
        loop {
            let read = std::io::Read::read(&mut original, &mut buffer)?;
            if read == 0 {
                break;
            }
            lines += buffer[..read].iter().filter(|&&byte| byte == b'\n').count();
            std::io::Write::write_all(&mut copy, &buffer[..read])?;
        }
        copy.seek(SeekFrom::Start(0))?;
        let reading = copy.try_clone()?;
        Ok((copy, reading, lines))
    });
    let (copy, reading, lines) = copied.map_err(|error| {
        crate::diagnostic::Diagnostic::error(
            "audience.read",
            format!("cannot read the audience file: {error}"),
        )
        .at(&path, 1, 0)
    })?;
    let audience = loaded.read_audience(reading)?;
    loaded.use_audience(audience);
    Ok((copy, lines))
}
