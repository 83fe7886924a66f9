//! Shared support for the workspace's integration tests and benchmarks (not published).
//!
//! The fixture scenarios run as child processes: a driver test re-runs its own test binary with
//! `--ignored --exact <scenario>` ([`run_scenario`], or [`ReadyChild`] for one that waits to be
//! signalled) and counts what that child created and removed in Docker's events, followed live
//! ([`LiveEvents`]), recognised by the `seaworthy.pid` label every resource carries.
//!
//! [`fault_proxy`] puts a scriptable, fault-injecting proxy between a helper and the engine.

pub mod fault_proxy;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use bollard::models::EventMessage;
use bollard::query_parameters::{
    EventsOptionsBuilder, ListContainersOptionsBuilder, ListNetworksOptionsBuilder,
    ListVolumesOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;

/// A finished scenario child process.
#[derive(Debug)]
pub struct Scenario {
    /// The child's PID (the value of its resources' `seaworthy.pid` label).
    pub pid: u32,
    /// Its exit code (`None` when a signal ended it).
    pub code: Option<i32>,
    /// stdout and stderr, interleaved as captured (stdout first, then stderr).
    pub stdout: String,
    /// stderr.
    pub stderr: String,
    /// Unix time (seconds) just before it started.
    pub since: i64,
    /// Unix time (seconds) just after it ended.
    pub until: i64,
}

impl Scenario {
    /// stdout followed by stderr.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// A command re-running this test binary with `args` (libtest arguments), ignored tests only.
pub fn scenario_command(args: &[&str]) -> Command {
    let exe = std::env::current_exe().expect("the test binary's path");
    // prerequisite: none (this test binary: current_exe)
    let mut cmd = Command::new(exe);
    cmd.arg("--ignored").arg("--nocapture").args(args);
    // The scenario decides for itself; don't inherit the driver's choices.
    cmd.env_remove("SEAWORTHY_KEEP");
    cmd.env("RUST_BACKTRACE", "0");
    cmd.stdin(Stdio::null());
    cmd
}

/// Runs a scenario command to completion.
pub fn run_scenario(cmd: Command) -> Scenario {
    run_scenario_measured(cmd).0
}

/// Runs the ignored tests of this test binary that `filter` selects as one process, as `cargo
/// test` runs them (output captured) with `threads` test threads, checks that `passed` tests
/// passed, and returns how long the whole process took (a benchmark's suite).
pub fn time_suite(filter: &str, threads: usize, passed: usize) -> Duration {
    let start = Instant::now();
    // prerequisite: none (this test binary: current_exe)
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary's path"));
    cmd.args(["--ignored", filter, &format!("--test-threads={threads}")])
        .env_remove("SEAWORTHY_KEEP")
        .env_remove("RUST_TEST_NOCAPTURE")
        .stdin(Stdio::null());
    let s = run_scenario(cmd);
    assert_eq!(s.code, Some(0), "{}", s.output());
    assert!(
        s.stdout
            .contains(&format!("test result: ok. {passed} passed")),
        "{}",
        s.stdout
    );
    start.elapsed()
}

/// The median of some timings.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The highest values of a process's resource counts seen while it ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Peaks {
    /// Open file descriptors (entries of `/proc/<pid>/fd`).
    pub fds: usize,
    /// Threads (`Threads:` of `/proc/<pid>/status`).
    pub threads: usize,
    /// Peak resident memory in kB (`VmHWM:`), as last read before the process ended.
    pub vm_hwm_kb: usize,
    /// How many times the process was sampled.
    pub samples: usize,
}

impl Peaks {
    /// Samples a live process once, raising the peaks; false once it has gone.
    pub fn sample(&mut self, pid: u32) -> bool {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            return false;
        };
        let fds = fds.count();
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            return false;
        };
        self.fds = self.fds.max(fds);
        self.threads = self.threads.max(status_field(&status, "Threads:"));
        self.vm_hwm_kb = self.vm_hwm_kb.max(status_field(&status, "VmHWM:"));
        self.samples += 1;
        true
    }
}

/// A number from `/proc/<pid>/status` (`VmHWM:   1234 kB` gives 1234); 0 when absent.
pub fn status_field(status: &str, field: &str) -> usize {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// A field of this process's `/proc/self/status` (see [`status_field`]).
pub fn self_status(field: &str) -> usize {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| status_field(&s, field))
        .unwrap_or(0)
}

