//! Removals off the test's critical path: when a test has passed, its function-scoped resources
//! are removed on the library's runtime while the next test starts, and its result is reported at
//! once.
//!
//! Every removal is tracked until it is done: the exit hook (`harness/exit.rs`) waits for the pending
//! ones before it tears down the shared fixtures and sweeps the run, so a process never exits
//! (after its last test under `cargo test`, or its only one under nextest) with a removal still
//! running. A kill is covered as before, by the signal handler and the
//! watcher (`cleanup/watcher.rs`).
//!
//! A removal that fails is not printed when it happens (its test's result is already out, and
//! libtest's report is no place for it): it is kept, and the exit hook names what was left in one
//! warning, with the command that removes whatever the exit cleanup could not.
//!
//! The `seaworthy: removed …` lifecycle lines are printed only when libtest does not capture the
//! output (`--nocapture`, `RUST_TEST_NOCAPTURE`, and every test process nextest starts): by the
//! time the removal runs, the test's captured output has been reported or dropped.

use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use tokio::task::JoinHandle;

use super::instance::ScopeInstance;
use crate::console;
use crate::runtime;
use crate::sync::lock;

/// A background removal that did not remove everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failed {
    /// Whose resources: `test `name``.
    pub(crate) owner: String,
    /// What went wrong, one entry per resource.
    pub(crate) problems: Vec<String>,
    /// The Docker names of the containers the instance held.
    pub(crate) containers: Vec<String>,
    /// The Docker name of its network, if it had one.
    pub(crate) network: Option<String>,
}

static PENDING: Lazy<Mutex<Vec<JoinHandle<()>>>> = Lazy::new(Default::default);
static FAILED: Lazy<Mutex<Vec<Failed>>> = Lazy::new(Default::default);

/// One removal running in the background; [`Pending::wait`] waits for it.
pub(crate) struct Pending(tokio::sync::watch::Receiver<bool>);

impl Pending {
    /// Waits until the removal is done (whatever its outcome).
    pub(crate) async fn wait(mut self) {
        // An error means the task is gone, which is done too.
        let _ = self.0.wait_for(|done| *done).await;
    }
}

/// Starts removing `instance` on the library's runtime and returns at once.
pub(crate) fn spawn(instance: Arc<ScopeInstance>) -> Pending {
    let (done, pending) = tokio::sync::watch::channel(false);
    let quiet = libtest_captures();
    let work = async move {
        let containers: Vec<String> = instance
            .containers()
            .into_iter()
            .filter_map(|(_, c)| c.docker_name().ok())
            .collect();
        let network = instance.network_name().await.map(|(name, _)| name);
        let problems = console::lines_dropped(quiet, instance.teardown()).await;
        if !problems.is_empty() {
            lock(&FAILED).push(Failed {
                owner: instance.label.clone(),
                problems,
                containers,
                network,
            });
        }
        let _ = done.send(true);
    };
    let handle = runtime::handle().spawn(work);
    let mut all = lock(&PENDING);
    all.retain(|h| !h.is_finished());
    all.push(handle);
    Pending(pending)
}

/// Waits for every removal started so far, then returns (and forgets) the ones that failed.
pub(crate) async fn wait_all() -> Vec<Failed> {
    let handles = std::mem::take(&mut *lock(&PENDING));
    for h in handles {
        // A removal that panicked left its resources: the exit cleanup's sweep removes them.
        let _ = h.await;
    }
    std::mem::take(&mut *lock(&FAILED))
}

/// The warning the exit hook prints for a removal that failed: what failed, and for what is
/// still there (`left`: Docker names of containers and networks), how to remove it.
pub(crate) fn failure_warning(f: &Failed, left: &[String]) -> String {
    let mut out = format!(
        "removing the resources of {} after it passed failed: {}",
        f.owner,
        f.problems.join("; ")
    );
    let containers: Vec<&str> = f
        .containers
        .iter()
        .filter(|c| left.contains(c))
        .map(String::as_str)
        .collect();
    let network = f.network.as_deref().filter(|n| left.iter().any(|l| l == n));
    if containers.is_empty() && network.is_none() {
        out.push_str("; the cleanup at exit removed them");
        return out;
    }
    let mut rm = Vec::new();
    if !containers.is_empty() {
        rm.push(format!("docker rm -fv {}", containers.join(" ")));
    }
    if let Some(n) = network {
        rm.push(format!("docker network rm {n}"));
    }
    let mut names: Vec<&str> = containers;
    names.extend(network);
    out.push_str(&format!(
        "; still there: {}; remove them with: {}",
        names.join(", "),
        rm.join(" && ")
    ));
    out
}

/// `true` when libtest captures the tests' output: neither `--nocapture` (`--no-capture`) nor
/// `RUST_TEST_NOCAPTURE` (other than `0`) is given. nextest passes `--nocapture` to every test
/// process (it captures the process's output itself).
pub(crate) fn libtest_captures() -> bool {
    captures(
        std::env::args().skip(1),
        std::env::var("RUST_TEST_NOCAPTURE").ok(),
    )
}

fn captures(args: impl IntoIterator<Item = String>, env: Option<String>) -> bool {
    let flag = args
        .into_iter()
        .take_while(|a| a != "--")
        .any(|a| a == "--nocapture" || a == "--no-capture");
    let env = env.is_some_and(|v| v != "0");
    !(flag || env)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn libtest_captures_unless_told_not_to_by_flag_or_environment() {
        assert!(captures(args(&["--exact", "t"]), None));
        assert!(!captures(args(&["--nocapture"]), None));
        assert!(!captures(args(&["t", "--no-capture"]), None));
        // After `--` it is a test name filter, not a flag.
        assert!(captures(args(&["--", "--nocapture"]), None));
        assert!(!captures(args(&[]), Some("1".into())));
        assert!(!captures(args(&[]), Some(String::new())));
        assert!(captures(args(&[]), Some("0".into())));
    }

    fn failed() -> Failed {
        Failed {
            owner: "test `stubborn`".into(),
            problems: vec!["fixture `s`: refused".into()],
            containers: vec!["test_s_1".into(), "test_t_1".into()],
            network: Some("test_stubborn-net_1".into()),
        }
    }

    #[test]
    fn a_failed_removal_says_the_exit_cleanup_removed_what_is_gone() {
        assert_eq!(
            failure_warning(&failed(), &[]),
            "removing the resources of test `stubborn` after it passed failed: fixture `s`: \
             refused; the cleanup at exit removed them"
        );
    }

    #[test]
    fn a_failed_removal_names_what_is_left_and_how_to_remove_it() {
        assert_eq!(
            failure_warning(
                &failed(),
                &["test_s_1".into(), "test_stubborn-net_1".into()]
            ),
            "removing the resources of test `stubborn` after it passed failed: fixture `s`: \
             refused; still there: test_s_1, test_stubborn-net_1; remove them with: \
             docker rm -fv test_s_1 && docker network rm test_stubborn-net_1"
        );
        assert_eq!(
            failure_warning(&failed(), &["test_t_1".into()]),
            "removing the resources of test `stubborn` after it passed failed: fixture `s`: \
             refused; still there: test_t_1; remove them with: docker rm -fv test_t_1"
        );
    }
}
