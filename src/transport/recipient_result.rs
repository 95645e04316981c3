//! What a provider said about one recipient of a request it answered, in
//! words every provider can be read into: sent (with the provider's message
//! id), not sent, or not known. The journal's states are made from these;
//! no provider's status names reach past the transport.

/// One recipient's result, with the HTTP status of the answer it came in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientResult {
    pub http_status: u16,
    pub verdict: Verdict,
}

/// Whether the provider took the message for one recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted for sending.
    Sent { message_id: Option<String> },
    /// Accepted, but held by the provider before it is sent (Meta's template
    /// pacing answers `message_status: held_for_quality_assessment`; M
    /// `templates/template-pacing`): sent as far as the journal goes, with
    /// the provider's word kept as the message's first delivery state.
    Held { message_id: String, state: String },
    /// Not sent, and not to be sent again as it is.
    Failed {
        message_id: Option<String>,
        reason: String,
    },
    /// The answer does not say: the message may or may not have been sent.
    Unknown { reason: String },
    /// Not sent because the recipient refuses this kind of message: failed,
    /// and an opt-out to record so later plans leave the number out.
    OptedOut { reason: String },
    /// Not sent because the template itself was refused: every recipient
    /// would fail alike, so sending stops after this one.
    TemplateRefused { reason: String },
}
