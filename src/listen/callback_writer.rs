//! The listener's side of the journal writer: each callback becomes one job,
//! run in its own savepoint on the writer's thread and answered only after
//! the batch holding it is committed. A callback whose writes fail (in the
//! journal or in its suppression file), or a batch whose commit fails, is
//! answered with an error so the receiver can refuse it and the provider
//! retries.

use super::callback::{Callback, Inbound};
use super::{CampaignTarget, Receipt};
use crate::audience::opt_out_file;
use crate::campaign::OptOut;
use crate::journal::{
    Applied, DeliveryWriter, Durability, JournalWriter, OptOutRecord, StateLocation, WriterThread,
};
use std::sync::Arc;

/// The handle requests submit callbacks through.
#[derive(Clone)]
pub struct CallbackWriter {
    writer: JournalWriter<Receipt>,
    campaigns: Arc<Vec<CampaignTarget>>,
}

impl CallbackWriter {
    /// Opens the journal at `state` and starts the writer thread; it ends
    /// once every handle is dropped and the waiting callbacks are written.
    pub fn start(
        state: &StateLocation,
        durability: Durability,
        campaigns: Vec<CampaignTarget>,
        batch_max: usize,
    ) -> anyhow::Result<(CallbackWriter, WriterThread)> {
        let name = campaigns.first().map_or("", |c| c.name.as_str());
        let journal = crate::journal::open_with(state, name, durability)?;
        let (writer, thread) = JournalWriter::spawn_without_reader(journal, batch_max)?;
        let campaigns = Arc::new(campaigns);
        Ok((CallbackWriter { writer, campaigns }, thread))
    }

    /// Whether callbacks can still be committed.
    pub fn is_running(&self) -> bool {
        self.writer.is_running()
    }

    /// Commits `callback` and says what it changed; an error means nothing of
    /// it was kept.
    pub async fn submit(&self, callback: Callback) -> Result<Receipt, String> {
        let campaigns = Arc::clone(&self.campaigns);
        self.writer
            .deliveries(Box::new(move |writer| {
                write_callback(writer, &callback, &campaigns)
            }))
            .await
    }
}

fn write_callback(
    writer: &dyn DeliveryWriter,
    callback: &Callback,
    campaigns: &[CampaignTarget],
) -> anyhow::Result<Receipt> {
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
}

/// Records the opt-outs `inbound` carries, once per message and campaign, and
/// appends each new one to its campaign's suppression list.
fn opt_outs(
    writer: &dyn DeliveryWriter,
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
