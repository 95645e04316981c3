//! A plan's look at the journal: each recipient's class (`+ = ~ ? !`) from
//! what the journal knows of them, so the plan can say what apply would
//! really send. Read-only and never creating the journal (no journal means
//! everyone is `+`). The campaign's recipients are read from the journal in
//! one pass when it is opened ([`KnownRecipients`], 16 bytes each), not looked
//! up one by one; recipients that left the audience are counted by
//! subtraction. That read runs on a thread of its own, over a view of its
//! own, from the moment the journal is opened, so the plan reads and renders
//! the audience meanwhile ([`JournalClasses::is_ready`] says when a
//! recipient can be classified without waiting).

use crate::campaign::Campaign;
use crate::journal::{JournalView, KnownRecipients, RecipientFacts, State, StateLocation};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use crate::plan::recipient_class::RecipientClass;

/// Classifies recipients against the journal of one campaign, if there is one.
pub struct JournalClasses {
    view: Option<Box<dyn JournalView>>,
    /// The campaign's recipients in the journal (none without one).
    known: Known,
    resend_unknown: bool,
    retry_failed: bool,
    /// Recipients found in the journal, in any state.
    matched: u64,
}

impl JournalClasses {
    /// No journal: every recipient is to send.
    pub fn none() -> JournalClasses {
        JournalClasses {
            view: None,
            known: Known::Read(KnownRecipients::default()),
            resend_unknown: false,
            retry_failed: false,
            matched: 0,
        }
    }

    /// Reads the journal at `location` if there is one. With
    /// `resend_unknown` / `retry_failed`, `?` and `!` recipients are `+`, as
    /// `apply` with the same flags would send them.
    pub fn open(
        location: &StateLocation,
        campaign: &Campaign,
        resend_unknown: bool,
        retry_failed: bool,
    ) -> anyhow::Result<JournalClasses> {
        JournalClasses::open_after(
            location,
            campaign,
            (resend_unknown, retry_failed),
            std::time::Duration::ZERO,
        )
    }

    /// [`JournalClasses::open`], its read of the recipients begun `pause`
    /// late (for tests of a plan that streams before they are read).
    pub(crate) fn open_after(
        location: &StateLocation,
        campaign: &Campaign,
        (resend_unknown, retry_failed): (bool, bool),
        pause: std::time::Duration,
    ) -> anyhow::Result<JournalClasses> {
        let view = crate::journal::open_view_renamed(
            location,
            &campaign.name,
            campaign.renamed_from.as_deref(),
        )?;
        let known = match &view {
            Some(_) => Known::reading(location, campaign, pause)?,
            None => Known::Read(KnownRecipients::default()),
        };
        Ok(JournalClasses {
            view,
            known,
            resend_unknown,
            retry_failed,
            matched: 0,
        })
    }

    pub fn resend_unknown(&self) -> bool {
        self.resend_unknown
    }

    pub fn retry_failed(&self) -> bool {
        self.retry_failed
    }

    /// Every number the journal holds an opt-out of, in any campaign.
    pub fn opted_out_numbers(&self) -> anyhow::Result<Vec<Phone>> {
        match &self.view {
            Some(view) => view.opted_out_numbers(),
            None => Ok(Vec::new()),
        }
    }

    /// How many numbers each other campaign of the journal has sent the
    /// message `same` says they would now get, by campaign name.
    pub fn sent_elsewhere(
        &self,
        same: &dyn Fn(Phone, &MessageDigest) -> bool,
    ) -> anyhow::Result<Vec<(String, u64)>> {
        let mut reached: Vec<(String, u64)> = Vec::new();
        if let Some(view) = &self.view {
            view.sent_elsewhere(&mut |campaign, phone, digest| {
                if !same(phone, digest) {
                    return;
                }
                match reached.last_mut() {
                    Some((name, count)) if name == campaign => *count += 1,
                    _ => reached.push((campaign.to_owned(), 1)),
                }
            })?;
        }
        Ok(reached)
    }

    pub fn exists(&self) -> bool {
        self.view.is_some()
    }

