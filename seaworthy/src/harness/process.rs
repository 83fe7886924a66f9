//! What the harness does once per test process, and keeping resources for good.
//!
//! At the first container test it removes what crashed earlier runs on this host left behind
//! (their process is gone), starts the [watcher](crate::cleanup::watcher) and installs the
//! [signal and exit handling](super::exit).

use crate::console;
use once_cell::sync::OnceCell;

use super::exit;
use crate::cleanup::kept;
use crate::cleanup::watcher;
use crate::helper::DockerHelper;
use crate::runtime;

static STARTED: OnceCell<()> = OnceCell::new();

/// Everything done once per process before the first container test.
pub(crate) async fn start_once(helper: &DockerHelper) {
    if STARTED.set(()).is_err() {
        return;
    }
    // A dead run someone else is cleaning up is theirs: skipped, not waited for.
    match helper.sweep_waiting(std::time::Duration::ZERO).await {
        Ok(r) => {
            if let Some(counts) = r.counts() {
                console::line(format!("removed {counts} left by earlier runs"));
            }
        }
        Err(e) => console::warn(format!("could not sweep earlier runs' leftovers: {e}")),
    }
    runtime::run_blocking(watcher::report_failures).await;
    let (run, engine) = (helper.run_id().to_string(), helper.engine().clone());
    runtime::run_blocking(move || watcher::spawn(&run, &engine)).await;
    exit::install();
}

/// Marks resources as kept (`SEAWORTHY_KEEP`): no cleanup path removes them, neither in this
/// process, nor the watcher, nor a later run's sweep.
pub(crate) async fn keep(ids: Vec<String>) {
    let recorded = runtime::run_blocking(move || {
        watcher::keep(&ids);
        kept::keep(&ids)
    })
    .await;
    if let Err(e) = recorded {
        console::warn(format!(
            "could not record the kept resources for later runs ({e}): the next run's sweep \
             removes them once this process has exited"
        ));
    }
}
