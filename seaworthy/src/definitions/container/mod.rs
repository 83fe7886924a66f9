//! [`ContainerDefinition`]: a container described by a builder and driven through its
//! lifecycle; once created, it delegates to its [`ContainerHandle`](crate::ContainerHandle).

mod consumers;
mod copy;
mod definition;
mod delegate;
pub(crate) mod error;
mod extras;
mod host_access;
mod host_options;
mod join;
mod lifecycle;
mod options;
mod platform;
mod request;
mod reuse;
mod validate;

pub use definition::{ContainerDefinition, DEFAULT_WAIT_TIMEOUT};
pub use platform::ENV_PLATFORM;
#[allow(deprecated)]
pub use platform::PLATFORM_ENV;
pub use request::Attachment;
