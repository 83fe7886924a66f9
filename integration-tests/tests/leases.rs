//! Nothing left behind on a shared engine.
//!
//! - Two machines: host identities of their own on this one (the test-only
//!   `SEAWORTHY_TEST_HOST_LABEL`). Machine A runs three processes; two of them are killed with
//!   SIGKILL together with their watchers (the whole machine is gone for them), the third keeps
//!   renewing its lease. Once the dead runs' leases have expired by the engine's clock,
//!   `seaworthy-sweep --dry-run` (its function) on machine B lists what it would remove and why, and a
//!   container test on machine B removes it: Docker events show every resource of the dead runs
//!   destroyed and none of the live run's.
//! - The direct API as safe as the macros: a program that panics, or is killed with SIGKILL,
//!   with its resources up leaves nothing (its watcher removes them, then its lease).
//! - An outage that ends: the fault proxy stops for 10 s and comes back. Under the direct API
//!   and under the macros, the scenario's call fails saying the engine stopped answering, the
//!   process exits, and its watcher, waiting the outage out, removes everything once the
//!   engine answers again.
//!
//! The scenarios are `#[ignore]`d tests of this binary, run as child processes with
//! `--ignored --exact`. The leases of the two-machine test last 5 s (`SEAWORTHY_LEASE_SECONDS`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use bollard::query_parameters::ListVolumesOptionsBuilder;
use bollard::Docker;
use integration_tests::fault_proxy::FaultProxy;
use integration_tests::{container_ids_labelled, wait_until_gone, LiveEvents};
use integration_tests::{docker, resources_labelled, scenario_command, signal};
use seaworthy::helper::{LABEL_LEASE, LABEL_LEASE_SECONDS, LABEL_RUN};

mod scenarios {
    use seaworthy::prelude::*;

    fn idle(name: &str) -> ContainerDefinition {
        ContainerDefinition::new(name, "seaworthy-test/busybox")
            .command(["sh", "-c", "echo ready; exec sleep 600"])
            .wait_for(Wait::logs(["^ready$"]))
    }

    #[fixture]
    fn held_box() -> ContainerDefinition {
        idle("held_box")
    }

    /// Holds a container (macros), says so, waits to be killed.
    #[container_test]
    #[ignore]
    async fn macro_holds(held_box: &ContainerDefinition) {
        let _ = held_box;
        println!("SCENARIO-READY");
        tokio::time::sleep(Duration::from_secs(600)).await;
    }

    /// Holds a network, a volume and a container on them (direct API), says so, waits to be
    /// killed.
    #[test]
    #[ignore]
    fn direct_holds() {
        seaworthy::block_on(async {
            let helper = DockerHelper::connect().await.unwrap();
            let net = NetworkDefinition::new("lease-net");
            let vol = VolumeDefinition::new("lease-vol");
            net.setup(&helper).await.unwrap();
            vol.setup(&helper).await.unwrap();
            let c = idle("direct_box").network(&net).volume(&vol, "/data");
            c.setup(&helper).await.unwrap();
            println!("SCENARIO-READY");
            tokio::time::sleep(Duration::from_secs(600)).await;
        });
    }

    /// `seaworthy-sweep --dry-run`: what `src/bin/seaworthy-sweep.rs` runs.
    #[test]
    #[ignore]
    fn sweep_dry_run() {
        let status = seaworthy::sweep_command(["--dry-run".to_string()]);
        assert_eq!(status, std::process::ExitCode::SUCCESS);
    }

    /// Holds a container (direct API) and panics without a teardown.
    #[test]
    #[ignore]
    fn direct_panics() {
        seaworthy::block_on(async {
            let helper = DockerHelper::connect().await.unwrap();
            idle("panic_box").setup(&helper).await.unwrap();
            println!("SCENARIO-READY");
        });
        panic!("a direct-API program panics with its container up");
    }

    /// A container test that does nothing: its start-up sweep is what runs.
    #[container_test]
    #[ignore]
    async fn macro_sweeps() {}

