//! `DockerHelper` (reference §2.5): names, labels, teardown of what is left, sweep of dead runs,
//! and how Docker treats networks and volumes still in use.

use std::collections::HashMap;

use bollard::models::{ContainerCreateBody, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, RemoveContainerOptionsBuilder,
};
use seaworthy::helper::{LABEL_DEFINITION, LABEL_FIXTURE, LABEL_HOST, LABEL_PID, LABEL_RUN};
use seaworthy::{ContainerDefinition, DockerHelper, NetworkDefinition, Removed, VolumeDefinition};

use crate::{container_labels, existing_named, shell, sleeper, wait_exited, with_helper, BUSYBOX};

#[tokio::test]
async fn names_are_namespaced_and_unique_across_helpers() {
    with_helper(|helper| async move {
        let other = DockerHelper::connect_with_namespace("integ").await.unwrap();
        let a = sleeper("same");
        let b = sleeper("same");
        a.setup(&helper).await.unwrap();
        b.setup(&other).await.unwrap();
        let (na, nb) = (a.docker_name().unwrap(), b.docker_name().unwrap());
        assert!(na.starts_with("test_same_"), "{na}");
        assert!(nb.starts_with("integ_same_"), "{nb}");
        // Two helpers of one process share the run ID but never a suffix.
        let c = sleeper("same");
        c.setup(&helper).await.unwrap();
        assert_ne!(c.docker_name().unwrap(), na);
        assert_eq!(
            c.docker_name().unwrap().rsplit('_').next().unwrap()[..6],
            helper.run_id()[..6]
        );
        let removed = other.teardown().await.unwrap();
        assert_eq!(removed.containers, [nb]);
    })
    .await;
}

