//! [`ContainerDefinition`]: a container described by a builder and driven through its
//! lifecycle; once created, it delegates to its [`ContainerHandle`](crate::ContainerHandle).

mod definition;
mod delegate;
pub(crate) mod error;
mod lifecycle;
mod request;
mod validate;

pub use definition::{ContainerDefinition, DEFAULT_WAIT_TIMEOUT};
pub use request::Attachment;
