//! The settings of a container definition added for users coming from testcontainers: files
//! copied in before start, typed host options, a platform, networks made elsewhere, log
//! consumers and the way to the host. Kept apart from `Config` (`request.rs`)'s
//! original fields; each has its own builder module.

use crate::copy::CopyFile;

/// A definition's extra settings (all empty by default).
#[derive(Debug, Clone, Default)]
pub(super) struct Extras {
    /// Copied after create, before start, in order.
    pub(super) copies: Vec<CopyFile>,
    /// Typed host options (limits, capabilities, …).
    pub(super) options: super::host_options::HostOptions,
    /// Networks made elsewhere to join (name or ID, extra aliases).
    pub(super) joins: Vec<(String, Vec<String>)>,
    /// The platform to pull and create for.
    pub(super) platform: Option<String>,
    /// Log consumers, attached at each start.
    pub(super) consumers: Vec<crate::log_consumer::LogConsumer>,
    /// `host.docker.internal` through the engine's `host-gateway`.
    pub(super) host_access: bool,
}
