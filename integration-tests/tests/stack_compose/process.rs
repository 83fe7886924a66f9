//! A Compose stack is torn down whatever the outcome: a test that passes, one that fails, and
//! SIGKILL of the test process (its watcher removes the stack). Each outcome runs in a child
//! process; what it created and removed is counted in Docker's events (followed live), and
//! nothing labelled with its PID is left.

use std::collections::HashMap;
use std::time::Duration;

use integration_tests::{
    count, docker, resources_labelled, run_scenario, scenario_command, wait_until_gone, LiveEvents,
    ReadyChild,
};

use super::*;

#[fixture]
fn small_to_kill() -> Result<ComposeStack, ComposeError> {
    Ok(ComposeStack::from_file(compose_file("small.yaml"))?
        .wait_for("client", Wait::logs(["^hello-from-www$"])))
}

/// Sets up the small stack, says so, then waits to be killed (run only as a child).
#[container_test]
#[ignore]
async fn scenario_waits_to_be_killed(small_to_kill: &ComposeStack) {
    let _ = small_to_kill;
    println!("SCENARIO-READY");
    tokio::time::sleep(Duration::from_secs(600)).await;
}

#[container_test]
#[ignore]
async fn scenario_passes(small_to_kill: &ComposeStack) {
    print_objects(small_to_kill);
    service(small_to_kill, "web")
        .exec_ok(["true"])
        .await
        .unwrap();
}

/// Docker lists a network's and a volume's events without their labels: the child says their
/// names, for the driver to find their events by name.
fn print_objects(stack: &ComposeStack) {
    let net = stack.network("default").unwrap().docker_name().unwrap();
    let vol = stack.volume("data").unwrap().docker_name().unwrap();
    println!("STACK-OBJECTS {net} {vol}");
}

#[container_test]
#[ignore]
async fn scenario_fails(small_to_kill: &ComposeStack) {
    print_objects(small_to_kill);
    panic!("failing on purpose");
}

/// Runs a scenario; checks that nothing labelled with its PID is left; the events of what it
/// created, as (type, action, fixture label), its network's and its volume's included.
async fn outcome(test: &'static str) -> (Option<i32>, Vec<(String, String, String)>) {
    let d = docker().await;
    let types = ["container", "network", "volume"]
        .map(String::from)
        .to_vec();
    let live = LiveEvents::start_with(&d, HashMap::from([("type".to_string(), types)]));
    let s = tokio::task::spawn_blocking(move || run_scenario(scenario_command(&["--exact", test])))
        .await
        .unwrap();
    let left = wait_until_gone(
        &d,
        &format!("seaworthy.pid={}", s.pid),
        Duration::from_secs(60),
    )
    .await;
    assert!(left.is_ok(), "{test} left {left:?}\n{}", s.output());
    let line = s
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("STACK-OBJECTS "))
        .unwrap_or_else(|| panic!("no STACK-OBJECTS line:\n{}", s.output()));
    let (net, vol) = line.split_once(' ').unwrap();
    let objects = [
        ("network", net, "small_to_kill-default"),
        ("volume", vol, "small_to_kill-data"),
    ];
    // Removed: every container's destroy, the network's and the volume's have arrived.
    live.until(Duration::from_secs(60), |live| {
        let ev = live.of_pid(s.pid);
        let n = |action: &str| {
            ev.iter()
                .filter(|(t, a, _)| t == "container" && a == action)
                .count()
        };
        n("create") == n("destroy")
            && objects
                .iter()
                .all(|(typ, name, _)| live.actions_of(typ, name).iter().any(|a| a == "destroy"))
    })
    .await;
    let mut ev = live.of_pid(s.pid);
    for (typ, name, fixture) in objects {
        for action in live.actions_of(typ, name) {
            ev.push((typ.to_string(), action, fixture.to_string()));
        }
    }
    assert!(resources_labelled(&d, &format!("seaworthy.pid={}", s.pid))
        .await
        .is_empty());
    (s.code, ev)
}

/// Each service container, the `default` network and the `data` volume: made once, removed
/// once; the `debug` service (profile not enabled) never.
fn assert_made_and_removed_once(ev: &[(String, String, String)]) {
    let n = |typ: &str, action: &str, fixture: &str| count(ev, typ, action, fixture);
    for service in ["init", "web", "client"] {
        let fixture = format!("small_to_kill-{service}");
        let made = (
            n("container", "create", &fixture),
            n("container", "destroy", &fixture),
        );
        assert_eq!(made, (1, 1), "{fixture}: {ev:?}");
    }
    assert_eq!(n("container", "create", "small_to_kill-debug"), 0, "{ev:?}");
    let net = "small_to_kill-default";
    let network = ["create", "connect", "disconnect", "destroy"].map(|a| n("network", a, net));
    // Made and removed once, the three containers connected to it and disconnected.
    assert_eq!(network, [1, 3, 3, 1], "{ev:?}");
    let vol = "small_to_kill-data";
    let volume = ["create", "mount", "unmount", "destroy"].map(|a| n("volume", a, vol));
    // Docker reports a `create` for the stack's create and one more for each container that
    // names the volume (init and web), which mount it when they start; removed once.
    assert_eq!(volume, [3, 2, 2, 1], "{ev:?}");
}

#[tokio::test]
async fn a_passing_test_removes_the_stack() {
    let (code, ev) = outcome("process::scenario_passes").await;
    assert_eq!(code, Some(0));
    assert_made_and_removed_once(&ev);
}

#[tokio::test]
async fn a_failing_test_removes_the_stack() {
    let (code, ev) = outcome("process::scenario_fails").await;
    assert_eq!(code, Some(101));
    assert_made_and_removed_once(&ev);
}

#[tokio::test]
async fn sigkill_leaves_the_stack_to_the_watcher() {
    use std::os::unix::process::ExitStatusExt;
    let (pid, status, before) = tokio::task::spawn_blocking(|| {
        let child = ReadyChild::start(scenario_command(&[
            "--exact",
            "process::scenario_waits_to_be_killed",
        ]));
        let (pid, before) = (child.pid(), child.resources());
        let (status, _) = child.kill(libc::SIGKILL);
        (pid, status, before)
    })
    .await
    .unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    let count = |kind: &str| before.iter().filter(|n| n.starts_with(kind)).count();
    // init, web, client; the stack's default network; its `data` volume.
    assert_eq!(
        (count("container "), count("network "), count("volume ")),
        (3, 1, 1),
        "{before:?}"
    );
    let left = wait_until_gone(
        &docker().await,
        &format!("seaworthy.pid={pid}"),
        Duration::from_secs(60),
    )
    .await;
    assert!(left.is_ok(), "the watcher left {left:?}");
}
