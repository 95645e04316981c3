//! A plan's look at the journal: each recipient's class (`+ = ~ ? !`) from
//! what the journal knows of them, so the plan can say what apply would
//! really send. Read-only and never creating the journal (no journal means
//! everyone is `+`). The campaign's recipients are read from the journal in
//! one pass when it is opened ([`KnownRecipients`], 16 bytes each), not looked
//! up one by one; recipients that left the audience are counted by
//! subtraction.

use crate::campaign::Campaign;
use crate::journal::{JournalView, KnownRecipients, RecipientFacts, State, StateLocation};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;
use crate::plan::recipient_class::RecipientClass;

/// Classifies recipients against the journal of one campaign, if there is one.
pub struct JournalClasses {
    view: Option<Box<dyn JournalView>>,
    /// The campaign's recipients in the journal (none without one).
    known: KnownRecipients,
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
            known: KnownRecipients::default(),
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
        let view = crate::journal::open_view_renamed(
            location,
            &campaign.name,
            campaign.renamed_from.as_deref(),
        )?;
        let known = match &view {
            Some(view) => view.known()?,
            None => KnownRecipients::default(),
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

    /// The class of `phone`, who would now get the message `digest`.
    pub fn classify(
        &mut self,
        phone: Phone,
        digest: &MessageDigest,
    ) -> anyhow::Result<RecipientClass> {
        let Some(RecipientFacts {
            state,
            same_message,
        }) = self.known.facts(phone, digest)
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
    pub fn removed(&self) -> anyhow::Result<u64> {
        Ok(self.known.len().saturating_sub(self.matched))
    }
}