/// Runs a scenario command to completion, sampling its descriptors, threads and peak memory
/// every 10 ms while it runs.
pub fn run_scenario_measured(mut cmd: Command) -> (Scenario, Peaks) {
    let since = unix_now() - 1;
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the scenario");
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peaks = Peaks::default();
            while !done.load(std::sync::atomic::Ordering::Relaxed) && peaks.sample(pid) {
                std::thread::sleep(Duration::from_millis(10));
            }
            peaks
        })
    };
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait for the scenario");
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peaks = sampler.join().expect("the sampler thread");
    let scenario = Scenario {
        pid,
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        since,
        until: unix_now() + 1,
    };
    (scenario, peaks)
}

/// A Docker connection for the drivers.
pub async fn docker() -> Docker {
    Docker::connect_with_defaults()
        .expect("docker client")
        .negotiate_version()
        .await
        .expect("docker reachable")
}

/// (`type`, `action`, fixture label) of an event.
fn triple(e: &EventMessage) -> (String, String, String) {
    let fixture = e
        .actor
        .as_ref()
        .and_then(|a| a.attributes.as_ref()?.get("seaworthy.fixture").cloned());
    (
        e.typ.map(|t| t.to_string()).unwrap_or_default(),
        e.action.clone().unwrap_or_default(),
        fixture.unwrap_or_default(),
    )
}

/// Docker events followed live from just before [`start`] (container `create` and `destroy`
/// events) or [`start_with`] (those `filters` select) until dropped: the one live subscription
/// the drivers count events with.
///
/// The library offers no query of past events: the engine keeps only its last 256 events for a
/// `since`/`until` query, and other processes' events count too, so a run that makes hundreds
/// of events (an exec each for 200 tests) pushes its own `create` out. A live subscription
/// misses nothing.
///
/// [`start`]: LiveEvents::start
/// [`start_with`]: LiveEvents::start_with
#[derive(Debug)]
pub struct LiveEvents {
    seen: std::sync::Arc<std::sync::Mutex<Vec<EventMessage>>>,
    task: tokio::task::JoinHandle<()>,
}

impl LiveEvents {
    /// Subscribes to container `create` and `destroy` events (replaying the last second, so a
    /// create racing the subscription counts).
    pub fn start(docker: &Docker) -> Self {
        Self::start_with(
            docker,
            HashMap::from([
                ("type".to_string(), vec!["container".to_string()]),
                (
                    "event".to_string(),
                    vec!["create".to_string(), "destroy".to_string()],
                ),
            ]),
        )
    }

    /// Subscribes to the events Docker's `filters` select (`type`, `event`, `label`, …),
    /// replaying the last second. Spawns on the current Tokio runtime.
    pub fn start_with(docker: &Docker, filters: HashMap<String, Vec<String>>) -> Self {
        let docker = docker.clone();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let into = seen.clone();
        let task = tokio::spawn(async move {
            let since = (unix_now() - 1).to_string();
            let mut stream = docker.events(Some(
                EventsOptionsBuilder::new()
                    .since(&since)
                    .filters(&filters)
                    .build(),
            ));
            while let Some(Ok(e)) = stream.next().await {
                into.lock().unwrap_or_else(|p| p.into_inner()).push(e);
            }
        });
        LiveEvents { seen, task }
    }

    /// Every event seen so far, in order.
    pub fn all(&self) -> Vec<EventMessage> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// (`type`, `action`, fixture label) of the events of resources `pid` created (Docker
    /// gives containers' events their labels, not networks' or volumes').
    pub fn of_pid(&self, pid: u32) -> Vec<(String, String, String)> {
        let label = pid.to_string();
        self.all()
            .iter()
            .filter(|e| {
                e.actor
                    .as_ref()
                    .and_then(|a| a.attributes.as_ref()?.get("seaworthy.pid"))
                    == Some(&label)
            })
            .map(triple)
            .collect()
    }

    /// The actions, in order, of the events of the `typ` object (`network`, `volume`,
    /// `container`) named `name` (a volume's name is its ID).
    pub fn actions_of(&self, typ: &str, name: &str) -> Vec<String> {
        self.all()
            .into_iter()
            .filter(|e| {
                let Some(actor) = &e.actor else { return false };
                let named = actor.id.as_deref() == Some(name)
                    || actor
                        .attributes
                        .as_ref()
                        .and_then(|a| a.get("name"))
                        .is_some_and(|n| n == name);
                e.typ.map(|t| t.to_string()).as_deref() == Some(typ) && named
            })
            .filter_map(|e| e.action)
            .collect()
    }

