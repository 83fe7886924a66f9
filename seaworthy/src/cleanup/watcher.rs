//! The watchers: `sh` processes that remove resources when what owns them ends in a way no code
//! of it survives (SIGKILL, OOM, abort).
//!
//! The process watcher removes the test process's resources when that process dies; the run
//! watcher removes the resources a run (`harness/share.rs`) shares when its runner (cargo or
//! cargo-nextest) exits, whether it ended normally, was interrupted or was killed.
//!
//! A tiny `sh` process in its own session, with no stdout and its stderr in a log file of its own
//! (so nextest does not count it as leaked output; what a failed `docker` command said is
//! reported by the next test process), reading a pipe from the test process. When the test process dies in
//! any way the pipe closes and the watcher removes everything labelled with this run, with the
//! `docker` CLI, except what `SEAWORTHY_KEEP` kept (told to it as `keep <id>` lines). The CLI is
//! pointed at the engine the test process uses (`DOCKER_HOST`, and for TLS `DOCKER_TLS_VERIFY`
//! and `DOCKER_CERT_PATH`), however discovery found it. When the tests run in a container of the
//! engine, that container leaves each network first (it joined them to reach the containers).

use crate::console;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::Mutex;

use once_cell::sync::Lazy;

use super::labels::LABEL_RUN;
use super::{claim, kept, lease};
use crate::engine::Engine;

static WATCHER: Mutex<Option<ChildStdin>> = Mutex::new(None);

/// Removes everything labelled `$LABEL` but the IDs in `$keep` (space-separated) and those with
/// a marker in `$KEPT` (`SEAWORTHY_KEEP` of any process), setting `err=1` when a listing or a
/// removal fails. A network is first disconnected from the containers still on it (shared ones,
/// which outlive this network's owner).
const REMOVE: &str = r#"
kept() { case "$keep$reused" in *" $1 "*) return 0 ;; esac; [ -e "$KEPT/$1" ]; }
reused=""
# While reuse is on (REUSE_LABEL set), what carries the reuse label stays.
find_reused() {
  [ -n "${REUSE_LABEL:-}" ] || return 0
  reused=" $(docker ps -aq --no-trunc --filter "label=$REUSE_LABEL" | tr '\n' ' ')"
  reused="$reused $(docker network ls -q --no-trunc --filter "label=$REUSE_LABEL" | tr '\n' ' ')"
  reused="$reused $(docker volume ls -q --filter "label=$REUSE_LABEL" | tr '\n' ' ') "
}
remove_all() {
  find_reused
  ids=$(docker ps -aq --no-trunc --filter "label=$LABEL") || err=1
  for id in $ids; do
    kept "$id" || docker rm -fv "$id" || err=1
  done
  ids=$(docker network ls -q --no-trunc --filter "label=$LABEL") || err=1
  for id in $ids; do
    kept "$id" && continue
    for c in $(docker network inspect -f '{{range $k, $v := .Containers}}{{$k}} {{end}}' "$id"); do
      docker network disconnect -f "$id" "$c"
    done
    docker network rm "$id" || err=1
  done
  ids=$(docker volume ls -q --filter "label=$LABEL") || err=1
  for id in $ids; do
    kept "$id" || docker volume rm "$id" || err=1
  done
}
"#;

/// The removal passes, and the end of every watcher's program. A process that exited with
/// nothing left (it said `clean`) needs none. A failed pass is not a failure
/// yet: a removal racing another cleanup (the test process's own, cut short by its exit with
/// its requests still running on the engine) fails with "already in progress", "not found" or
/// "has active endpoints" while the resource is on its way out. So after a failed pass it
/// looks again a second later, and makes another pass while something (but kept resources) is
/// left, five passes at most. While the engine does not answer at all (an outage, a restart),
/// no pass counts: it asks again after 1, 2, 4, then every 8 s, for `$PATIENCE` seconds in all.
/// The log keeps what `docker` said only when something is left at
/// the end (with what): an empty log is deleted, one with errors is marked finished (`.done`)
/// for the next test process to report. Last, the run's [claim](crate::cleanup::claim) file is
/// deleted (its lock, inherited as descriptor 9, is released when this process ends).
const PASSES: &str = r#"
left() {
  c=$(docker ps -aq --no-trunc --filter "label=$LABEL") || return 1
  n=$(docker network ls -q --no-trunc --filter "label=$LABEL") || return 1
  v=$(docker volume ls -q --filter "label=$LABEL") || return 1
  s=""
  for id in $c $n $v; do kept "$id" || s="$s $id"; done
  if [ -n "$s" ]; then echo "still there:$s"; fi
}
answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
pass=1
clean=0
out=""
waited=0
pause=1
while [ "$clean_exit" != 1 ]; do
  if ! answers; then
    if [ "$waited" -ge "$PATIENCE" ]; then
      out="the engine did not answer for $waited s; gave up (a later sweep removes what is left)"
      break
    fi
    sleep "$pause"
    waited=$((waited + pause))
    pause=$((pause * 2))
    if [ "$pause" -gt 8 ]; then pause=8; fi
    continue
  fi
  err=0
  remove_all
  if [ "$err" = 0 ]; then clean=1; break; fi
  sleep 1
  if out=$(left 2>&1) && [ -z "$out" ]; then clean=1; break; fi
  if [ "$pass" -ge 5 ]; then break; fi
  pass=$((pass + 1))
