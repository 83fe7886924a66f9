//! Definitions of Docker resources: containers, networks, volumes and images.

pub(crate) mod build_context;
pub(crate) mod container;
pub(crate) mod image;
pub(crate) mod network;
pub(crate) mod reused;
pub(crate) mod volume;

pub use crate::status::ContainerStatus;
pub use container::{Attachment, ContainerDefinition, DEFAULT_WAIT_TIMEOUT, PLATFORM_ENV};
pub use image::{ImageBuild, ImageDefinition, LABEL_CONTEXT};
pub use network::NetworkDefinition;
pub use volume::VolumeDefinition;
