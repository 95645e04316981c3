//! The campaign file: its YAML shape and the checked [`Campaign`], the template
//! catalog it is checked against, and the JSON schema generated from its types.

#[allow(clippy::module_inception)]
mod campaign;
pub mod meta_cloud_sender;
pub mod schema;
pub mod sender;
pub mod template_catalog;
pub mod yaml;

pub use campaign::*;
pub use meta_cloud_sender::MetaCloudSender;
pub use sender::{ProviderKind, Region, Sender, SinchV1Sender};