done
if [ "$clean_exit" = 1 ]; then clean=1; fi
"#;

/// The lease renewer, started first: a background loop that renews the run's
/// [lease](crate::cleanup::lease) (`$RUN`, bound `$LEASE_SECONDS`) every `$RENEW` seconds for
/// as long as this watcher lives (it checks before each renewal, so a watcher killed with
/// SIGKILL stops renewing within one period). It does not hold the claim (descriptor 9).
const RENEWER: &str = r#"
watcher=$$
(
  n=0
  prev=""
  while kill -0 "$watcher" 2>/dev/null; do
    n=$((n + 1))
    v="seaworthy-lease-$RUN-w$watcher-$n"
    if docker volume create --label "seaworthy.lease=$RUN" \
        --label "seaworthy.lease.seconds=$LEASE_SECONDS" "$v" >/dev/null 2>&1; then
      if [ -n "$prev" ]; then docker volume rm "$prev" >/dev/null 2>&1; fi
      prev=$v
    fi
    sleep "$RENEW"
  done
) 9>&- </dev/null &
renewer=$!
clean_exit=0
"#;

/// The end of every watcher's program, after `then`: the renewer stops, the lease goes when
/// nothing is left, then the claim's file and the log (see [`PASSES`]).
///
/// `true > "$LOG"`, not `: > "$LOG"`: a redirection that fails (the log's directory was
/// deleted) ends a non-interactive `sh` when the command is a special built-in such as `:`, and
/// the claim file would be left behind.
const TIDY: &str = r#"
kill "$renewer" 2>/dev/null
if [ "$clean" = 1 ]; then
  for v in $(docker volume ls -q --filter "label=seaworthy.lease=$RUN" 2>/dev/null); do
    docker volume rm "$v" >/dev/null 2>&1
  done
fi
if [ -n "$CLAIM" ]; then rm -f "$CLAIM"; fi
if [ -n "$LOG" ]; then
  if [ "$clean" = 1 ]; then true > "$LOG"; else echo "$out" >&2; fi
  if [ -s "$LOG" ]; then mv "$LOG" "$LOG.done"; else rm -f "$LOG"; fi
fi
"#;

/// The process watcher's program: collect `keep` lines (and `clean`: the process exited with
/// nothing left) until EOF, then remove the resources.
const PROCESS_SCRIPT: &str = r#"
keep=" "
while IFS= read -r line; do
  case "$line" in keep\ *) keep="$keep${line#keep } " ;; clean) clean_exit=1 ;; esac
done
"#;

