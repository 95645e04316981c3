//! The one owner of the listener's journal connection: a thread that takes
//! callbacks from a channel, writes as many as are waiting (up to a limit) in
//! one transaction, each in its own savepoint, commits, and only then answers
//! each. A callback whose writes fail, or a batch whose commit fails, is
//! answered with an error so the receiver can refuse it and Sinch retries.

use super::callback::{Callback, Inbound};
use super::{CampaignTarget, opt_out_file};
use crate::campaign::OptOut;
use crate::journal::Journal;
use crate::journal::delivery_journal::{Applied, DeliveryBatch, DeliveryWriter, OptOutRecord};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// What a committed callback changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Receipt {
    pub recorded: u64,
    pub reconciled: u64,
    pub duplicates: u64,
    pub orphans: u64,
    pub opt_outs: u64,
    pub ignored: u64,
}

struct Job {
    callback: Callback,
    answer: oneshot::Sender<Result<Receipt, String>>,
}

/// The handle requests submit callbacks through.
#[derive(Clone)]
pub struct JournalWriter {
    jobs: mpsc::Sender<Job>,
}

impl JournalWriter {
    /// Opens the journal in `state_dir` and starts the writer thread; it ends
    /// once every handle is dropped and the waiting callbacks are written.
    pub fn start(
        state_dir: &Path,
        campaigns: Vec<CampaignTarget>,
        batch_max: usize,
    ) -> anyhow::Result<(JournalWriter, std::thread::JoinHandle<()>)> {
        let name = campaigns.first().map_or("", |c| c.name.as_str());
        let journal = Journal::open(state_dir, name)?;
        let (jobs, receiver) = mpsc::channel(batch_max.max(1) * 4);
        let campaigns = Arc::new(campaigns);
        let thread = std::thread::Builder::new()
            .name("journal-writer".into())
            .spawn(move || run(journal, receiver, &campaigns, batch_max.max(1)))?;
        Ok((JournalWriter { jobs }, thread))
    }

    /// Commits `callback` and says what it changed; an error means nothing of
    /// it was kept.
    pub async fn submit(&self, callback: Callback) -> Result<Receipt, String> {
        let (answer, receipt) = oneshot::channel();
        self.jobs
            .send(Job { callback, answer })
            .await
            .map_err(|_| "the journal writer has stopped".to_owned())?;
        receipt
            .await
            .map_err(|_| "the journal writer has stopped".to_owned())?
    }
}

fn run(
    mut journal: Journal,
    mut receiver: mpsc::Receiver<Job>,
    campaigns: &[CampaignTarget],
    batch_max: usize,
) {
    while let Some(first) = receiver.blocking_recv() {
        let mut jobs = vec![first];
        while jobs.len() < batch_max {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        write_batch(&mut journal, jobs, campaigns);
    }
}

fn write_batch(journal: &mut Journal, jobs: Vec<Job>, campaigns: &[CampaignTarget]) {
    let mut batch = match journal.delivery_batch() {
        Ok(batch) => batch,
        Err(error) => return refuse_all(jobs, &error),
    };
    let results: Vec<Result<Receipt, String>> = jobs
        .iter()
        .map(|job| {
            write_callback(&mut batch, &job.callback, campaigns).map_err(|e| format!("{e:#}"))
        })
        .collect();
    if let Err(error) = batch.commit() {
        return refuse_all(jobs, &error);
    }
    for (job, result) in jobs.into_iter().zip(results) {
        let _ = job.answer.send(result);
    }
}

fn refuse_all(jobs: Vec<Job>, error: &anyhow::Error) {
    let message = format!("{error:#}");
    for job in jobs {
        let _ = job.answer.send(Err(message.clone()));
    }
}

fn write_callback(
    batch: &mut DeliveryBatch<'_>,
    callback: &Callback,
    campaigns: &[CampaignTarget],
) -> anyhow::Result<Receipt> {
    batch.job(|writer| {
        let mut receipt = Receipt {
            ignored: callback.ignored,
            ..Receipt::default()
        };
        for report in &callback.reports {
            let slot = match writer.report(report)? {
                Applied::Recorded => &mut receipt.recorded,
                Applied::Reconciled => &mut receipt.reconciled,
                Applied::Duplicate => &mut receipt.duplicates,
                Applied::Orphan => &mut receipt.orphans,
            };
            *slot += 1;
        }
        for inbound in &callback.inbound {
            receipt.opt_outs += opt_outs(writer, inbound, callback.campaign.as_ref(), campaigns)?;
        }
        Ok(receipt)
    })
}

/// Records the opt-outs `inbound` carries, once per message and campaign, and
/// appends each new one to its campaign's suppression list.
fn opt_outs(
    writer: &DeliveryWriter<'_>,
    inbound: &Inbound,
    campaign: Option<&CampaignTarget>,
    campaigns: &[CampaignTarget],
) -> anyhow::Result<u64> {
    if !writer.inbound(&inbound.message_id, Some(inbound.from))? {
        return Ok(0);
    }
    let scope: Vec<CampaignTarget> = match campaign {
        Some(campaign) => vec![campaign.clone()],
        None if !campaigns.is_empty() => campaigns.to_vec(),
        None => writer
            .campaigns_of(inbound.from)?
            .into_iter()
            .map(|name| CampaignTarget {
                name,
                opt_out: OptOut::default(),
            })
            .collect(),
    };
    let mut count = 0;
    for target in scope {
        let Some(keyword) = inbound
            .replies
            .iter()
            .find_map(|reply| target.opt_out.matches(reply))
        else {
            continue;
        };
        let record = OptOutRecord {
            campaign: target.name.clone(),
            phone: inbound.from,
            keyword: keyword.to_owned(),
            message_id: Some(inbound.message_id.clone()),
            file: target
                .opt_out
                .file
                .as_ref()
                .map(|f| f.display().to_string()),
        };
        if writer.opt_out(&record)? {
            if let Some(file) = &target.opt_out.file {
                opt_out_file::append(file, inbound.from)?;
            }
            count += 1;
        }
    }
    Ok(count)
}