    /// Whether the journal's recipients are read, so that classifying a
    /// recipient will not wait.
    pub fn is_ready(&self) -> bool {
        match &self.known {
            Known::Reading(reading) => reading.is_finished(),
            Known::Read(_) | Known::Failed(_) => true,
        }
    }

    /// The campaign's recipients in the journal, waiting for their read.
    fn known(&mut self) -> anyhow::Result<&KnownRecipients> {
        if let Known::Reading(_) = self.known {
            let Known::Reading(reading) = std::mem::replace(&mut self.known, Known::Failed(None))
            else {
                unreachable!("matched just above");
            };
            self.known = match reading.join() {
                Ok(Ok(known)) => Known::Read(known),
                Ok(Err(error)) => Known::Failed(Some(format!("{error:#}"))),
                Err(_) => Known::Failed(None),
            };
        }
        match &self.known {
            Known::Read(known) => Ok(known),
            Known::Failed(Some(error)) => Err(anyhow::anyhow!("{error}")),
            Known::Failed(None) | Known::Reading(_) => {
                anyhow::bail!("reading the campaign's recipients from the journal failed")
            }
        }
    }

    /// The class of `phone`, who would now get the message `digest`.
    pub fn classify(
        &mut self,
        phone: Phone,
        digest: &MessageDigest,
    ) -> anyhow::Result<RecipientClass> {
        let Some(RecipientFacts {
            state,
            same_message,
        }) = self.known()?.facts(phone, digest)
        else {
            return Ok(RecipientClass::Send);
        };
        self.matched += 1;
        Ok(match state {
            State::Sent if same_message => RecipientClass::Sent,
            State::Sent => RecipientClass::Changed,
            State::Unknown | State::InFlight if self.resend_unknown => RecipientClass::Send,
            State::Unknown | State::InFlight => RecipientClass::Unknown,
            State::Failed if self.retry_failed => RecipientClass::Send,
            State::Failed => RecipientClass::Failed,
            State::Pending | State::Skipped => RecipientClass::Send,
        })
    }

    /// Where the campaign stands in the journal, if there is one.
    pub fn delivery_summary(&self) -> anyhow::Result<Option<crate::journal::DeliverySummary>> {
        self.view
            .as_ref()
            .map(|view| view.delivery_summary())
            .transpose()
    }

    /// The times the journal's campaigns of `sender` reached each number
    /// since `since` (none without a journal), for the messaging limit.
    pub fn reached(&self, sender: &str, since: &str) -> anyhow::Result<Vec<String>> {
        match &self.view {
            Some(view) => view.reached(sender, since),
            None => Ok(Vec::new()),
        }
    }

    /// Journal recipients of the campaign that no recipient of this plan
    /// matched: they have left the audience. Call after streaming.
    pub fn removed(&mut self) -> anyhow::Result<u64> {
        Ok(self.known()?.len().saturating_sub(self.matched))
    }
}

/// The campaign's recipients, read or being read.
enum Known {
    Read(KnownRecipients),
    Reading(std::thread::JoinHandle<anyhow::Result<KnownRecipients>>),
    /// The read failed (with its error, unless its thread panicked): every
    /// later classification fails too, never taking the journal for empty.
    Failed(Option<String>),
}

impl Known {
    /// Starts reading the recipients of `campaign` (or of the campaign it
    /// was renamed from, as the plan's own view chose) on a thread of its own.
    fn reading(
        location: &StateLocation,
        campaign: &Campaign,
        pause: std::time::Duration,
    ) -> anyhow::Result<Known> {
        let location = location.clone();
        let (name, renamed_from) = (campaign.name.clone(), campaign.renamed_from.clone());
        let reading = std::thread::Builder::new()
            .name("journal-known".into())
            .spawn(move || {
                std::thread::sleep(pause);
                match crate::journal::open_view_renamed(&location, &name, renamed_from.as_deref())?
                {
                    Some(view) => view.known(),
                    None => Ok(KnownRecipients::default()),
                }
            })?;
        Ok(Known::Reading(reading))
    }
}
