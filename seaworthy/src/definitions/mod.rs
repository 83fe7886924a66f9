//! Definitions of Docker resources: containers, networks, volumes and images.

pub(crate) mod build_context;
pub(crate) mod container;
mod created;
pub(crate) mod image;
pub(crate) mod network;
pub(crate) mod reused;
pub(crate) mod volume;

pub use crate::status::ContainerStatus;
#[allow(deprecated)]
pub use container::PLATFORM_ENV;
pub use container::{Attachment, ContainerDefinition, DEFAULT_WAIT_TIMEOUT, ENV_PLATFORM};
pub use image::{ImageBuild, ImageDefinition, LABEL_CONTEXT};
pub use network::NetworkDefinition;
pub use volume::VolumeDefinition;
