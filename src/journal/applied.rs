//! What recording a delivery report did.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Recorded against its recipient.
    Recorded,
    /// Recorded, and its recipient's `unknown` send became `sent`.
    Reconciled,
    /// Already processed: nothing changed.
    Duplicate,
    /// No recipient has this message id and none of the campaign's uncertain
    /// sends is this number's: kept as an orphan, changing no state.
    Orphan,
}

impl Applied {
    /// What a new report does to the recipient it matched (its journal
    /// state and whether it has a message id), or to none: the outcome, and
    /// whether the send is to be reconciled into `sent`.
    pub fn of_match(matched: Option<(&str, bool)>) -> (Applied, bool) {
        let Some((state, has_id)) = matched else {
            return (Applied::Orphan, false);
        };
        let reconcile = !has_id || matches!(state, "unknown" | "in_flight" | "pending");
        let applied = if reconcile && state == "unknown" {
            Applied::Reconciled
        } else {
            Applied::Recorded
        };
        (applied, reconcile)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Applied::Recorded => "recorded",
            Applied::Reconciled => "reconciled",
            Applied::Duplicate => "duplicate",
            Applied::Orphan => "orphan",
        }
    }
}