/// The run watcher's program: wait until the runner (`$RUNNER`, started at `$START`) is gone
/// (or a zombie), then remove the run's resources and its directory.
const RUN_SCRIPT: &str = r#"
keep=" "
started() { read -r s < "/proc/$RUNNER/stat" || return 1; s=${s##*) }; set -- $s; [ "$1" != Z ] || return 1; shift 19; [ "$1" = "$START" ]; }
while started 2>/dev/null; do sleep 0.3; done
"#;

/// Where the watchers write what their `docker` commands said when a removal failed: one file
/// per watcher, deleted by the watcher when it is empty and reported (then deleted) by the next
/// test process's start ([`report_failures`]).
/// `SEAWORTHY_WATCHER_LOGS` overrides it (default `$TMPDIR/seaworthy-watchers`).
fn log_dir() -> std::path::PathBuf {
    match std::env::var_os("SEAWORTHY_WATCHER_LOGS") {
        Some(dir) if !dir.is_empty() => dir.into(),
        _ => std::env::temp_dir().join("seaworthy-watchers"),
    }
}

/// The watcher's stderr: its log file (`None`: nowhere, when the file cannot be made).
fn log_file(label: &str) -> Option<(std::fs::File, std::path::PathBuf)> {
    let dir = log_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let name = crate::text::name_safe(label);
    let path = dir.join(format!("{name}-{}.log", std::process::id()));
    let file = std::fs::File::create(&path).ok()?;
    Some((file, path))
}

/// What earlier watchers could not remove (their `docker` commands' errors), as warnings; the
/// logs are deleted. Blocking (file system): called once per process, after the sweep that
/// removed what those runs left, so the warning says what happened, not what to do now.
pub(crate) fn report_failures() {
    let Ok(entries) = std::fs::read_dir(log_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // A log without `.done` belongs to a watcher still waiting or at work.
        if path.extension().is_none_or(|e| e != "done") {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(&path) {
            let said: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            if !said.is_empty() {
                console::warn(format!(
                    "the cleanup watcher of an earlier test process could not remove everything; \
                     `docker` said:\n  {}\n(this run's sweep removed what dead runs left; `docker \
                     ps -a --filter label=seaworthy.run` lists anything still there)",
                    said.join("\n  ")
                ));
            }
        }
        let _ = std::fs::remove_file(&path);
    }
}

/// The removal script run after `wait`, with `then` after its passes, with `LABEL` (the run's
/// label), `KEPT`, the lease's `RUN`, `LEASE_SECONDS` and `RENEW` and the outage's `PATIENCE`
/// set, the lease renewed meanwhile; its errors go to a log ([`report_failures`]). The watcher inherits `claim` (the lock of
/// the run's [claim](crate::cleanup::claim) file) as descriptor 9 and deletes the file when it
/// is done.
fn command(
    wait: &str,
    then: &str,
    run: &str,
    engine: &Engine,
    claim: Option<&claim::Held>,
) -> Command {
    let seconds = lease::seconds();
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
    let log = log_file(&format!("{LABEL_RUN}={run}"));
    cmd.envs(engine.cli_env())
        .arg("-c")
        .arg(format!("{RENEWER}{wait}{REMOVE}{PASSES}{then}{TIDY}"))
        .env("LABEL", format!("{LABEL_RUN}={run}"))
        .env("RUN", run)
        .env("LEASE_SECONDS", seconds.to_string())
        .env(
            "RENEW",
            format!("{:.3}", lease::renew_every(seconds).as_secs_f64()),
        )
        .env("PATIENCE", patience().to_string())
        .env("KEPT", kept::kept_dir())
        .env(
            "REUSE_LABEL",
            if crate::cleanup::reuse::reuse_on() {
                crate::cleanup::labels::LABEL_REUSE
            } else {
                ""
            },
        )
        .env(
            "CLAIM",
            claim.map(|c| c.path().as_os_str()).unwrap_or_default(),
        )
        .stdout(Stdio::null());
    match log {
        Some((file, path)) => {
            cmd.env("LOG", path).stderr(Stdio::from(file));
        }
        None => {
            cmd.env("LOG", "").stderr(Stdio::null());
        }
    }
    let claim_fd = claim.map(claim::Held::fd);
    // SAFETY: setsid, dup2 and fcntl are async-signal-safe; a new session keeps the watcher
    // alive when a runner kills the test's process group, or the terminal's Ctrl-C the
    // runner's. The claim's descriptor is close-on-exec in this process (no other child
    // inherits it); its copy as descriptor 9 is not.
    unsafe {
        cmd.pre_exec(move || {
            libc::setsid();
            if let Some(fd) = claim_fd {
                let rc = if fd == CLAIM_FD {
                    libc::fcntl(fd, libc::F_SETFD, 0)
                } else {
                    libc::dup2(fd, CLAIM_FD)
                };
                if rc < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    cmd
}

/// The descriptor a watcher holds its run's claim on.
const CLAIM_FD: i32 = 9;

/// This process's claim on its own run (see [`spawn`]).
static OWN_CLAIM: Mutex<Option<claim::Held>> = Mutex::new(None);

/// How long a watcher waits for an engine that does not answer before it gives up:
/// `SEAWORTHY_WATCHER_PATIENCE` seconds, 120 unless set.
fn patience() -> u64 {
    std::env::var("SEAWORTHY_WATCHER_PATIENCE")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(120)
}

/// The IDs of the resources this process created and has not removed (shared ones aside): when
/// none is left at a normal exit, the watcher is told `clean` and has nothing to do.
static HOLDING: Lazy<Mutex<HashSet<String>>> = Lazy::new(Default::default);

/// This process created the resource `id`.
pub(crate) fn holding(id: &str) {
    crate::sync::lock(&HOLDING).insert(id.to_string());
}

/// This process removed the resource `id` (or found it gone).
pub(crate) fn released(id: &str) {
    crate::sync::lock(&HOLDING).remove(id);
}

/// At a normal exit, after every other exit hook (the harness's teardown included): tells the
/// watcher `clean` when this process holds nothing.
extern "C" fn at_exit() {
    let empty = HOLDING.lock().map(|h| h.is_empty()).unwrap_or(false);
    if !empty {
        return;
    }
    if let Ok(mut watcher) = WATCHER.lock() {
        if let Some(w) = watcher.as_mut() {
            let _ = writeln!(w, "clean");
        }
    }
}

/// Starts the process watcher for the run `run` on `engine`, once per process (a second call
/// does nothing); a failure is reported as a warning. Blocking (the claim's file).
///
/// The run is [claimed](crate::cleanup::claim) first, by this process and the watcher together:
/// no other process's sweep touches the run until both have ended. The watcher renews the run's
/// [lease](crate::cleanup::lease) while it lives.
pub(crate) fn spawn(run: &str, engine: &Engine) {
    static SPAWNED: std::sync::Once = std::sync::Once::new();
    SPAWNED.call_once(|| spawn_once(run, engine));
}

fn spawn_once(run: &str, engine: &Engine) {
    let held = match claim::try_hold(run) {
        claim::Claim::Held(held) => Some(held),
        // Not ours to have: without it, sweeps go by this process's PID alone.
        claim::Claim::Busy | claim::Claim::Unavailable => None,
    };
    let mut cmd = command(PROCESS_SCRIPT, "", run, engine, held.as_ref());
    cmd.stdin(Stdio::piped());
    match cmd.spawn() {
        Ok(mut child) => {
            *crate::sync::lock(&WATCHER) = child.stdin.take();
        }
        Err(e) => console::warn(format!(
            "could not start the cleanup watcher (`sh`): {e}; if this process is killed, the next \
             run removes its leftovers"
        )),
    }
    // Kept open for the process's life: the claim holds while this process or its watcher lives.
    *crate::sync::lock(&OWN_CLAIM) = held;
    // SAFETY: registering a plain `extern "C"` function that does not unwind. Registered before
    // the harness's exit hook (see `harness::exit`), so it runs after it.
    unsafe {
        libc::atexit(at_exit);
    }
}

/// Starts the watcher of the shared run `run`, whose runner is `runner` (started at `start`):
/// when the runner is gone it removes the run's resources and `dir`. It holds the run's
/// [claim](crate::cleanup::claim) from the start, so no sweep touches the run's resources
/// before it is done with them. Blocking.
pub(crate) fn spawn_run_watcher(
    run: &str,
    runner: u32,
    start: &str,
    dir: &Path,
    engine: &Engine,
) -> crate::error::Result<()> {
    let then = "rm -rf \"$DIR\"\n";
    let held = match claim::try_hold(run) {
        claim::Claim::Held(held) => Some(held),
        claim::Claim::Busy | claim::Claim::Unavailable => None,
    };
    let mut cmd = command(RUN_SCRIPT, then, run, engine, held.as_ref());
    cmd.stdin(Stdio::null())
        .env("RUNNER", runner.to_string())
        .env("START", start)
        .env("DIR", dir);
    // Not waited for: it outlives this process. Its exit status is collected by init. This
    // process's copy of the claim closes when `held` drops; the watcher's copy keeps it.
    cmd.spawn().map(drop).map_err(|e| crate::error::Error::Io {
        action: "start the shared fixtures' run watcher (`sh`)".to_string(),
        source: e,
    })
}

/// Tells the watcher not to remove these resources. Blocking (a pipe write).
pub(crate) fn keep(ids: &[String]) {
    let mut watcher = crate::sync::lock(&WATCHER);
    if let Some(w) = watcher.as_mut() {
        for id in ids {
            // A watcher that died cannot remove anything, kept or not.
            let _ = writeln!(w, "keep {id}");
        }
    }
}
