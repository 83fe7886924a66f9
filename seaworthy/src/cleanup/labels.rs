//! The labels every resource carries, which are what lets a later run (or the watcher) find and
//! remove what a run left behind.

use std::collections::HashMap;

/// The label every resource carries: the run (process) that created it.
pub const LABEL_RUN: &str = "seaworthy.run";
/// The label carrying the creating process's PID.
pub const LABEL_PID: &str = "seaworthy.pid";
/// The label carrying the creating host's name (PIDs are only meaningful on one host).
pub const LABEL_HOST: &str = "seaworthy.host";
/// The label of resources shared by the test processes of one run (a `module`, `binary` or
/// `run` scoped fixture under cargo-nextest, a `run` scoped one under `cargo test`): which
/// instance and fixture they are. Their [`LABEL_RUN`] is the run's, their [`LABEL_PID`] the
/// runner's (cargo or cargo-nextest).
pub const LABEL_SHARED: &str = "seaworthy.shared";
/// The label carrying the name of the fixture function whose value the resource is (the name the
/// harness resolves it by, its network alias and its lifecycle lines' `(name)`). Only resources
/// the harness sets up for a fixture carry it.
pub const LABEL_FIXTURE: &str = "seaworthy.fixture";
/// The label carrying the definition's own name, the first argument of
/// `ContainerDefinition::new` (or of the network's, the
/// volume's; an image's tag). Every resource carries it.
pub const LABEL_DEFINITION: &str = "seaworthy.definition";
/// The label of a container kept between runs (reuse, `SEAWORTHY_REUSE`): the hash of
/// everything that defines it (image ID, create options, dependencies, params). While reuse is
/// on, no sweep, watcher or lease removes a resource carrying it; with reuse off, the next
/// run's sweep removes it (a lease sweep never does: its run is meant to end before it).
pub const LABEL_REUSE: &str = "seaworthy.reuse";
/// The label of a resource kept between runs naming what it stands for (a hash of its scope
/// and fixture, without its definition): a run that makes a new one of the same key, because
/// the definition changed, removes the others (replacing them).
pub const LABEL_REUSE_KEY: &str = "seaworthy.reuse-key";

/// The Docker list filter selecting resources that carry `label` (`key` or `key=value`).
pub(crate) fn label_filter(label: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), vec![label.to_string()])])
}
