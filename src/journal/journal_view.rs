//! A read-only look at one campaign's journal, for `plan`, saved-plan checks
//! and `status`. Opening one never creates the journal and nothing here
//! writes to it. It gives the journal's own facts; turning them into a plan's
//! classes is the plan's business.

use super::{CampaignHistory, DeliverySummary, KnownRecipients};
use crate::message::digest::MessageDigest;
use crate::phone::Phone;

pub trait JournalView: Send {
    /// Every recipient of the campaign the journal holds, in any state, with
    /// the message each was sent: read in one pass.
    fn known(&self) -> anyhow::Result<KnownRecipients>;

    /// Every recipient another campaign of the journal has sent, in campaign
    /// order: its campaign, number and the digest of the message it was sent.
    fn sent_elsewhere(
        &self,
        visit: &mut dyn FnMut(&str, Phone, &MessageDigest),
    ) -> anyhow::Result<()>;

    /// What the journal remembers of the campaign having run.
    fn history(&self) -> anyhow::Result<CampaignHistory>;

    /// Every number that opted out of any campaign in this journal: none of
    /// them is planned again.
    fn opted_out_numbers(&self) -> anyhow::Result<Vec<Phone>>;

    /// Where the campaign stands, for `status`.
    fn delivery_summary(&self) -> anyhow::Result<DeliverySummary>;

    /// As [`super::Backend::reached`]: the numbers `sender` reached since
    /// `since`, across every campaign in this state.
    fn reached(&self, sender: &str, since: &str) -> anyhow::Result<Vec<String>>;
}
