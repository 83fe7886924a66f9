//! Containers kept between runs (`SEAWORTHY_REUSE=1`), driven through real runs of this test
//! binary: two concurrent runs make one reused container, a later run attaches to it (no
//! create), a changed definition replaces it, and a run with reuse off leaves none.
//!
//! The runs carry a host label of their own (`SEAWORTHY_TEST_HOST_LABEL`), so the start-up
//! sweeps of other suites running on the machine (with reuse off) never see these containers;
//! container creates and destroys are counted live (`LiveEvents`).

use std::process::Command;
use std::time::Duration;

use integration_tests::{docker, run_scenario, scenario_command, LiveEvents, Scenario};
use seaworthy::prelude::*;

/// The scenario every run runs.
const SCENARIO: &str = "scenario::uses_the_kept_pair";

/// The fixtures of the scenario.
mod scenario {
    use super::*;

    /// An idling busybox whose environment says which version of its definition made it.
    #[fixture(scope = "module")]
    fn reuse_kept_box() -> ContainerDefinition {
        let version = std::env::var("REUSE_TEST_VERSION").unwrap_or_else(|_| "1".into());
        ContainerDefinition::new("kept", "seaworthy-test/busybox")
            .env("VERSION", version)
            .command(["sh", "-c", "echo ready; exec sleep 600"])
            .wait_for(Wait::logs(["^ready$"]))
    }

    /// A volume kept with the containers.
    #[fixture(scope = "module")]
    fn reuse_kept_volume() -> VolumeDefinition {
        VolumeDefinition::new("kept")
    }

    /// A client depending on the box: on the run's network with it, reaching it by name.
    #[fixture(scope = "module")]
    fn reuse_kept_client(
        reuse_kept_box: &ContainerDefinition,
        reuse_kept_volume: &VolumeDefinition,
    ) -> ContainerDefinition {
        let _ = reuse_kept_box;
        ContainerDefinition::new("client", "seaworthy-test/busybox")
            .volume(reuse_kept_volume, "/data")
            .command(["sh", "-c", "echo ready; exec sleep 600"])
            .wait_for(Wait::logs(["^ready$"]))
    }

    #[container_test]
    #[ignore]
    async fn uses_the_kept_pair(
        reuse_kept_box: &ContainerDefinition,
        reuse_kept_client: &ContainerDefinition,
    ) {
        let version = reuse_kept_box
            .exec_ok(["sh", "-c", "echo $VERSION"])
            .await
            .unwrap();
        println!(
            "SCENARIO box={} version={}",
            reuse_kept_box.docker_name().unwrap(),
            version.stdout_str().trim()
        );
        println!(
            "SCENARIO client={}",
            reuse_kept_client.docker_name().unwrap()
        );
        // The client reaches the box by its fixture name on this run's network.
        let ping = reuse_kept_client
            .exec(["ping", "-c", "1", "-W", "5", "reuse_kept_box"])
            .await
            .unwrap();
        assert_eq!(ping.exit_code, 0, "{}", ping.stderr_str());
        // Each run writes one line to the kept volume: later runs see the earlier lines.
        let lines = reuse_kept_client
            .exec_ok(["sh", "-c", "echo run >> /data/runs; wc -l < /data/runs"])
            .await
            .unwrap();
        println!("SCENARIO volume-lines={}", lines.stdout_str().trim());
    }
}

/// A run of the scenario on `host` (a host label of this test's own), reuse on or off, with
/// version `version` of the box's definition.
fn run(host: &str, reuse: bool, version: &str) -> Command {
    let mut cmd = scenario_command(&["--exact", SCENARIO]);
    cmd.env("SEAWORTHY_TEST_HOST_LABEL", host)
        .env("REUSE_TEST_VERSION", version)
        .env_remove("CI")
        .env_remove("SEAWORTHY_SHARE");
    if reuse {
        cmd.env("SEAWORTHY_REUSE", "1");
    } else {
        cmd.env_remove("SEAWORTHY_REUSE");
    }
    cmd
}

