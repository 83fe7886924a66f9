//! A Compose file as a fixture: [`ComposeStack`] reads a `compose.yaml` (the subset suites
//! use) and runs its services on the engine API, with no `docker compose` binary.

mod error;
mod exit;
mod model;
mod parse;
mod plan;
mod shapes;
mod stack;

pub use error::ComposeError;
pub use stack::{ComposeStack, DEFAULT_SERVICE_TIMEOUT};