#[tokio::test]
async fn every_resource_carries_the_run_labels() {
    with_helper(|helper| async move {
        let c = sleeper("labelled");
        c.setup(&helper).await.unwrap();
        let labels = container_labels(&c).await;
        assert_eq!(labels[LABEL_RUN], helper.run_id());
        assert_eq!(labels[LABEL_PID], std::process::id().to_string());
        assert_eq!(labels[LABEL_DEFINITION], "labelled");
        // Not made for a fixture: named after the definition, and no fixture label.
        assert_eq!(labels.get(LABEL_FIXTURE), None);
        assert!(c.docker_name().unwrap().starts_with("test_labelled_"));
        assert_eq!(labels[LABEL_HOST], helper.labels("x")[LABEL_HOST]);
        assert!(!labels[LABEL_HOST].is_empty());
        c.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn teardown_reports_exactly_what_was_left_and_removes_it() {
    with_helper(|helper| async move {
        let docker = helper.docker().clone();
        let created = sleeper("td_created");
        let running = sleeper("td_running");
        let stopped = shell("td_stopped", "exit 0");
        let gone = sleeper("td_gone");
        created.create(&helper).await.unwrap();
        running.setup(&helper).await.unwrap();
        stopped.setup(&helper).await.unwrap();
        gone.setup(&helper).await.unwrap();
        wait_exited(&stopped).await;

        let nets = [
            NetworkDefinition::new("td_bridge1"),
            NetworkDefinition::new("td_bridge2"),
            NetworkDefinition::new("td_netgone"),
        ];
        let vols = [
            VolumeDefinition::new("td_local1"),
            VolumeDefinition::new("td_local2"),
            VolumeDefinition::new("td_volgone"),
        ];
        for n in &nets {
            n.setup(&helper).await.unwrap();
        }
        for v in &vols {
            v.setup(&helper).await.unwrap();
        }
        let mut all_names = vec![
            created.docker_name().unwrap(),
            running.docker_name().unwrap(),
            stopped.docker_name().unwrap(),
            gone.docker_name().unwrap(),
        ];
        all_names.extend(nets.iter().map(|n| n.docker_name().unwrap()));
        all_names.extend(vols.iter().map(|v| v.docker_name().unwrap()));
        all_names.sort();
        assert_eq!(existing_named(&helper, &all_names).await, all_names);

        // Removed behind the helper's back.
        docker
            .remove_container(
                &gone.id().unwrap(),
                Some(RemoveContainerOptionsBuilder::new().force(true).build()),
            )
            .await
            .unwrap();
        docker.remove_network(&nets[2].id().unwrap()).await.unwrap();
        docker
            .remove_volume(
                &vols[2].docker_name().unwrap(),
                None::<bollard::query_parameters::RemoveVolumeOptions>,
            )
            .await
            .unwrap();

        let removed = helper.teardown().await.unwrap();
        assert_eq!(
            removed,
            Removed {
                containers: vec![
                    created.docker_name().unwrap(),
                    running.docker_name().unwrap(),
                    stopped.docker_name().unwrap(),
                ],
                networks: vec![
                    nets[0].docker_name().unwrap(),
                    nets[1].docker_name().unwrap()
                ],
                volumes: vec![
                    vols[0].docker_name().unwrap(),
                    vols[1].docker_name().unwrap()
                ],
            }
        );
        assert_eq!(removed.total(), 7);
        assert_eq!(
            existing_named(&helper, &all_names).await,
            Vec::<String>::new()
        );
        assert_eq!(helper.tracked_count(), 0);
        // Idempotent.
        assert_eq!(helper.teardown().await.unwrap(), Removed::default());
    })
    .await;
}

/// A PID that no process on this host has: one of a child that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[tokio::test]
async fn sweep_removes_resources_of_dead_runs_and_leaves_live_ones() {
    with_helper(|helper| async move {
        let docker = helper.docker().clone();
        let host = helper.labels("x")[LABEL_HOST].clone();
        let suffix = format!("{}_{}", std::process::id(), helper.resource_name("sweep"));
        let labels = |run: &str, pid: u32| {
            HashMap::from([
                (LABEL_RUN.to_string(), run.to_string()),
                (LABEL_PID.to_string(), pid.to_string()),
                (LABEL_HOST.to_string(), host.clone()),
                (LABEL_FIXTURE.to_string(), "sweep".to_string()),
            ])
        };
        let dead = labels(&format!("dead{suffix}"), dead_pid());
        // Another run whose process (this one) is alive.
        let live = labels(&format!("live{suffix}"), std::process::id());

        let mut ids = Vec::new();
        for (kind, l) in [("dead", &dead), ("live", &live)] {
            let name = format!("sweep_{kind}_{suffix}");
            let body = ContainerCreateBody {
                image: Some(BUSYBOX.into()),
                cmd: Some(vec!["sleep".into(), "300".into()]),
                labels: Some(l.clone()),
                ..Default::default()
            };
            let id = docker
                .create_container(
                    Some(CreateContainerOptionsBuilder::new().name(&name).build()),
                    body,
                )
                .await
                .unwrap()
                .id;
            ids.push((kind, id, name.clone()));
            docker
                .create_network(NetworkCreateRequest {
                    name: name.clone(),
                    labels: Some(l.clone()),
                    ..Default::default()
                })
                .await
                .unwrap();
            docker
                .create_volume(VolumeCreateRequest {
                    name: Some(name.clone()),
                    labels: Some(l.clone()),
                    ..Default::default()
                })
                .await
                .unwrap();
        }
        let dead_name = format!("sweep_dead_{suffix}");
        let live_name = format!("sweep_live_{suffix}");

        let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async {
            let removed = helper.sweep().await.unwrap();
            // Other crashed runs on this host may be swept too: look for ours only. A harness
            // starting in a parallel test process (nextest) sweeps at start-up too and may get
            // to the dead run's resources first; then they are gone without being ours to report.
            for list in [&removed.containers, &removed.networks, &removed.volumes] {
                if !list.contains(&dead_name) {
                    eprintln!("`{dead_name}` was swept by another process first: {removed:?}");
                }
            }
            for list in [&removed.containers, &removed.networks, &removed.volumes] {
                assert!(!list.contains(&live_name), "{removed:?}");
            }
            let gone = docker
                .inspect_container(&ids[0].1, None::<InspectContainerOptions>)
                .await;
            assert!(gone.is_err());
            docker
                .inspect_container(&ids[1].1, None::<InspectContainerOptions>)
                .await
                .unwrap();
            docker.inspect_volume(&live_name).await.unwrap();
            assert!(docker.inspect_volume(&dead_name).await.is_err());
            assert!(docker
                .inspect_network(
                    &dead_name,
                    None::<bollard::query_parameters::InspectNetworkOptions>
                )
                .await
                .is_err());
        }))
        .await;

        // Clean up whatever is left of both, whatever happened above.
        for (_, id, _) in &ids {
            let _ = docker
                .remove_container(
                    id,
                    Some(RemoveContainerOptionsBuilder::new().force(true).build()),
                )
                .await;
        }
        for name in [&dead_name, &live_name] {
            let _ = docker.remove_network(name).await;
            let _ = docker
                .remove_volume(name, None::<bollard::query_parameters::RemoveVolumeOptions>)
                .await;
        }
        if let Err(p) = outcome {
            std::panic::resume_unwind(p);
        }
    })
    .await;
}

#[tokio::test]
async fn ensure_image_reports_id_and_sorted_exposed_ports() {
    with_helper(|helper| async move {
        let image = crate::core_web_image(&helper).await;
        let info = helper.ensure_image(image).await.unwrap();
        assert!(info.id.starts_with("sha256:"), "{}", info.id);
        assert_eq!(info.exposed_ports, ["80/tcp"]);
        let info = helper.ensure_image(BUSYBOX).await.unwrap();
        assert_eq!(info.exposed_ports, Vec::<String>::new());
    })
    .await;
}

#[tokio::test]
async fn a_network_of_a_created_or_exited_container_can_be_removed() {
    with_helper(|helper| async move {
        let net = NetworkDefinition::new("loose");
        net.setup(&helper).await.unwrap();
        let c = sleeper("on_loose").network(&net);
        c.create(&helper).await.unwrap();
        // Not started: not an endpoint of the network yet.
        let containers = net.inspect().await.unwrap().containers.unwrap_or_default();
        assert!(containers.is_empty(), "{containers:?}");
        net.teardown().await.unwrap();

        let net2 = NetworkDefinition::new("loose2");
        net2.setup(&helper).await.unwrap();
        let exited = shell("exits", "exit 0").network(&net2);
        exited.setup(&helper).await.unwrap();
        wait_exited(&exited).await;
        net2.teardown().await.unwrap();
        c.teardown().await.unwrap();
        exited.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_network_with_a_running_container_cannot_be_removed() {
    with_helper(|helper| async move {
        let net = NetworkDefinition::new("busy");
        net.setup(&helper).await.unwrap();
        let c = sleeper("on_busy").network(&net);
        c.setup(&helper).await.unwrap();
        let e = net.teardown().await.unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!(
                "failed to remove network `{}`: ",
                net.docker_name().unwrap()
            )),
            "{msg}"
        );
        assert!(msg.contains("has active endpoints"), "{msg}");
        assert!(
            msg.ends_with(&format!(
                "\nleft on the engine: network `{name}`\n(hint: remove them with `docker network \
                 rm {name}`)",
                name = net.docker_name().unwrap()
            )),
            "{msg}"
        );
        assert!(net.is_created());
        c.teardown().await.unwrap();
        net.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_mounted_volume_cannot_be_removed_until_its_container_is() {
    with_helper(|helper| async move {
        let vol = VolumeDefinition::new("inuse");
        vol.setup(&helper).await.unwrap();
        let created = sleeper("vol_created").volume(&vol, "/v");
        let running = sleeper("vol_running").volume(&vol, "/v");
        let exited = shell("vol_exited", "exit 0").volume(&vol, "/v");
        created.create(&helper).await.unwrap();
        running.setup(&helper).await.unwrap();
        exited.setup(&helper).await.unwrap();
        wait_exited(&exited).await;
        for c in [&created, &running, &exited] {
            let e = vol.teardown().await.unwrap_err();
            assert!(e.to_string().contains("volume is in use"), "{e}");
            c.teardown().await.unwrap();
        }
        vol.teardown().await.unwrap();
        assert!(!vol.is_created());
    })
    .await;
}

#[tokio::test]
async fn removing_a_container_keeps_its_named_volume_but_not_anonymous_ones() {
    with_helper(|helper| async move {
        let docker = helper.docker().clone();
        let vol = VolumeDefinition::new("kept");
        vol.setup(&helper).await.unwrap();
        let c = ContainerDefinition::new("anon", BUSYBOX)
            .command(["sleep", "300"])
            .volume(&vol, "/kept")
            .create_options(serde_json::json!({"Volumes": {"/anon": {}}}));
        c.setup(&helper).await.unwrap();
        let mounts = c.inspect().await.unwrap().mounts.unwrap();
        let anon = mounts
            .iter()
            .find(|m| m.destination.as_deref() == Some("/anon"))
            .and_then(|m| m.name.clone())
            .unwrap();
        c.teardown().await.unwrap();
        assert!(
            docker.inspect_volume(&anon).await.is_err(),
            "anonymous volume left behind"
        );
        vol.inspect().await.unwrap();
        vol.teardown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_helper_is_built_from_a_bollard_client_the_user_has() {
    use seaworthy::bollard::{Docker, API_DEFAULT_VERSION};
    use seaworthy::engine::Endpoint;

    with_helper(|found| async move {
        // The user's own client, to the engine discovery found (as the user would know it).
        let endpoint = found.engine().endpoint().clone();
        let docker = match &endpoint {
            Endpoint::Unix(path) => {
                Docker::connect_with_unix(&path.display().to_string(), 120, API_DEFAULT_VERSION)
            }
            Endpoint::Tcp {
                host,
                port,
                tls: None,
            } => Docker::connect_with_http(&format!("{host}:{port}"), 120, API_DEFAULT_VERSION),
            Endpoint::Tcp { tls: Some(_), .. } => {
                eprintln!("skipped: a TLS engine needs the user's own certificates");
                return;
            }
        }
        .expect("a client for the engine")
        .negotiate_version()
        .await
        .expect("the engine answers");
        let helper = DockerHelper::from_docker(docker, endpoint.clone())
            .await
            .expect("a helper on the user's client");
        assert_eq!(helper.address(), endpoint.to_string());
        assert_eq!(helper.published_host(), found.published_host());
        assert_eq!(helper.engine().api_version(), found.engine().api_version());
        assert!(
            helper.engine().found_via().contains("from_docker"),
            "{}",
            helper.engine().found_via()
        );

        let web = sleeper("from-client").publish(80);
        web.setup(&helper).await.unwrap();
        assert!(web.host_port(80).await.unwrap() > 0);
        assert_eq!(helper.tracked_count(), 1);
        web.teardown().await.unwrap();
        assert_eq!(helper.teardown().await.unwrap(), Removed::default());
    })
    .await;
}