/// The value of `SCENARIO … key=value …` in a run's output.
fn said<'a>(s: &'a Scenario, key: &str) -> &'a str {
    let prefix = format!("{key}=");
    s.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("SCENARIO "))
        .flat_map(|l| l.split(' '))
        .find_map(|w| w.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no `{key}=` in\n{}", s.output()))
}

/// The containers carrying every label of `labels` (`key` or `key=value`).
async fn containers_labelled(
    docker: &bollard::Docker,
    labels: Vec<String>,
) -> Vec<bollard::models::ContainerSummary> {
    let filters = std::collections::HashMap::from([("label".to_string(), labels)]);
    let options = bollard::query_parameters::ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    seaworthy::engine::compat::list_containers(docker, options)
        .await
        .unwrap()
}

/// The reused containers of this test's fixtures on the engine, by name.
async fn kept(docker: &bollard::Docker, host: &str) -> Vec<String> {
    let labels = vec![
        "seaworthy.reuse".to_string(),
        format!("seaworthy.host={host}"),
    ];
    let mut names: Vec<String> = containers_labelled(docker, labels)
        .await
        .into_iter()
        .map(|c| c.names.unwrap_or_default().join(","))
        .map(|n| n.trim_start_matches('/').to_string())
        .collect();
    names.sort();
    names
}

/// Removes the containers and volumes of this test's fixtures an earlier run of it kept.
async fn remove_earlier(docker: &bollard::Docker) {
    for fixture in ["reuse_kept_client", "reuse_kept_box", "reuse_kept_volume"] {
        let labels = vec![
            "seaworthy.reuse".to_string(),
            format!("seaworthy.fixture={fixture}"),
        ];
        for c in containers_labelled(docker, labels.clone()).await {
            let options = bollard::query_parameters::RemoveContainerOptionsBuilder::new()
                .force(true)
                .build();
            let id = c.id.unwrap_or_default();
            let _ = docker.remove_container(&id, Some(options)).await;
        }
        let filters = std::collections::HashMap::from([("label".to_string(), labels)]);
        let options = bollard::query_parameters::ListVolumesOptionsBuilder::new()
            .filters(&filters)
            .build();
        let volumes = docker.list_volumes(Some(options)).await.unwrap();
        for v in volumes.volumes.unwrap_or_default() {
            let options = None::<bollard::query_parameters::RemoveVolumeOptions>;
            let _ = docker.remove_volume(&v.name, options).await;
        }
    }
}

