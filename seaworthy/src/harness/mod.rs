//! The fixture runtime behind `#[fixture]` and `#[container_test]`.

pub(crate) mod autouse;
pub(crate) mod context;
pub(crate) mod exit;
pub(crate) mod finalizers;
pub(crate) mod fixture;
pub(crate) mod instance;
pub(crate) mod probe;
pub(crate) mod process;
pub(crate) mod registry;
pub(crate) mod removals;
pub(crate) mod report;
pub(crate) mod resolve;
pub(crate) mod resource;
pub(crate) mod runner;
pub(crate) mod share;
pub(crate) mod skip;
pub(crate) mod timeout;

pub(crate) use crate::sync::lock;
