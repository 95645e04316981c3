//! What recording a delivery report did.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Recorded against its recipient.
    Recorded,
    /// Recorded, and its recipient's `unknown` (or id-less `failed`) send became `sent`.
    Reconciled,
    /// Already processed: nothing changed.
    Duplicate,
    /// No recipient has this message id: kept as an orphan.
    Orphan,
}

impl Applied {
    pub fn as_str(self) -> &'static str {
        match self {
            Applied::Recorded => "recorded",
            Applied::Reconciled => "reconciled",
            Applied::Duplicate => "duplicate",
            Applied::Orphan => "orphan",
        }
    }
}