/// Waits until the watchers of the runs that made this test's kept containers have finished
/// (their claim files are gone), as a safety net for 30 s at most.
async fn wait_for_watchers(docker: &bollard::Docker, host: &str) {
    let labels = vec![
        "seaworthy.reuse".to_string(),
        format!("seaworthy.host={host}"),
    ];
    let runs: Vec<String> = containers_labelled(docker, labels)
        .await
        .into_iter()
        .filter_map(|c| c.labels?.get("seaworthy.run").cloned())
        .collect();
    let claims = std::env::temp_dir().join("seaworthy-cleanup");
    for _ in 0..300 {
        if runs.iter().all(|r| !claims.join(r).exists()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn creates(events: &LiveEvents, pids: &[u32], fixture: &str) -> usize {
    pids.iter()
        .map(|p| integration_tests::count(&events.of_pid(*p), "container", "create", fixture))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn containers_are_kept_between_runs_only_while_reuse_is_on() {
    let docker = docker().await;
    let host = format!("reuse-{}", std::process::id());
    // What an earlier run of this test kept (by its fixtures' names, whatever its host).
    remove_earlier(&docker).await;
    let events = LiveEvents::start(&docker);

    // Two concurrent runs: one container of each fixture, made by one run, used by both.
    let (a, b) = {
        let (h1, h2) = (host.clone(), host.clone());
        let one = std::thread::spawn(move || run_scenario(run(&h1, true, "1")));
        let two = std::thread::spawn(move || run_scenario(run(&h2, true, "1")));
        (one.join().unwrap(), two.join().unwrap())
    };
    for s in [&a, &b] {
        assert_eq!(s.code, Some(0), "{}", s.output());
    }
    assert_eq!(said(&a, "box"), said(&b, "box"), "one box for both runs");
    assert_eq!(said(&a, "client"), said(&b, "client"));
    assert_eq!(said(&a, "version"), "1");
    assert_eq!(creates(&events, &[a.pid, b.pid], "reuse_kept_box"), 1);
    assert_eq!(creates(&events, &[a.pid, b.pid], "reuse_kept_client"), 1);
    let box_name = said(&a, "box").to_string();
    assert!(box_name.starts_with("test_reuse_kept_box_r"), "{box_name}");
    let lifecycle = format!("{}{}", a.stdout, b.stdout);
    assert_eq!(
        lifecycle
            .matches(&format!("reused container {box_name} (reuse_kept_box)"))
            .count(),
        1,
        "the run that lost the create attached:\n{lifecycle}"
    );
    assert_eq!(
        kept(&docker, &host).await.len(),
        2,
        "kept after both runs ended (their watchers and exit cleanups left them)"
    );

    // A later run attaches: no create at all, the volume kept its line of each run.
    let c = run_scenario(run(&host, true, "1"));
    assert_eq!(c.code, Some(0), "{}", c.output());
    let ev = events.of_pid(c.pid);
    assert_eq!(
        integration_tests::count(&ev, "container", "create", "reuse_kept_box"),
        0
    );
    assert_eq!(
        integration_tests::count(&ev, "container", "create", "reuse_kept_client"),
        0
    );
    assert_eq!(said(&c, "box"), box_name);
    assert_eq!(said(&c, "volume-lines"), "3");
    assert!(
        c.stdout.contains(&format!(
            "reused container {box_name} (reuse_kept_box) from an earlier run"
        )) && c.stdout.contains(&format!(
            "kept container {box_name} (reuse_kept_box) for reuse"
        )),
        "{}",
        c.stdout
    );

    // A changed definition: a new box (and a new client, which depends on it) replace the old.
    let d = run_scenario(run(&host, true, "2"));
    assert_eq!(d.code, Some(0), "{}", d.output());
    assert_eq!(said(&d, "version"), "2");
    assert_ne!(said(&d, "box"), box_name);
    let ev = events.of_pid(d.pid);
    assert_eq!(
        integration_tests::count(&ev, "container", "create", "reuse_kept_box"),
        1
    );
    assert_eq!(
        integration_tests::count(&ev, "container", "create", "reuse_kept_client"),
        1
    );
    let now = kept(&docker, &host).await;
    assert_eq!(now.len(), 2, "the old pair was replaced: {now:?}");
    assert!(now.contains(&said(&d, "box").to_string()), "{now:?}");
    assert!(
        d.stdout.contains(&format!(
            "removed container {box_name} (reuse_kept_box): reused, its definition changed"
        )),
        "{}",
        d.stdout
    );

    // Reuse off: the run's start-up sweep removes what reuse kept, and it keeps nothing. (A
    // start-up sweep leaves a run to its watcher while that still holds the run's claim: the
    // watchers of the runs that made the pair finish first, as they do between two runs a
    // person starts.)
    wait_for_watchers(&docker, &host).await;
    let e = run_scenario(run(&host, false, "2"));
    assert_eq!(e.code, Some(0), "{}", e.output());
    assert_eq!(said(&e, "volume-lines"), "1", "a fresh volume");
    for _ in 0..50 {
        if kept(&docker, &host).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(kept(&docker, &host).await, Vec::<String>::new());
    let volumes =
        integration_tests::resources_labelled(&docker, &format!("seaworthy.host={host}")).await;
    assert_eq!(
        volumes,
        Vec::<String>::new(),
        "nothing of these runs is left"
    );
}
