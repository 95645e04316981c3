//! The listener's side of the journal writer: each callback becomes one job,
//! run in its own savepoint on the writer's thread and answered only after
//! the batch holding it is committed. A callback whose writes fail (in the
//! journal or in its suppression file), or a batch whose commit fails, is
//! answered with an error so the receiver can refuse it and the provider
//! retries.
//!
//! A callback for a campaign neither the listener serves nor its journal
//! knows writes nothing and is [`Written::UnknownCampaign`], which the
//! receiver answers with a retryable error: it belongs to a journal this
//! listener does not write, and acknowledging it would lose it. Meta sends
//! every campaign's events to one URL, so there a body is refused only when
//! nothing of it could be recorded: every status names (by its tag) a
//! campaign the journal does not know and no user message came with them; a
//! body with anything recordable is recorded, its unknown campaigns' statuses
//! kept as orphans.

use super::callback::{Callback, Inbound, Refusal};
use super::{CampaignTarget, ListenError, Receipt};
use crate::audience::opt_out_file;
use crate::campaign::OptOut;
use crate::journal::{
    Applied, DeliveryWriter, Durability, JournalWriter, OptOutRecord, StateLocation, WriterThread,
};
use crate::phone::Phone;
use std::sync::Arc;

/// What committing a callback came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    /// Recorded: what changed.
    Receipt(Receipt),
    /// Nothing written: the callback is for this campaign, which neither the
    /// listener serves nor its journal knows.
    UnknownCampaign(String),
    /// Nothing written: the campaign was renamed from `renamed_from`, which
    /// the journal still holds it under until the renamed campaign is applied.
    NotCarriedOver {
        campaign: String,
        renamed_from: String,
    },
}

/// The handle requests submit callbacks through.
#[derive(Clone)]
pub struct CallbackWriter {
    writer: JournalWriter<Written>,
    campaigns: Arc<Vec<CampaignTarget>>,
}

impl CallbackWriter {
    /// Opens the journal at `state` and starts the writer thread; it ends
    /// once every handle is dropped and the waiting callbacks are written.
    /// Without a journal there, one is created only for `campaigns` named;
    /// with none, it is [`ListenError::NoJournal`].
    pub fn start(
        state: &StateLocation,
        durability: Durability,
        campaigns: Vec<CampaignTarget>,
        batch_max: usize,
    ) -> Result<(CallbackWriter, WriterThread), ListenError> {
        for campaign in campaigns.iter().skip(1) {
            crate::journal::check(state, &campaign.name)?;
        }
        let mut journal = match campaigns.first() {
            Some(first) => crate::journal::open_with(state, &first.name, durability)?,
            None => crate::journal::open_existing(state, "", durability)?.ok_or_else(|| {
                ListenError::NoJournal {
                    location: state.to_string(),
                }
            })?,
        };
        // A provider waits seconds for an answer; a send waiting for the
        // journal is throughput lost. When both wait, apply writes first.
        journal.yield_to_senders()?;
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
    pub async fn submit(&self, callback: Callback) -> Result<Written, String> {
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
) -> anyhow::Result<Written> {
    if let Some(refused) = unknown_campaign(writer, callback, campaigns)? {
        return Ok(refused);
    }
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
    for refusal in &callback.refusals {
        receipt.opt_outs += refused(writer, refusal, callback.campaign.as_ref(), campaigns)?;
    }
    for entry in &callback.unreadable {
        writer.unreadable(entry)?;
        receipt.unreadable += 1;
    }
    Ok(Written::Receipt(receipt))
}

/// Why `callback` cannot be recorded yet, if it cannot: it is for a
/// campaign neither the listener serves nor the journal knows, and nothing
/// of it could be recorded otherwise (the campaign in its URL, or, for a
/// body of no one campaign, the one every report names when it carries no
/// user message); or for a renamed campaign the journal still holds under
/// its old name.
fn unknown_campaign(
    writer: &dyn DeliveryWriter,
    callback: &Callback,
    campaigns: &[CampaignTarget],
) -> anyhow::Result<Option<Written>> {
    let unknown = |name: &str| -> anyhow::Result<bool> {
        Ok(!campaigns.iter().any(|c| c.name == name) && !writer.knows_campaign(name)?)
    };
    if let Some(target) = &callback.campaign {
        // Renamed, but the journal still holds it under its old name: the
        // renamed campaign's first apply has not carried it over yet, and
        // what is recorded now would miss its recipients. Refused retryably,
        // the provider retries until it has.
        if let Some(old) = &target.renamed_from
            && writer.knows_campaign(old)?
        {
            return Ok(Some(Written::NotCarriedOver {
                campaign: target.name.clone(),
                renamed_from: old.clone(),
            }));
        }
        let name = &target.name;
        return Ok(unknown(name)?.then(|| Written::UnknownCampaign(name.clone())));
    }
    if !callback.inbound.is_empty() {
        return Ok(None);
    }
    let mut found = None;
    for report in &callback.reports {
        match &report.campaign {
            Some(name) if unknown(name)? => found = Some(name.clone()),
            _ => return Ok(None),
        }
    }
    Ok(found.map(Written::UnknownCampaign))
}

/// Records the opt-out a provider reported for a refused message: for the
/// campaign the message belonged to, else every campaign the number is a
/// recipient of.
fn refused(
    writer: &dyn DeliveryWriter,
    refusal: &Refusal,
    campaign: Option<&CampaignTarget>,
    campaigns: &[CampaignTarget],
) -> anyhow::Result<u64> {
    let names = match (&refusal.campaign, campaign) {
        (Some(name), _) => vec![name.clone()],
        (None, Some(campaign)) => vec![campaign.name.clone()],
        (None, None) => writer.campaigns_of(refusal.phone)?,
    };
    let mut count = 0;
    for name in names {
        let target = target_named(campaigns, name);
        let (phone, reason) = (refusal.phone, &refusal.reason);
        count += u64::from(record_opt_out(
            writer,
            &target,
            phone,
            reason,
            &refusal.message_id,
        )?);
    }
    Ok(count)
}

/// The campaign the listener serves by `name`, with its opt-out settings, or
/// one it does not serve, with the defaults.
fn target_named(campaigns: &[CampaignTarget], name: String) -> CampaignTarget {
    campaigns
        .iter()
        .find(|c| c.answers_to(&name))
        .cloned()
        .unwrap_or_else(|| CampaignTarget {
            name,
            opt_out: OptOut::default(),
            renamed_from: None,
        })
}

/// Records `phone`'s opt-out of `target` once, carried by `message_id`, and
/// appends a new one to the target's suppression list.
fn record_opt_out(
    writer: &dyn DeliveryWriter,
    target: &CampaignTarget,
    phone: Phone,
    keyword: &str,
    message_id: &str,
) -> anyhow::Result<bool> {
    let file = target.opt_out.file.as_ref();
    let record = OptOutRecord {
        campaign: target.name.clone(),
        phone,
        keyword: keyword.to_owned(),
        message_id: Some(message_id.to_owned()),
        file: file.map(|f| f.display().to_string()),
    };
    if !writer.opt_out(&record)? {
        return Ok(false);
    }
    if let Some(file) = file {
        opt_out_file::append(file, phone)?;
    }
    Ok(true)
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
            .map(|name| target_named(campaigns, name))
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
        let (phone, message_id) = (inbound.from, &inbound.message_id);
        count += u64::from(record_opt_out(writer, &target, phone, keyword, message_id)?);
    }
    Ok(count)
}
