//! Process-level cleanup: the watcher process, signals and exit.
//!
//! - At the first container test the harness removes what crashed earlier runs on this host
//!   left behind (their process is gone), and starts a *watcher*: a tiny `sh` process in its own
//!   session, with no stdout or stderr (so nextest does not count it as leaked output), reading
//!   a pipe from the test process. When the test process dies in any way (SIGKILL, OOM, abort),
//!   the pipe closes and the watcher removes everything labelled with this run, with the
//!   `docker` CLI, except what `SEAWORTHY_KEEP` kept.
//! - SIGINT and SIGTERM remove everything of this run, then exit with 128 + the signal.
//! - At a normal exit, remaining shared fixtures are torn down and the run is swept.

use std::collections::HashSet;
use std::io::Write;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;

use once_cell::sync::{Lazy, OnceCell};

use crate::helper::{DockerHelper, LABEL_RUN};

static WATCHER: Mutex<Option<ChildStdin>> = Mutex::new(None);
static KEPT: Lazy<Mutex<HashSet<String>>> = Lazy::new(Default::default);
static STARTED: OnceCell<()> = OnceCell::new();

/// The watcher's program: collect `keep` lines until EOF, then remove the run's resources.
const SCRIPT: &str = r#"
keep=" "
while IFS= read -r line; do
  case "$line" in keep\ *) keep="$keep${line#keep } " ;; esac
done
for id in $(docker ps -aq --no-trunc --filter "label=$LABEL"); do
  case "$keep" in *" $id "*) ;; *) docker rm -fv "$id" ;; esac
done
for id in $(docker network ls -q --no-trunc --filter "label=$LABEL"); do
  case "$keep" in *" $id "*) ;; *) docker network rm "$id" ;; esac
done
for id in $(docker volume ls -q --filter "label=$LABEL"); do
  case "$keep" in *" $id "*) ;; *) docker volume rm "$id" ;; esac
done
"#;

/// Everything done once per process before the first container test.
pub(crate) async fn start_once(helper: &DockerHelper) {
    if STARTED.set(()).is_err() {
        return;
    }
    match helper.sweep().await {
        Ok(r) if r.total() > 0 => super::report::line(format!(
            "removed {} container(s), {} network(s), {} volume(s) left by earlier runs",
            r.containers.len(),
            r.networks.len(),
            r.volumes.len()
        )),
        Ok(_) => {}
        Err(e) => warn(format!("could not sweep earlier runs' leftovers: {e}")),
    }
    spawn_watcher(helper.run_id());
    install_signal_handlers();
    // SAFETY: registering a plain `extern "C"` function that does not unwind.
    unsafe {
        libc::atexit(at_exit);
    }
}

fn spawn_watcher(run: &str) {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(SCRIPT)
        .env("LABEL", format!("{LABEL_RUN}={run}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe; a new session keeps the watcher alive when a runner
    // kills the test's process group.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    match cmd.spawn() {
        Ok(mut child) => {
            *WATCHER.lock().unwrap_or_else(|p| p.into_inner()) = child.stdin.take();
        }
        Err(e) => warn(format!(
            "could not start the cleanup watcher (`sh`): {e}; if this process is killed, the next \
             run removes its leftovers"
        )),
    }
}

/// Marks resources as kept (`SEAWORTHY_KEEP`): no teardown path removes them, neither in this
/// process nor in a later run's sweep (which consults the kept-list directory).
pub(crate) fn keep(ids: impl IntoIterator<Item = String>) {
    let mut kept = KEPT.lock().unwrap_or_else(|p| p.into_inner());
    let mut watcher = WATCHER.lock().unwrap_or_else(|p| p.into_inner());
    let dir = kept_dir();
    let _ = std::fs::create_dir_all(&dir);
    for id in ids {
        if let Some(w) = watcher.as_mut() {
            let _ = writeln!(w, "keep {id}");
        }
        let _ = std::fs::write(dir.join(&id), b"");
        kept.insert(id);
    }
}

pub(crate) fn is_kept(id: &str) -> bool {
    KEPT.lock().unwrap_or_else(|p| p.into_inner()).contains(id)
}

/// Where kept resources are listed, one empty file per ID, for later runs' sweeps.
pub(crate) fn kept_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("seaworthy-kept")
}

/// Deletes the kept-list entries of resources that no longer exist.
pub(crate) fn prune_kept(exists: impl Fn(&str) -> bool) {
    let Ok(entries) = std::fs::read_dir(kept_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !exists(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// `true` when some run kept this resource with `SEAWORTHY_KEEP`.
pub(crate) fn kept_by_any_run(id: &str) -> bool {
    !id.is_empty() && !id.contains('/') && kept_dir().join(id).exists()
}

fn install_signal_handlers() {
    use tokio::signal::unix::{signal, SignalKind};
    crate::runtime::handle().spawn(async {
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return;
        };
        let code = tokio::select! {
            _ = int.recv() => 128 + libc::SIGINT,
            _ = term.recv() => 128 + libc::SIGTERM,
        };
        let cleanup = async {
            let _ = sweep_own_run().await;
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(20), cleanup).await;
        std::process::exit(code);
    });
}

/// Removes everything of this run but the kept resources.
pub(crate) async fn sweep_own_run() -> crate::Result<crate::Removed> {
    let helper = DockerHelper::shared().await?;
    crate::helper::sweep_run(&helper, is_kept).await
}

extern "C" fn at_exit() {
    let _ = std::panic::catch_unwind(|| {
        let work = async {
            for instance in super::registry::take_all() {
                for p in instance.teardown().await {
                    warn(p);
                }
            }
            if let Err(e) = sweep_own_run().await {
                warn(format!("cleanup at exit failed: {e}"));
            }
        };
        crate::runtime::block_on(async {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(60), work).await;
        });
    });
}

/// A warning on stderr that libtest does not capture.
pub(crate) fn warn(text: impl AsRef<str>) {
    let _ = writeln!(std::io::stderr(), "seaworthy: warning: {}", text.as_ref());
}
