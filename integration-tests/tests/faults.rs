//! The fault suite: a [`FaultProxy`] between the helper and the engine drops, delays, answers
//! errors for or cuts the requests of one lifecycle step, and each test asserts the exact error
//! (step, resource, the engine's words) or the recovery, and that nothing labelled with the
//! run is left.
//!
//! The helper is pointed at the proxy through `DOCKER_HOST`, which is process-wide: the tests of
//! this binary take [`serial`] for their whole length, so that none connects while another has
//! the variable set, and so that one test's faults never meet another's requests.

use std::time::Duration;

use integration_tests::fault_proxy::FaultProxy;
use integration_tests::{docker, resources_labelled};
use seaworthy::helper::LABEL_RUN;
use seaworthy::prelude::*;

/// One test at a time (see the module documentation).
async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

/// A helper connected to the engine through `proxy`.
async fn connect(proxy: &FaultProxy) -> DockerHelper {
    // SAFETY (of the environment): `serial()` is held, so no other test of this binary reads
    // or writes the environment meanwhile.
    std::env::set_var("DOCKER_HOST", proxy.docker_host());
    let helper = DockerHelper::connect_with_namespace("fault").await;
    std::env::remove_var("DOCKER_HOST");
    helper.expect("connect through the fault proxy")
}

/// What the run left on the engine (read directly, not through the proxy).
async fn left_by(helper: &DockerHelper) -> Vec<String> {
    resources_labelled(&docker().await, &format!("{LABEL_RUN}={}", helper.run_id())).await
}

/// busybox that logs `starting`, then `ready`, then a line every 200 ms.
fn ticker(name: &str) -> ContainerDefinition {
    ContainerDefinition::new(name, "seaworthy-test/busybox")
        .command([
            "sh",
            "-c",
            "echo starting; sleep 0.3; echo ready; i=0; \
             while true; do i=$((i+1)); echo tick $i; sleep 0.2; done",
        ])
        .wait_for(Wait::logs(["ready"]))
        .wait_timeout(Duration::from_secs(30))
}

#[tokio::test]
async fn without_faults_the_proxy_is_transparent() {
    let _serial = serial().await;
    let proxy = FaultProxy::start().unwrap();
    let helper = connect(&proxy).await;
    let c = ticker("plain");
    c.setup(&helper).await.unwrap();
    let out = c.exec_ok(["echo", "hello"]).await.unwrap();
    assert_eq!(out.stdout_str(), "hello\n");
    let logs = c.logs().await.unwrap();
    assert!(logs.starts_with("starting\nready\n"), "{logs}");
    c.teardown().await.unwrap();
    helper.teardown().await.unwrap();
    assert_eq!(proxy.count("POST", "/containers/create"), 1);
    assert_eq!(proxy.faults_applied(), 0);
    assert_eq!(left_by(&helper).await, Vec::<String>::new());
}
