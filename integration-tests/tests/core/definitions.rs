//! Definitions (reference §2.4): lifecycle, status, configuration, ports, networks, volumes.

use std::collections::HashMap;
use std::time::Duration;

use seaworthy::{
    ContainerDefinition, ContainerStatus, Error, NetworkDefinition, PublishedPort,
    VolumeDefinition, Wait, DEFAULT_WAIT_TIMEOUT,
};
use serde_json::json;

use integration_tests::LiveEvents;

use crate::{core_web_image, free_port, shell, sleeper, with_helper, BUSYBOX};

#[tokio::test]
async fn setup_teardown_status_and_idempotence() {
    with_helper(|helper| async move {
        let c = sleeper("lifecycle");
        assert!(!c.is_created());
        assert_eq!(c.status().await.unwrap(), None);

        c.setup(&helper).await.unwrap();
        assert!(c.is_created());
        assert_eq!(c.status().await.unwrap(), Some(ContainerStatus::Running));
        let id = c.id().unwrap();
        // A second setup is a no-op: same container.
        c.setup(&helper).await.unwrap();
        assert_eq!(c.id().unwrap(), id);
        assert!(c.ready_after().is_some());

        c.teardown().await.unwrap();
        assert!(!c.is_created());
        assert_eq!(c.status().await.unwrap(), None);
        c.teardown().await.unwrap();
        assert_eq!(helper.tracked_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn create_start_stop_report_each_status_and_the_exit_code() {
    with_helper(|helper| async move {
        let c = shell(
            "stopper",
            "trap 'exit 3' TERM; echo trapped; while true; do sleep 0.1; done",
        )
        .wait_for(Wait::logs(["^trapped$"]));
        c.create(&helper).await.unwrap();
        assert_eq!(c.status().await.unwrap(), Some(ContainerStatus::Created));
        c.start().await.unwrap();
        assert_eq!(c.status().await.unwrap(), Some(ContainerStatus::Running));
        // A SIGTERM before the trap is set would be ignored (the shell is PID 1).
        c.wait_until_ready().await.unwrap();
        // The trap exits with 3 on SIGTERM, well before the 30 s grace period.
        assert_eq!(c.stop(Duration::from_secs(30)).await.unwrap(), Some(3));
        assert_eq!(c.status().await.unwrap(), Some(ContainerStatus::Exited));
        assert_eq!(ContainerStatus::Exited.to_string(), "exited");
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn stop_kills_a_process_that_ignores_sigterm() {
    with_helper(|helper| async move {
        // PID 1 has no default SIGTERM handler, so `sleep` ignores it and is killed.
        let c = sleeper("stubborn");
        c.setup(&helper).await.unwrap();
        assert_eq!(c.stop(Duration::from_secs(0)).await.unwrap(), Some(137));
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn restart_waits_for_readiness_again() {
    with_helper(|helper| async move {
        let c =
            shell("restarter", "echo started; exec sleep 300").wait_for(Wait::logs(["^started$"]));
        c.setup(&helper).await.unwrap();
        c.restart(Duration::from_secs(0)).await.unwrap();
        assert_eq!(c.status().await.unwrap(), Some(ContainerStatus::Running));
        // Logs survive a restart, so the line is there twice.
        assert_eq!(c.logs().await.unwrap(), "started\nstarted\n");
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn wait_timeout_defaults_to_ten_seconds_and_can_be_overridden() {
    assert_eq!(DEFAULT_WAIT_TIMEOUT, Duration::from_secs(10));
    let c = sleeper("t");
    assert_eq!(c.get_wait_timeout(), DEFAULT_WAIT_TIMEOUT);
    let c = c.wait_timeout(DEFAULT_WAIT_TIMEOUT + Duration::from_secs(10));
    assert_eq!(c.get_wait_timeout(), Duration::from_secs(20));
    assert_eq!(c.get_wait_for(), None);
    let c = c.wait_for(Wait::logs(["x"]));
    assert_eq!(c.get_wait_for(), Some(&Wait::logs(["x"])));
}

#[tokio::test]
async fn configuration_reaches_docker() {
    with_helper(|helper| async move {
        let c = ContainerDefinition::new("configured", BUSYBOX)
            .entrypoint(["sh", "-c"])
            .command(["echo $GREETING from $(pwd) as $(id -u); exec sleep 300"])
            .env("GREETING", "hi")
            .env("OTHER", "1")
            .env("GREETING", "hello") // a later value for the same key wins
            .user("app")
            .workdir("/etc")
            .label("team", "core")
            .wait_for(Wait::logs(["from"]));
        c.setup(&helper).await.unwrap();
        assert_eq!(c.get_env("GREETING"), Some("hello"));
        assert_eq!(c.logs().await.unwrap(), "hello from /etc as 1000\n");

        let inspect = c.inspect().await.unwrap();
        assert_eq!(inspect.path.as_deref(), Some("sh"));
        let config = inspect.config.unwrap();
        let env = config.env.unwrap();
        assert!(env.contains(&"GREETING=hello".to_string()), "{env:?}");
        assert!(env.contains(&"OTHER=1".to_string()), "{env:?}");
        assert_eq!(config.user.as_deref(), Some("app"));
        assert_eq!(config.working_dir.as_deref(), Some("/etc"));
        let labels = config.labels.unwrap();
        assert_eq!(labels.get("team").map(String::as_str), Some("core"));
        assert_eq!(
            labels.get("seaworthy.definition").map(String::as_str),
            Some("configured")
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn create_options_merge_deep_over_the_builder() {
    with_helper(|helper| async move {
        let c = sleeper("merged")
            .publish(8080)
            .label("from-builder", "1")
            .create_options(json!({"Labels": {"from-options": "2"}}))
            .create_options(json!({"HostConfig": {"Memory": 100_000_000}}));
        c.setup(&helper).await.unwrap();
        let inspect = c.inspect().await.unwrap();
        let labels = inspect.config.unwrap().labels.unwrap();
        assert_eq!(labels.get("from-builder").map(String::as_str), Some("1"));
        assert_eq!(labels.get("from-options").map(String::as_str), Some("2"));
        assert!(labels.contains_key("seaworthy.run"));
        let host = inspect.host_config.unwrap();
        assert_eq!(host.memory, Some(100_000_000));
        // The builder's port bindings survived the merge into HostConfig.
        assert!(host.port_bindings.unwrap().contains_key("8080/tcp"));
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn ports_lists_exposed_and_published_ports_on_loopback_only() {
    with_helper(|helper| async move {
        let image = core_web_image(&helper).await;
        let c = ContainerDefinition::new("ports", image).publish(8000);
        c.setup(&helper).await.unwrap();
        let ports = c.ports().await.unwrap();
        let port = c.host_port(8000).await.unwrap();
        // 80 is EXPOSEd by the image but not published; 8000 is published on loopback only.
        assert_eq!(
            ports.exposed().collect::<Vec<_>>(),
            [(80, "tcp"), (8000, "tcp")]
        );
        assert_eq!(
            ports.iter().cloned().collect::<Vec<_>>(),
            [PublishedPort {
                container_port: 8000,
                proto: "tcp".into(),
                host_ip: "127.0.0.1".into(),
                host_port: port,
                host: "127.0.0.1".into(),
            }]
        );
        assert_eq!(ports.host_port(80, "tcp"), None);
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn host_port_for_random_fixed_and_udp_bindings() {
    with_helper(|helper| async move {
        let fixed = free_port();
        let c = sleeper("hostports")
            .publish(8080)
            .publish_to(9090, fixed)
            .publish_udp(9191);
        c.setup(&helper).await.unwrap();
        let random = c.host_port(8080).await.unwrap();
        assert!(random > 1024, "{random}");
        assert_eq!(c.host_port(9090).await.unwrap(), fixed);
        let udp = c.host_port_proto(9191, "udp").await.unwrap();
        assert!(udp > 1024, "{udp}");
        // 9191 is published for UDP only.
        let e = c.host_port(9191).await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::Container(seaworthy::ContainerError::PortNotExposed { port: 9191, .. })
            ),
            "{e:?}"
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn host_port_errors_for_unexposed_and_unpublished_ports() {
    with_helper(|helper| async move {
        let image = core_web_image(&helper).await;
        let c = ContainerDefinition::new("portless", image);
        c.setup(&helper).await.unwrap();
        let name = c.docker_name().unwrap();

        let e = c.host_port(90).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "port `90/tcp` of container `{name}` is not exposed\n\
                 (hint: add `.publish(90)` to the definition)"
            )
        );
        // The image EXPOSEs 80, but nothing publishes it.
        let e = c.host_port(80).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "port `80/tcp` of container `{name}` is not published to the host\n\
                 (hint: add `.publish(80)` or `.publish_all()` to the definition)"
            )
        );
        let e = c.first_host_port().await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "container `{name}` has no published ports\n\
                 (hint: add `.publish(PORT)` or `.publish_all()` to the definition)"
            )
        );
        let e = c.http_client().unwrap_err();
        assert!(
            matches!(
                e,
                Error::Container(seaworthy::ContainerError::NoPublishedPorts { .. })
            ),
            "{e:?}"
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn first_host_port_is_the_numerically_lowest_tcp_port() {
    with_helper(|helper| async move {
        let image = core_web_image(&helper).await;
        // 80 is exposed but not published, so it does not count; 90/tcp beats 90/udp and 8000.
        let c = ContainerDefinition::new("firstport", image)
            .command(["sleep", "300"])
            .publish(8000)
            .publish_udp(90)
            .publish(90);
        c.setup(&helper).await.unwrap();
        assert_eq!(
            c.first_host_port().await.unwrap(),
            c.host_port(90).await.unwrap()
        );
        assert_ne!(
            c.host_port(90).await.unwrap(),
            c.host_port(8000).await.unwrap()
        );
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn publish_all_binds_every_exposed_port_on_loopback() {
    with_helper(|helper| async move {
        let image = core_web_image(&helper).await;
        let c = ContainerDefinition::new("pubal", image)
            .publish_all()
            .wait_for(Wait::http("/").status(200));
        c.setup(&helper).await.unwrap();
        let port = c.host_port(80).await.unwrap();
        assert_eq!(c.first_host_port().await.unwrap(), port);
        let ports = c.ports().await.unwrap();
        let published = ports.get(80, "tcp").unwrap();
        assert_eq!(published.host_ip, "127.0.0.1");
        assert_eq!(published.address(), format!("127.0.0.1:{port}"));
        assert_eq!(ports.iter().count(), 1);
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn network_aliases_let_containers_reach_each_other_by_name() {
    with_helper(|helper| async move {
        let image = core_web_image(&helper).await;
        let net = NetworkDefinition::new("webnet");
        net.setup(&helper).await.unwrap();
        let web = ContainerDefinition::new("web", image)
            .network(&net)
            .alias("www")
            .wait_for(Wait::command([
                "wget",
                "-q",
                "-O",
                "-",
                "http://127.0.0.1/",
            ]));
        web.setup(&helper).await.unwrap();

        let inspect = web.inspect().await.unwrap();
        let networks = inspect.network_settings.unwrap().networks.unwrap();
        let endpoint = &networks[&net.docker_name().unwrap()];
        let aliases = endpoint.aliases.clone().unwrap();
        assert!(aliases.contains(&"web".to_string()), "{aliases:?}");
        assert!(aliases.contains(&"www".to_string()), "{aliases:?}");

        let client = sleeper("client").network(&net);
        client.setup(&helper).await.unwrap();
        for host in ["web", "www"] {
            let out = client
                .exec_ok(["wget", "-q", "-O", "-", &format!("http://{host}/")])
                .await
                .unwrap();
            assert_eq!(out.stdout_str(), "hello from core-web\n");
        }
        client.teardown().await.unwrap();
        web.teardown().await.unwrap();
        net.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn network_definition_lifecycle_labels_and_internal_flag() {
    with_helper(|helper| async move {
        let net = NetworkDefinition::new("inner")
            .internal(true)
            .label("k", "v");
        assert!(matches!(
            net.id(),
            Err(Error::Container(seaworthy::ContainerError::NotSetUp {
                kind: "network",
                ..
            }))
        ));
        net.setup(&helper).await.unwrap();
        let id = net.id().unwrap();
        net.setup(&helper).await.unwrap();
        assert_eq!(net.id().unwrap(), id);
        let name = net.docker_name().unwrap();
        assert!(name.starts_with("test_inner_"), "{name}");
        let inspect = net.inspect().await.unwrap();
        assert_eq!(inspect.name.as_deref(), Some(name.as_str()));
        assert_eq!(inspect.driver.as_deref(), Some("bridge"));
        assert_eq!(inspect.internal, Some(true));
        let labels = inspect.labels.unwrap();
        assert_eq!(labels.get("k").map(String::as_str), Some("v"));
        assert_eq!(
            labels.get("seaworthy.run").map(String::as_str),
            Some(helper.run_id())
        );
        net.teardown().await.unwrap();
        assert!(!net.is_created());
        net.teardown().await.unwrap();
        assert_eq!(helper.tracked_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn volume_definition_lifecycle_driver_options_and_labels() {
    with_helper(|helper| async move {
        let vol = VolumeDefinition::new("scratch")
            .driver_opt("type", "tmpfs")
            .driver_opt("device", "tmpfs")
            .driver_opt("o", "size=100m,uid=1000")
            .label("foo", "bar");
        assert!(matches!(
            vol.docker_name(),
            Err(Error::Container(seaworthy::ContainerError::NotSetUp {
                kind: "volume",
                ..
            }))
        ));
        vol.setup(&helper).await.unwrap();
        vol.setup(&helper).await.unwrap();
        let name = vol.docker_name().unwrap();
        assert!(name.starts_with("test_scratch_"), "{name}");
        let inspect = vol.inspect().await.unwrap();
        assert_eq!(inspect.driver, "local");
        assert_eq!(inspect.labels.get("foo").map(String::as_str), Some("bar"));
        assert_eq!(
            inspect.options,
            HashMap::from([
                ("type".to_string(), "tmpfs".to_string()),
                ("device".to_string(), "tmpfs".to_string()),
                ("o".to_string(), "size=100m,uid=1000".to_string()),
            ])
        );
        vol.teardown().await.unwrap();
        vol.teardown().await.unwrap();
        assert_eq!(helper.tracked_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn volumes_mount_read_write_and_read_only() {
    with_helper(|helper| async move {
        let vol = VolumeDefinition::new("shared");
        vol.setup(&helper).await.unwrap();
        let writer = sleeper("writer").volume(&vol, "/data");
        let reader = sleeper("reader").volume(&vol, "/mnt:ro");
        writer.setup(&helper).await.unwrap();
        reader.setup(&helper).await.unwrap();

        writer
            .exec_ok(["sh", "-c", "echo payload > /data/file"])
            .await
            .unwrap();
        let out = reader.exec_ok(["cat", "/mnt/file"]).await.unwrap();
        assert_eq!(out.stdout_str(), "payload\n");
        let out = reader.exec(["touch", "/mnt/other"]).await.unwrap();
        assert_eq!(out.exit_code, 1);
        assert_eq!(
            out.stderr_str(),
            "touch: /mnt/other: Read-only file system\n"
        );

        let mounts = reader.inspect().await.unwrap().mounts.unwrap();
        assert_eq!(mounts.len(), 1);
        assert_eq!(
            mounts[0].name.as_deref(),
            Some(vol.docker_name().unwrap().as_str())
        );
        assert_eq!(mounts[0].destination.as_deref(), Some("/mnt"));
        assert_eq!(mounts[0].rw, Some(false));

        // Removing the containers leaves the volume; then it can go.
        writer.teardown().await.unwrap();
        reader.teardown().await.unwrap();
        assert_eq!(
            vol.inspect().await.unwrap().name,
            vol.docker_name().unwrap()
        );
        vol.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_explicit_mount_mode_reaches_docker() {
    with_helper(|helper| async move {
        let vol = VolumeDefinition::new("modes");
        vol.setup(&helper).await.unwrap();
        let c = sleeper("modes")
            .volume(&vol, "/rw:rw")
            .volume(&vol, "/ro:ro")
            .volume(&vol, "/plain");
        c.setup(&helper).await.unwrap();
        let mut modes: Vec<(String, String, bool)> = c
            .inspect()
            .await
            .unwrap()
            .mounts
            .unwrap()
            .into_iter()
            .map(|m| {
                (
                    m.destination.unwrap_or_default(),
                    m.mode.unwrap_or_default(),
                    m.rw.unwrap_or_default(),
                )
            })
            .collect();
        modes.sort();
        // Docker's own default for a volume without a mode is `z`; an explicit `rw` stays.
        assert_eq!(
            modes,
            [
                ("/plain".to_string(), "z".to_string(), true),
                ("/ro".to_string(), "ro".to_string(), false),
                ("/rw".to_string(), "rw".to_string(), true),
            ]
        );
        c.teardown().await.unwrap();
        vol.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn bind_mounts_and_tmpfs() {
    with_helper(|helper| async move {
        let dir = std::env::temp_dir().join(format!("seaworthy-core-bind-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("hello.txt"), "from the host\n").unwrap();
        let c = sleeper("binder")
            .bind(&dir, "/host:ro")
            .tmpfs("/scratch", "size=1m,mode=1777");
        let result = async {
            c.setup(&helper).await.unwrap();
            let out = c.exec_ok(["cat", "/host/hello.txt"]).await.unwrap();
            assert_eq!(out.stdout_str(), "from the host\n");
            let out = c
                .exec_ok([
                    "sh",
                    "-c",
                    "grep ' /scratch ' /proc/mounts | cut -d' ' -f1,3",
                ])
                .await
                .unwrap();
            assert_eq!(out.stdout_str(), "tmpfs tmpfs\n");
            let mounts = c.inspect().await.unwrap().mounts.unwrap();
            let bind = mounts
                .iter()
                .find(|m| m.destination.as_deref() == Some("/host"))
                .unwrap();
            assert_eq!(bind.source.as_deref(), Some(dir.to_str().unwrap()));
            assert_eq!(bind.rw, Some(false));
        };
        futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(result))
            .await
            .unwrap_or_else(|p| {
                let _ = std::fs::remove_dir_all(&dir);
                std::panic::resume_unwind(p)
            });
        let _ = std::fs::remove_dir_all(&dir);
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn clones_share_the_created_container() {
    with_helper(|helper| async move {
        let c = sleeper("cloned");
        let twin = c.clone();
        c.setup(&helper).await.unwrap();
        assert_eq!(twin.id().unwrap(), c.id().unwrap());
        twin.teardown().await.unwrap();
        assert!(!c.is_created());
    })
    .await;
}

/// Docker's `create` events of containers, networks and volumes, followed live from now: what
/// [`creates`] and [`creates_named`] count.
pub(crate) async fn watch_creates() -> LiveEvents {
    let types = ["container", "network", "volume"]
        .map(String::from)
        .to_vec();
    let filters = HashMap::from([
        ("type".to_string(), types),
        ("event".to_string(), vec!["create".to_string()]),
    ]);
    LiveEvents::start_with(&integration_tests::docker().await, filters)
}

/// How many `create` events of `typ` this test process caused, among those `live` has seen, for
/// the definition named `definition` (every resource carries `seaworthy.pid=<this process>` and
/// `seaworthy.definition=<its definition's name>`; `seaworthy.fixture` only when the harness set
/// it up for a fixture).
pub(crate) fn creates(live: &LiveEvents, typ: &str, definition: &str) -> usize {
    let pid = std::process::id().to_string();
    live.all()
        .iter()
        .filter(|e| {
            let attrs = e.actor.as_ref().and_then(|a| a.attributes.as_ref());
            let label = |key: &str| attrs.and_then(|a| a.get(key)).map(String::as_str);
            e.typ.map(|t| t.to_string()).as_deref() == Some(typ)
                && label("seaworthy.pid") == Some(pid.as_str())
                && label("seaworthy.definition") == Some(definition)
        })
        .count()
}

/// How many `create` events of `typ` (`network`, `volume`) name `docker_name`: Docker puts no
/// labels on network and volume events, only the name.
fn creates_named(live: &LiveEvents, typ: &str, docker_name: &str) -> usize {
    live.actions_of(typ, docker_name).len()
}

/// Runs `setup` on 16 clones at once, on the test's multi-threaded runtime.
async fn race_16<T, F, Fut>(def: &T, setup: F)
where
    T: Clone + Send + 'static,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = seaworthy::Result<()>> + Send + 'static,
{
    let tasks: Vec<_> = (0..16).map(|_| tokio::spawn(setup(def.clone()))).collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_setups_of_clones_create_one_container() {
    with_helper(|helper| async move {
        let live = watch_creates().await;
        let c = sleeper("raced");
        let h = helper.clone();
        race_16(&c, move |c| {
            let h = h.clone();
            async move { c.setup(&h).await }
        })
        .await;
        assert_eq!(creates(&live, "container", "raced"), 1);
        assert_eq!(c.status().await.unwrap(), Some(ContainerStatus::Running));
        assert!(c.ready_after().is_some());
        c.teardown().await.unwrap();
        assert!(!c.is_created());
        assert_eq!(helper.tracked_count(), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_setups_of_clones_create_one_network_and_one_volume() {
    with_helper(|helper| async move {
        let live = watch_creates().await;
        let net = NetworkDefinition::new("racednet");
        let vol = VolumeDefinition::new("racedvol");
        let h = helper.clone();
        race_16(&net, move |n| {
            let h = h.clone();
            async move { n.setup(&h).await }
        })
        .await;
        let h = helper.clone();
        race_16(&vol, move |v| {
            let h = h.clone();
            async move { v.setup(&h).await }
        })
        .await;
        let (net_name, vol_name) = (net.docker_name().unwrap(), vol.docker_name().unwrap());
        assert_eq!(creates_named(&live, "network", &net_name), 1);
        assert_eq!(creates_named(&live, "volume", &vol_name), 1);
        net.teardown().await.unwrap();
        vol.teardown().await.unwrap();
        assert_eq!(helper.tracked_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_torn_down_definition_can_be_set_up_again_as_a_new_container() {
    with_helper(|helper| async move {
        let c = sleeper("again");
        c.setup(&helper).await.unwrap();
        let first = c.id().unwrap();
        c.teardown().await.unwrap();
        assert!(matches!(
            c.handle(),
            Err(Error::Container(seaworthy::ContainerError::NotSetUp {
                kind: "container",
                ..
            }))
        ));
        c.setup(&helper).await.unwrap();
        assert_ne!(c.id().unwrap(), first);
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn the_handle_answers_for_the_running_container() {
    with_helper(|helper| async move {
        let c = shell("handled", "echo up; exec sleep 300")
            .publish(8080)
            .wait_for(Wait::logs(["^up$"]));
        c.setup(&helper).await.unwrap();
        let handle = c.handle().unwrap();
        assert_eq!(handle.id(), c.id().unwrap());
        assert_eq!(handle.docker_name(), c.docker_name().unwrap());
        assert_eq!(handle.logs().await.unwrap(), "up\n");
        assert_eq!(
            handle.exec_ok(["echo", "hi"]).await.unwrap().stdout_str(),
            "hi\n"
        );
        assert_eq!(
            handle.host_port(8080).await.unwrap(),
            c.host_port(8080).await.unwrap()
        );
        assert_eq!(
            handle.status().await.unwrap(),
            Some(ContainerStatus::Running)
        );
        c.teardown().await.unwrap();
        // The handle outlives the container it stood for; Docker no longer knows the ID.
        assert!(handle.inspect().await.unwrap_err().is_not_found());
    })
    .await;
}
