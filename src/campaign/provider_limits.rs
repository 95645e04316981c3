//! How fast each provider takes messages, as documented, for `plan` to say
//! how long a campaign takes and to warn about a rate it would refuse.

use super::sender::ProviderKind;

/// A provider's documented limits; `None` where none is documented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderLimits {
    /// Send requests per second; more are refused (429).
    pub requests_per_second: Option<u32>,
    /// Messages per second passed on to WhatsApp, whatever the request rate.
    pub delivered_per_second: Option<u32>,
}

impl ProviderKind {
    pub fn limits(self) -> ProviderLimits {
        match self {
            ProviderKind::SinchWhatsappV1 => ProviderLimits {
                requests_per_second: None,
                delivered_per_second: None,
            },
            // 800 requests/s per project; an app's queue (500,000 messages at
            // most) drains to the channel at 20 msg/s by default; both
            // overflow as 429 (`sinch/skills`
            // `skills/sinch-conversation-api/SKILL.md`).
            ProviderKind::SinchConversation => ProviderLimits {
                requests_per_second: Some(800),
                delivered_per_second: Some(20),
            },
            // Meta's 80 msg/s default per number is checked where the rate is
            // written (`meta_cloud_sender::check_rate`), with its place.
            ProviderKind::MetaCloud => ProviderLimits {
                requests_per_second: None,
                delivered_per_second: None,
            },
        }
    }
}
