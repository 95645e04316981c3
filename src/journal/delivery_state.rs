//! How far a delivery report says a message got, in words of no provider: the
//! reader of a provider's callbacks maps its own state names onto these, and
//! the journal keeps the provider's word beside it. States only move forward
//! along this order, so duplicate and out-of-order reports change nothing.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeliveryState {
    /// A state the reader does not know: kept as an event, moves nothing.
    Unrecognised,
    /// The provider took the message.
    Accepted,
    /// The provider passed it on towards the channel.
    Submitted,
    /// The channel took it.
    Sent,
    /// It will not arrive (failed, deleted, not allowed, not possible).
    Failed,
    Delivered,
    Read,
}

impl DeliveryState {
    /// The state's place along the way to `Read`, as the journal stores it.
    pub fn rank(self) -> i64 {
        match self {
            DeliveryState::Unrecognised => 0,
            DeliveryState::Accepted => 1,
            DeliveryState::Submitted => 2,
            DeliveryState::Sent => 3,
            DeliveryState::Failed => 4,
            DeliveryState::Delivered => 5,
            DeliveryState::Read => 6,
        }
    }

    /// The state's bit in a recipient's record of the states reported for
    /// its message (`1 << rank`); none (0) for `Unrecognised`, whose
    /// reports are told apart by the provider's word instead.
    pub fn reported_bit(self) -> i64 {
        match self {
            DeliveryState::Unrecognised => 0,
            known => 1 << known.rank(),
        }
    }
}
