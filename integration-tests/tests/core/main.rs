//! Acceptance tests of the core library against the real Docker engine: Seaworthy 0.4.2's own
//! behaviours (reference §2.2–2.5) ported to our API and Docker 20.10.
//!
//! Every test connects its own [`DockerHelper`] through [`with_helper`], which tears down
//! whatever the test created, on success and on panic alike. Tests run in parallel, so they only
//! ever count resources they created themselves (by name), never global state.

#![allow(missing_docs, unreachable_pub)]

mod copy_files;
mod definitions;
mod errors;
mod exec;
mod external_networks;
mod helpers;
mod host_access;
mod host_options;
mod http;
mod log_consumers;
mod logs;
mod ps;
mod readiness;

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use seaworthy::{ContainerDefinition, DockerHelper, Error, ImageDefinition};

/// The small userland every test container runs unless it needs more.
pub const BUSYBOX: &str = "seaworthy-test/busybox:latest";

/// A busybox container that stays up (`sleep 300`) until torn down.
pub fn sleeper(name: &str) -> ContainerDefinition {
    ContainerDefinition::new(name, BUSYBOX).command(["sleep", "300"])
}

/// A busybox container running `script` with `sh -c`.
pub fn shell(name: &str, script: &str) -> ContainerDefinition {
    ContainerDefinition::new(name, BUSYBOX).command(["sh", "-c", script])
}

/// Runs a test body with a fresh helper, then removes everything the helper created, even when
/// the body panics (the panic is resumed afterwards). A teardown error fails the test.
pub async fn with_helper<F, Fut>(body: F)
where
    F: FnOnce(DockerHelper) -> Fut,
    Fut: Future<Output = ()>,
{
    let helper = DockerHelper::connect()
        .await
        .unwrap_or_else(|e| panic!("the core tests need a Docker engine: {e}"));
    let outcome = AssertUnwindSafe(body(helper.clone())).catch_unwind().await;
    let teardown = helper.teardown().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    teardown.unwrap_or_else(|e| panic!("helper teardown failed: {e}"));
}

/// `seaworthy-test/core-web`: busybox httpd on port 80 (EXPOSEd) serving `index.html` and the
/// CGI script `/cgi-bin/echo`, which echoes the request line and the Host header.
pub async fn core_web_image(helper: &DockerHelper) -> &'static str {
    const TAG: &str = "seaworthy-test/core-web:latest";
    ImageDefinition::build(
        TAG,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../test-images/core-web"),
    )
    .setup(helper)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    TAG
}

/// `seaworthy-test/core-health`: `sleep 300` with a HEALTHCHECK that passes once
/// `/tmp/healthy` exists (every 200 ms, unhealthy after 2 failures).
pub async fn core_health_image(helper: &DockerHelper) -> &'static str {
    const TAG: &str = "seaworthy-test/core-health:latest";
    ImageDefinition::build(
        TAG,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../test-images/core-health"),
    )
    .setup(helper)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    TAG
}

/// The readiness error inside `e`, or a panic naming what `e` was instead.
pub fn readiness(e: Error) -> Box<seaworthy::ReadinessError> {
    match e {
        Error::Readiness(r) => r,
        other => panic!("expected a readiness error, got: {other:?}"),
    }
}

/// The labels of a container, from Docker.
pub async fn container_labels(c: &ContainerDefinition) -> HashMap<String, String> {
    c.inspect()
        .await
        .unwrap()
        .config
        .and_then(|c| c.labels)
        .unwrap_or_default()
}

/// Names of the containers, networks and volumes labelled with this helper's run whose names
/// are in `names` (other tests of this process share the run label, so filter by name).
pub async fn existing_named(helper: &DockerHelper, names: &[String]) -> Vec<String> {
    use bollard::query_parameters::{
        ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder,
    };
    let filter = HashMap::from([(
        "label".to_string(),
        vec![format!("seaworthy.run={}", helper.run_id())],
    )]);
    let docker = helper.docker();
    let mut found = Vec::new();
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filter)
        .build();
    for c in seaworthy::engine::compat::list_containers(docker, options)
        .await
        .unwrap()
    {
        for n in c.names.unwrap_or_default() {
            found.push(n.trim_start_matches('/').to_string());
        }
    }
    for n in docker
        .list_networks(Some(
            ListNetworksOptionsBuilder::new().filters(&filter).build(),
        ))
        .await
        .unwrap()
    {
        found.extend(n.name);
    }
    for v in docker
        .list_volumes(Some(
            ListVolumesOptionsBuilder::new().filters(&filter).build(),
        ))
        .await
        .unwrap()
        .volumes
        .unwrap_or_default()
    {
        found.push(v.name);
    }
    found.retain(|n| names.contains(n));
    found.sort();
    found
}

/// Polls `status()` until the container has exited (its own script decides when); gives up
/// after a minute so that a container that never exits fails the test instead of hanging it.
pub async fn wait_exited(c: &ContainerDefinition) {
    for _ in 0..1200 {
        if c.status().await.unwrap() == Some(seaworthy::ContainerStatus::Exited) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("container `{}` did not exit", c.docker_name().unwrap());
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