    /// Waits until `done` holds of what has been seen (or, as a safety net, until `limit` has
    /// passed).
    pub async fn until(&self, limit: Duration, done: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !done(self) && start.elapsed() <= limit {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The events of `pid` once every container it created has been destroyed too (or, as a
    /// safety net, once `limit` has passed).
    pub async fn settled(&self, pid: u32, limit: Duration) -> Vec<(String, String, String)> {
        self.until(limit, |live| {
            let ev = live.of_pid(pid);
            count_actions(&ev, "create") == count_actions(&ev, "destroy")
        })
        .await;
        self.of_pid(pid)
    }
}

fn count_actions(events: &[(String, String, String)], action: &str) -> usize {
    events.iter().filter(|(_, a, _)| a == action).count()
}

impl Drop for LiveEvents {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How many `action` events of `typ` for `fixture` are in `events`.
pub fn count(events: &[(String, String, String)], typ: &str, action: &str, fixture: &str) -> usize {
    events
        .iter()
        .filter(|(t, a, f)| t == typ && a == action && f == fixture)
        .count()
}

fn label_filter(label: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), vec![label.to_string()])])
}

/// The IDs of the containers (running or not) labelled with `label`.
pub async fn container_ids_labelled(docker: &Docker, label: &str) -> Vec<String> {
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&label_filter(label))
        .build();
    // Podman's `stopped` state read as exited.
    seaworthy::engine::compat::list_containers(docker, options)
        .await
        .expect("list containers")
        .into_iter()
        .filter_map(|c| c.id)
        .collect()
}

/// Names of the containers, networks and volumes labelled with `label` (e.g. `seaworthy.pid=42`).
pub async fn resources_labelled(docker: &Docker, label: &str) -> Vec<String> {
    let filters = label_filter(label);
    let mut out = Vec::new();
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    if let Ok(cs) = seaworthy::engine::compat::list_containers(docker, options).await {
        out.extend(cs.into_iter().map(|c| {
            format!(
                "container {}",
                c.names.and_then(|n| n.first().cloned()).unwrap_or_default()
            )
        }));
    }
    if let Ok(ns) = docker
        .list_networks(Some(
            ListNetworksOptionsBuilder::new().filters(&filters).build(),
        ))
        .await
    {
        out.extend(
            ns.into_iter()
                .map(|n| format!("network {}", n.name.unwrap_or_default())),
        );
    }
    if let Ok(vs) = docker
        .list_volumes(Some(
            ListVolumesOptionsBuilder::new().filters(&filters).build(),
        ))
        .await
    {
        out.extend(
            vs.volumes
                .unwrap_or_default()
                .into_iter()
                .map(|v| format!("volume {}", v.name)),
        );
    }
    out
}

/// Polls until nothing labelled with `label` remains; returns how long it took, or what is
/// still there after `limit` (a safety net for a hung cleanup, not a performance bound).
pub async fn wait_until_gone(
    docker: &Docker,
    label: &str,
    limit: Duration,
) -> Result<Duration, Vec<String>> {
    let start = Instant::now();
    loop {
        let left = resources_labelled(docker, label).await;
        if left.is_empty() {
            return Ok(start.elapsed());
        }
        if start.elapsed() > limit {
            return Err(left);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A scenario child that has printed `SCENARIO-READY` (a scenario that sets up, says so, then
/// waits to be signalled), its stdout drained in the background so it never blocks on a full
/// pipe, its stderr collected. The one way the drivers start, signal and reap such a child.
#[derive(Debug)]
pub struct ReadyChild {
    child: Child,
    stderr: std::thread::JoinHandle<String>,
}

impl ReadyChild {
    /// Spawns `cmd` and waits for its `SCENARIO-READY` line (or for its stdout to close, when it
    /// ends before saying it).
    pub fn start(mut cmd: Command) -> ReadyChild {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the scenario");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        for line in lines.by_ref() {
            if line.map_or(true, |l| l.contains("SCENARIO-READY")) {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        ReadyChild { child, stderr }
    }

    /// The child's PID (the value of its resources' `seaworthy.pid` label).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The resources the child has created (see [`resources_labelled`]), from a thread outside
    /// any runtime (the driver's blocking thread).
    pub fn resources(&self) -> Vec<String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let label = format!("seaworthy.pid={}", self.pid());
        rt.block_on(async { resources_labelled(&docker().await, &label).await })
    }

    /// Sends `sig` to the child, then waits for it: see [`wait`](Self::wait).
    pub fn kill(self, sig: i32) -> (ExitStatus, String) {
        signal(self.pid(), sig);
        self.wait()
    }

    /// Waits for the child to end: its status and whole stderr.
    pub fn wait(mut self) -> (ExitStatus, String) {
        let status = self.child.wait().expect("wait for the scenario");
        (status, self.stderr.join().expect("the stderr reader"))
    }
}

/// Sends a signal to a process.
pub fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) with a PID we spawned.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}
