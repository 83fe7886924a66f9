//! The watcher: removes this run's resources when the test process dies in a way no code of it
//! survives (SIGKILL, OOM, abort).
//!
//! A tiny `sh` process in its own session, with no stdout or stderr (so nextest does not count
//! it as leaked output), reading a pipe from the test process. When the test process dies in
//! any way the pipe closes and the watcher removes everything labelled with this run, with the
//! `docker` CLI, except what `SEAWORTHY_KEEP` kept (told to it as `keep <id>` lines). The CLI is
//! pointed at the engine the test process uses (`DOCKER_HOST`, and for TLS `DOCKER_TLS_VERIFY`
//! and `DOCKER_CERT_PATH`), however discovery found it. When the tests run in a container of the
//! engine, that container leaves each network first (it joined them to reach the containers).

use crate::console;
use std::io::Write;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;

use crate::engine::Engine;
use crate::helper::LABEL_RUN;

static WATCHER: Mutex<Option<ChildStdin>> = Mutex::new(None);

/// The watcher's program: collect `keep` lines until EOF, then remove the run's resources (the
/// test runner's own container, `$RUNNER` when the tests run in one, leaves each network first).
const SCRIPT: &str = r#"
keep=" "
while IFS= read -r line; do
  case "$line" in keep\ *) keep="$keep${line#keep } " ;; esac
done
for id in $(docker ps -aq --no-trunc --filter "label=$LABEL"); do
  case "$keep" in *" $id "*) ;; *) docker rm -fv "$id" ;; esac
done
for id in $(docker network ls -q --no-trunc --filter "label=$LABEL"); do
  case "$keep" in *" $id "*) ;; *)
    if [ -n "$RUNNER" ]; then docker network disconnect -f "$id" "$RUNNER"; fi
    docker network rm "$id" ;; esac
done
for id in $(docker volume ls -q --filter "label=$LABEL"); do
  case "$keep" in *" $id "*) ;; *) docker volume rm "$id" ;; esac
done
"#;

/// Starts the watcher for the run `run` on `engine`; a failure is reported as a warning.
pub(crate) fn spawn(run: &str, engine: &Engine) {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new("sh");
    // The engine's own variables replace whatever selected it (a context, the rootless socket).
    for var in [
        "DOCKER_CONTEXT",
        "DOCKER_TLS",
        "DOCKER_TLS_VERIFY",
        "DOCKER_CERT_PATH",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(engine.cli_env())
        .arg("-c")
        .arg(SCRIPT)
        .env("LABEL", format!("{LABEL_RUN}={run}"))
        .env("RUNNER", engine.runner_container().unwrap_or_default())
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
        Err(e) => console::warn(format!(
            "could not start the cleanup watcher (`sh`): {e}; if this process is killed, the next \
             run removes its leftovers"
        )),
    }
}

/// Tells the watcher not to remove these resources. Blocking (a pipe write).
pub(crate) fn keep(ids: &[String]) {
    let mut watcher = WATCHER.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(w) = watcher.as_mut() {
        for id in ids {
            // A watcher that died cannot remove anything, kept or not.
            let _ = writeln!(w, "keep {id}");
        }
    }
}
