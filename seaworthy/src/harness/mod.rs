//! The fixture runtime behind `#[fixture]` and `#[container_test]`.

pub(crate) mod error;
pub(crate) mod exit;
pub(crate) mod process;
pub(crate) mod registry;
pub(crate) mod removals;
pub(crate) mod report;
pub(crate) mod resource;
pub(crate) mod runner;
pub(crate) mod scope;
pub(crate) mod share;
pub(crate) mod skip;