    /// Execs in `c` until a call fails; the error, on one line.
    async fn until_it_fails(c: &ContainerDefinition) -> String {
        loop {
            if let Err(e) = c.exec_ok(["true"]).await {
                let said = e.to_string().replace('\n', " ");
                println!("SCENARIO-ERROR {said}");
                return said;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Holds a container (direct API) until the engine stops answering, then panics without a
    /// teardown.
    #[test]
    #[ignore]
    fn direct_loses_the_engine() {
        let said = seaworthy::block_on(async {
            let helper = DockerHelper::connect().await.unwrap();
            let c = idle("outage_box");
            c.setup(&helper).await.unwrap();
            println!("SCENARIO-READY");
            until_it_fails(&c).await
        });
        panic!("the engine went away: {said}");
    }

    #[fixture]
    fn outage_box() -> ContainerDefinition {
        idle("outage_box")
    }

    /// Holds a container (macros) until the engine stops answering, then fails.
    #[container_test]
    #[ignore]
    async fn macro_loses_the_engine(outage_box: &ContainerDefinition) {
        println!("SCENARIO-READY");
        let said = until_it_fails(outage_box).await;
        panic!("the engine went away: {said}");
    }
}

/// A scenario child: its stdout lines arrive on `lines`; its stderr is collected.
struct Scenario {
    child: Child,
    lines: Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Scenario {
    fn start(scenario: &str, envs: &[(&str, String)]) -> Scenario {
        let mut cmd = scenario_command(&["--exact", scenario]);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            text
        });
        Scenario {
            child,
            lines,
            stderr,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The first line starting with `prefix` (without it); panics when the child ends first.
    fn expect(&mut self, prefix: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(300)) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.trim().to_string();
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!("no `{prefix}` line from the scenario");
                }
            }
        }
    }

    /// Waits for the child to end; its stderr.
    fn finish(mut self) -> String {
        let _ = self.child.wait();
        self.stderr.join().unwrap_or_default()
    }
}

