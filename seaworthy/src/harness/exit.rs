//! What happens when the test process ends: on SIGINT and SIGTERM, and at a normal exit, the
//! harness removes everything of this run except what `SEAWORTHY_KEEP` kept.
//!
//! - SIGINT / SIGTERM: the handler (a task on the library's runtime) removes the run's
//!   resources, prints one line saying what it removed
//!   (`seaworthy: interrupted: removed 2 containers, 1 network`) and ends the process at once
//!   with 128 + the signal. From the signal on, nothing else of seaworthy writes to stderr:
//!   tests whose containers disappear under them fail, and their panics and warnings would only
//!   be noise. A second signal during the cleanup exits right away and leaves the rest to the
//!   watcher (`cleanup/watcher.rs`).
//! - A normal exit (`main` returning after libtest's last test, or `exit`): an `atexit` hook
//!   waits for the removals still running in the background (`harness/removals.rs`), tears down the
//!   remaining shared fixtures and sweeps the run; then it warns about every background removal
//!   that failed, saying what is still there and how to remove it.

use crate::console;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{finalizers, registry, removals};
use crate::cleanup::{kept, sweep};
use crate::error::Result;
use crate::helper::{DockerHelper, Removed};
use crate::runtime;

/// Set once a signal arrived: the signal handler owns the rest of the process's life.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How long the signal handler waits for the cleanup before leaving it to the watcher.
const SIGNAL_CLEANUP_LIMIT: Duration = Duration::from_secs(20);
/// How long the exit hook waits for the teardown and the cleanup.
const EXIT_CLEANUP_LIMIT: Duration = Duration::from_secs(60);

/// The line's text when a second signal cuts the cleanup short.
const SECOND_SIGNAL: &str =
    "a second signal stopped the cleanup; the cleanup watcher removes the rest";

/// Installs the SIGINT and SIGTERM handler and the exit hook. Call once per process.
pub(crate) fn install() {
    install_signal_handler();
    // SAFETY: registering a plain `extern "C"` function that does not unwind.
    unsafe {
        libc::atexit(at_exit);
    }
}

fn install_signal_handler() {
    use tokio::signal::unix::{signal, SignalKind};
    runtime::handle().spawn(async {
        let (mut int, mut term) = match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(int), Ok(term)) => (int, term),
            (Err(e), _) | (_, Err(e)) => {
                console::warn(format!(
                    "cannot handle SIGINT and SIGTERM ({e}): if this process is interrupted, \
                     the cleanup watcher removes its resources"
                ));
                return;
            }
        };
        let signal = tokio::select! {
            _ = int.recv() => libc::SIGINT,
            _ = term.recv() => libc::SIGTERM,
        };
        INTERRUPTED.store(true, Ordering::SeqCst);
        console::silence();
        // Tests whose containers are being removed may panic; the process is ending anyway.
        std::panic::set_hook(Box::new(|_| {}));
        let outcome = tokio::select! {
            done = tokio::time::timeout(SIGNAL_CLEANUP_LIMIT, teardown_code_then_sweep()) => match done {
                Ok(Ok(removed)) => interrupted_line(&removed),
                Ok(Err(e)) => format!(
                    "could not remove this run's resources: {e}\n(hint: the cleanup watcher \
                     removes them when this process has exited)"
                ),
                Err(_) => format!(
                    "removing this run's resources took longer than {}s; the cleanup watcher \
                     removes the rest",
                    SIGNAL_CLEANUP_LIMIT.as_secs()
                ),
            },
            _ = int.recv() => SECOND_SIGNAL.to_string(),
            _ = term.recv() => SECOND_SIGNAL.to_string(),
        };
        exit_now(128 + signal, &outcome);
    });
}

/// What the signal handler's cleanup removed, for its one line.
fn interrupted_line(removed: &Removed) -> String {
    match removed.counts() {
        Some(counts) => format!("removed {counts}"),
        None => "nothing to remove".to_string(),
    }
}

/// Prints `seaworthy: interrupted: <what>` and ends the process with `code` at once.
fn exit_now(code: i32, what: &str) -> ! {
    let _ = std::io::stdout().flush();
    let _ = writeln!(std::io::stderr(), "seaworthy: interrupted: {what}");
    // SAFETY: `_exit` ends the process without running `atexit` hooks (ours would block on the
    // runtime this very task runs on) or destructors in threads that are still running; stdout
    // is flushed above and stderr is unbuffered.
    unsafe { libc::_exit(code) }
}

/// Runs the teardown code still waiting (its failures on stderr: the signal's one line is about
/// Docker resources), then removes everything of this run but the kept resources.
async fn teardown_code_then_sweep() -> Result<Removed> {
    for p in finalizers::run_all_waiting().await {
        let _ = writeln!(std::io::stderr(), "seaworthy: warning: {p}");
    }
    sweep_own_run().await
}

/// Removes everything of this run but the kept resources.
async fn sweep_own_run() -> Result<Removed> {
    let helper = DockerHelper::shared().await?;
    sweep::sweep_run(helper.docker(), helper.run_id(), kept::is_kept).await
}

extern "C" fn at_exit() {
    if INTERRUPTED.load(Ordering::SeqCst) {
        // The process is exiting because its tests ended while the signal handler cleans up;
        // the handler ends the process, with the signal's exit code, when it is done.
        loop {
            std::thread::park();
        }
    }
    let _ = std::panic::catch_unwind(|| {
        let work = async {
            let failed = removals::wait_all().await;
            for instance in registry::take_all() {
                for p in instance.teardown().await {
                    console::warn(p);
                }
            }
            for p in finalizers::run_all_waiting().await {
                console::warn(p);
            }
            if let Err(e) = sweep_own_run().await {
                console::warn(format!("cleanup at exit failed: {e}"));
            }
            for f in &failed {
                let left = still_there(f).await;
                console::warn(removals::failure_warning(f, &left));
            }
        };
        runtime::block_on(async {
            let _ = tokio::time::timeout(EXIT_CLEANUP_LIMIT, work).await;
        });
    });
}

/// Which of the containers and the network of a failed removal still exist (by Docker name).
async fn still_there(f: &removals::Failed) -> Vec<String> {
    let Ok(helper) = DockerHelper::shared().await else {
        // Without the engine nothing can be checked: say all of it may be there.
        return f.containers.iter().chain(&f.network).cloned().collect();
    };
    let docker = helper.docker().clone();
    let (containers, network) = (f.containers.clone(), f.network.clone());
    runtime::run(async move {
        let mut left = Vec::new();
        for c in containers {
            if !matches!(
                crate::engine::compat::inspect_container(&docker, &c).await,
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404,
                    ..
                })
            ) {
                left.push(c);
            }
        }
        if let Some(n) = network {
            if !matches!(
                docker
                    .inspect_network(&n, None::<bollard::query_parameters::InspectNetworkOptions>)
                    .await,
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404,
                    ..
                })
            ) {
                left.push(n);
            }
        }
        left
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interrupted_line_counts_what_was_removed_or_says_nothing_was() {
        assert_eq!(interrupted_line(&Removed::default()), "nothing to remove");
        let removed = Removed {
            containers: vec!["a".into(), "b".into()],
            networks: vec!["n".into()],
            volumes: vec![],
        };
        assert_eq!(
            interrupted_line(&removed),
            "removed 2 containers, 1 network"
        );
    }
}
