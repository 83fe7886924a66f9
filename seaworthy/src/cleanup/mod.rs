//! The bottom of the library: how what seaworthy creates is labelled, removed, kept and swept.
//!
//! Nothing here knows about fixtures or tests: the `DockerHelper` and the
//! harness above it call in, never the other way round.

pub(crate) mod claim;
pub(crate) mod kept;
pub(crate) mod labels;
pub(crate) mod lease;
pub(crate) mod removal;
pub(crate) mod reuse;
pub(crate) mod sweep;
pub(crate) mod watcher;