/// The process watcher of `pid`: its child `sh`.
fn watcher_of(pid: u32) -> u32 {
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((head, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if head.ends_with("(sh") && fields.get(1) == Some(&pid.to_string().as_str()) {
            return head.split_whitespace().next().unwrap().parse().unwrap();
        }
    }
    panic!("process {pid} has no watcher");
}

/// The run of the resources `pid` created.
async fn run_of(d: &Docker, pid: u32) -> String {
    let id = container_ids_labelled(d, &format!("seaworthy.pid={pid}"))
        .await
        .pop()
        .expect("the scenario's container");
    let c = d
        .inspect_container(
            &id,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .unwrap();
    c.config.unwrap().labels.unwrap()[LABEL_RUN].clone()
}

/// Docker events of containers, networks and volumes, followed live from now.
fn watch_events(d: &Docker) -> LiveEvents {
    let types = ["container", "network", "volume"]
        .map(String::from)
        .to_vec();
    LiveEvents::start_with(d, HashMap::from([("type".to_string(), types)]))
}

/// Whether the resource `what` (as [`resources_labelled`] names it: `container /name`,
/// `network name`, `volume name`) was destroyed.
fn destroyed(events: &LiveEvents, what: &str) -> bool {
    let (kind, name) = what.split_once(' ').unwrap();
    let name = name.trim_start_matches('/');
    events.actions_of(kind, name).iter().any(|a| a == "destroy")
}

/// `2026-12-07T21:26:36.123Z` (UTC, as the engine writes it) as Unix seconds.
fn engine_seconds(t: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| t[r].parse::<i64>().expect("an engine time");
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

/// The lease volumes of `run`.
async fn lease_of(d: &Docker, run: &str) -> Vec<bollard::models::Volume> {
    let filters = HashMap::from([("label".to_string(), vec![format!("{LABEL_LEASE}={run}")])]);
    d.list_volumes(Some(
        ListVolumesOptionsBuilder::new().filters(&filters).build(),
    ))
    .await
    .unwrap()
    .volumes
    .unwrap_or_default()
}

/// Waits until `run`'s lease has expired by the engine's clock (its newest renewal older than
/// its bound and the second `CreatedAt` rounds away), or is gone.
async fn wait_lease_expired(d: &Docker, run: &str) {
    for _ in 0..600 {
        let now = engine_seconds(&d.info().await.unwrap().system_time.unwrap());
        let volumes = lease_of(d, run).await;
        let live = volumes.iter().any(|v| {
            let bound: i64 = v.labels[LABEL_LEASE_SECONDS].parse().unwrap();
            now - engine_seconds(v.created_at.as_deref().unwrap()) <= bound + 1
        });
        if !live {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the lease of {run} is still renewed");
}

/// A watcher log directory of the test's own: no other process reports its watchers' logs.
fn log_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seaworthy-lease-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_machines_runs_are_removed_from_another_once_their_leases_expire() {
    let d = docker().await;
    let me = std::process::id();
    let (a, b) = (format!("lease-a-{me}"), format!("lease-b-{me}"));
    let logs = log_dir("machines");
    let on = |host: &str| {
        vec![
            ("SEAWORTHY_TEST_HOST_LABEL", host.to_string()),
            ("SEAWORTHY_LEASE_SECONDS", "5".to_string()),
            ("SEAWORTHY_WATCHER_LOGS", logs.display().to_string()),
        ]
    };
    let events = watch_events(&d);
    let mut dead = vec![
        Scenario::start("scenarios::direct_holds", &on(&a)),
        Scenario::start("scenarios::macro_holds", &on(&a)),
    ];
    let mut live = Scenario::start("scenarios::macro_holds", &on(&a));
    for s in dead.iter_mut().chain([&mut live]) {
        s.expect("SCENARIO-READY");
    }
    let mut dead_runs = Vec::new();
    let mut dead_things = Vec::new();
    for s in &dead {
        let run = run_of(&d, s.pid()).await;
        dead_things.extend(resources_labelled(&d, &format!("{LABEL_RUN}={run}")).await);
        assert!(!lease_of(&d, &run).await.is_empty(), "{run} holds a lease");
        dead_runs.push(run);
    }
    // The direct API's network, volume and container, the macro's container.
    assert_eq!(dead_things.len(), 4, "{dead_things:?}");
    let live_run = run_of(&d, live.pid()).await;
    let live_things = resources_labelled(&d, &format!("{LABEL_RUN}={live_run}")).await;
    assert_eq!(live_things.len(), 1, "{live_things:?}");

    // Machine A is gone for the dead runs: each test process and its watcher (with its lease
    // renewer, in the watcher's process group), at once.
    for s in dead {
        let watcher = watcher_of(s.pid());
        // SAFETY: kill(2) of the process group of a watcher this test's child started (the
        // watcher leads its own session).
        unsafe { libc::kill(-(watcher as libc::pid_t), libc::SIGKILL) };
        signal(s.pid(), libc::SIGKILL);
        s.finish();
    }
    for run in &dead_runs {
        wait_lease_expired(&d, run).await;
    }

    // Machine B: the dry run lists what it would remove, and why; every dead resource still
    // there after it (another run's sweep may be quicker) is listed, nothing of the live run.
    let dry = Scenario::start("scenarios::sweep_dry_run", &on(&b));
    let mut listed = String::new();
    while let Ok(line) = dry.lines.recv_timeout(Duration::from_secs(300)) {
        listed.push_str(&line);
        listed.push('\n');
    }
    let stderr = dry.finish();
    assert!(
        listed.contains("test scenarios::sweep_dry_run ... ok"),
        "{listed}{stderr}"
    );
    let still = {
        let mut v = Vec::new();
        for run in &dead_runs {
            v.extend(resources_labelled(&d, &format!("{LABEL_RUN}={run}")).await);
        }
        v
    };
    for what in &still {
        let (kind, name) = what.split_once(' ').unwrap();
        let line = format!("would remove {kind} {}", name.trim_start_matches('/'));
        let said = listed.lines().find(|l| l.starts_with(&line));
        let said = said.unwrap_or_else(|| panic!("`{line}` missing from:\n{listed}"));
        assert!(
            said.contains("its run's lease on the engine was last renewed")
                && said.contains("past its bound of 5 s"),
            "{said}"
        );
    }
    assert!(!listed.contains(&live_run), "{listed}");

    // Machine B runs a test: its start-up sweep removes the dead runs' resources and leases.
    let sweeper = Scenario::start("scenarios::macro_sweeps", &on(&b));
    sweeper.finish();
    for run in &dead_runs {
        let left =
            wait_until_gone(&d, &format!("{LABEL_RUN}={run}"), Duration::from_secs(60)).await;
        assert_eq!(left.map(|_| ()), Ok(()));
        assert_eq!(lease_of(&d, run).await.len(), 0, "the lease of {run}");
    }
    for what in &dead_things {
        assert!(destroyed(&events, what), "no destroy event for {what}");
    }
    // The live run on machine A, still renewing, is untouched.
    for what in &live_things {
        assert!(
            !destroyed(&events, what),
            "{what} of the live run was destroyed"
        );
    }
    assert_eq!(
        resources_labelled(&d, &format!("{LABEL_RUN}={live_run}")).await,
        live_things
    );
    assert!(!lease_of(&d, &live_run).await.is_empty());

    signal(live.pid(), libc::SIGTERM);
    live.finish();
    let left = wait_until_gone(
        &d,
        &format!("{LABEL_RUN}={live_run}"),
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(left.map(|_| ()), Ok(()));
    let _ = std::fs::remove_dir_all(&logs);
}

/// The engine (the fault proxy) stops answering while `scenario` holds a container, for 10 s,
/// and comes back: the scenario's error says the engine stopped answering, and its watcher
/// removes everything once the engine is back, its lease included; its log is gone (nothing to
/// report).
async fn an_outage_that_ends(scenario: &str, name: &str) {
    let d = docker().await;
    let proxy = FaultProxy::start().expect("start the fault proxy");
    let logs = log_dir(name);
    let mut s = Scenario::start(
        scenario,
        &[
            ("DOCKER_HOST", proxy.docker_host()),
            ("SEAWORTHY_WATCHER_LOGS", logs.display().to_string()),
        ],
    );
    s.expect("SCENARIO-READY");
    let run = run_of(&d, s.pid()).await;
    let held = resources_labelled(&d, &format!("{LABEL_RUN}={run}")).await;
    assert_eq!(held.len(), 1, "{held:?}");
    let events = watch_events(&d);
    proxy.stop();
    let said = s.expect("SCENARIO-ERROR");
    tokio::time::sleep(Duration::from_secs(10)).await;
    proxy.restart().unwrap();
    let stderr = tokio::task::spawn_blocking(move || s.finish())
        .await
        .unwrap();
    // The proxy stops between two execs (the next one is refused: the engine "stopped
    // answering", named) or, rarely, during one (that exec's connection is cut: "closed the
    // connection", a call that is not repeated).
    let refused = said.contains("the Docker engine stopped answering")
        && said.contains(&proxy.socket().display().to_string())
        && said.contains("refused");
    let cut = said.contains("the engine closed the connection");
    assert!(refused || cut, "{said}\n{stderr}");
    let left = wait_until_gone(&d, &format!("{LABEL_RUN}={run}"), Duration::from_secs(180)).await;
    assert_eq!(left.map(|_| ()), Ok(()), "{stderr}");
    assert!(
        destroyed(&events, &held[0]),
        "no destroy event for {}",
        held[0]
    );
    // The watcher ends clean: its lease goes, its log is deleted.
    for _ in 0..600 {
        let logs_left = std::fs::read_dir(&logs).unwrap().count();
        if logs_left == 0 && lease_of(&d, &run).await.is_empty() {
            let _ = std::fs::remove_dir_all(&logs);
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let files: Vec<_> = std::fs::read_dir(&logs).unwrap().flatten().collect();
    panic!("the watcher left its log or lease: {files:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn direct_api_an_outage_of_10_s_leaves_nothing_and_says_what_happened() {
    an_outage_that_ends("scenarios::direct_loses_the_engine", "direct-outage").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn macros_an_outage_of_10_s_leaves_nothing_and_says_what_happened() {
    an_outage_that_ends("scenarios::macro_loses_the_engine", "macro-outage").await;
}

/// A direct-API program that panics with its container up leaves nothing: its watcher (started
/// by the first resource, as the harness's) removes it, and its lease goes too.
#[tokio::test(flavor = "multi_thread")]
async fn direct_api_a_panic_leaves_nothing() {
    let d = docker().await;
    let logs = log_dir("direct-panic");
    let events = watch_events(&d);
    let mut s = Scenario::start(
        "scenarios::direct_panics",
        &[("SEAWORTHY_WATCHER_LOGS", logs.display().to_string())],
    );
    s.expect("SCENARIO-READY");
    let pid = s.pid();
    let stderr = tokio::task::spawn_blocking(move || s.finish())
        .await
        .unwrap();
    assert!(stderr.contains("a direct-API program panics"), "{stderr}");
    let left = wait_until_gone(&d, &format!("seaworthy.pid={pid}"), Duration::from_secs(60)).await;
    assert_eq!(left.map(|_| ()), Ok(()));
    let n = |events: &LiveEvents, action: &str| {
        let ev = events.of_pid(pid);
        ev.iter().filter(|(_, a, _)| a == action).count()
    };
    events
        .until(Duration::from_secs(30), |e| n(e, "destroy") > 0)
        .await;
    assert_eq!((n(&events, "create"), n(&events, "destroy")), (1, 1));
    let _ = std::fs::remove_dir_all(&logs);
}

/// A direct-API program killed with SIGKILL leaves nothing: its watcher removes its network,
/// volume and container, then its lease.
#[tokio::test(flavor = "multi_thread")]
async fn direct_api_sigkill_leaves_nothing() {
    let d = docker().await;
    let logs = log_dir("direct-kill");
    let events = watch_events(&d);
    let mut s = Scenario::start(
        "scenarios::direct_holds",
        &[("SEAWORTHY_WATCHER_LOGS", logs.display().to_string())],
    );
    s.expect("SCENARIO-READY");
    let run = run_of(&d, s.pid()).await;
    let held = resources_labelled(&d, &format!("{LABEL_RUN}={run}")).await;
    assert_eq!(held.len(), 3, "{held:?}");
    signal(s.pid(), libc::SIGKILL);
    s.finish();
    let left = wait_until_gone(&d, &format!("{LABEL_RUN}={run}"), Duration::from_secs(60)).await;
    assert_eq!(left.map(|_| ()), Ok(()));
    for what in &held {
        assert!(destroyed(&events, what), "no destroy event for {what}");
    }
    for _ in 0..300 {
        if lease_of(&d, &run).await.is_empty() {
            let _ = std::fs::remove_dir_all(&logs);
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the lease of {run} is still there");
}
