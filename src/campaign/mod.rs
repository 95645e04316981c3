//! The campaign file: its YAML shape and the checked [`Campaign`], the template
//! catalog it is checked against, and the JSON schema generated from its types.

#[allow(clippy::module_inception)]
mod campaign;
#[cfg(test)]
pub mod example;
mod field_errors;
mod http_url;
pub mod meta_cloud_sender;
pub mod provider_limits;
pub mod schema;
pub mod sender;
mod sinch_conversation_sender;
pub mod template_catalog;
mod waves;
mod window;
pub mod yaml;

pub use campaign::*;
pub use sender::{
    ConversationRegion, MetaCloudSender, ProviderKind, Region, Sender, SinchConversationSender,
    SinchV1Sender,
};
pub use waves::{Wave, WaveSize};
