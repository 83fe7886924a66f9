//! The Compose keys the tutorial's stack does not use, on a small busybox stack (`small.yaml`).

use super::*;

/// The small stack, function-scoped; `client` is ready once it printed the page it fetched
/// from `web` by name (a readiness override).
#[fixture]
fn small() -> Result<ComposeStack, ComposeError> {
    Ok(ComposeStack::from_file(compose_file("small.yaml"))?
        .wait_for("client", Wait::logs(["^hello-from-www$"])))
}

#[container_test]
async fn services_reach_each_other_by_name_and_the_test_through_published_ports(
    small: &ComposeStack,
) {
    // Start order: init ran to completion before web, web was healthy before client.
    assert_eq!(small.services().unwrap(), ["init", "web", "client"]);
    let web = service(small, "web");
    let page = web
        .http_client()
        .unwrap()
        .get("/index.html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page, "hello-from-www\n");
    // client fetched the same page from http://web:8080 (its readiness); web logged it.
    let client_logs = service(small, "client").logs().await.unwrap();
    assert_eq!(client_logs, "hello-from-www\n");
    // Published on 127.0.0.1 only.
    let bindings = web
        .inspect()
        .await
        .unwrap()
        .host_config
        .unwrap()
        .port_bindings
        .unwrap();
    let ips: Vec<_> = bindings["8080/tcp"]
        .as_ref()
        .unwrap()
        .iter()
        .map(|b| b.host_ip.clone().unwrap_or_default())
        .collect();
    assert_eq!(ips, ["127.0.0.1"]);
}

#[container_test]
async fn user_working_dir_environment_volumes_and_healthcheck_are_applied(small: &ComposeStack) {
    let web = service(small, "web");
    let out = web
        .exec_ok(["sh", "-c", "id -u; pwd; echo $GREETING; cat state"])
        .await
        .unwrap();
    // user 1000, working_dir /data, environment, and the named volume init wrote to.
    assert_eq!(out.stdout_str(), "1000\n/data\nhello\ninitialised\n");
    let ro = web.exec(["touch", "/www/x"]).await.unwrap();
    assert_ne!(ro.exit_code, 0, "the bind mount is read-only");
    let inspect = web.inspect().await.unwrap();
    let health = inspect.config.unwrap().healthcheck.unwrap();
    assert_eq!(
        health.test.unwrap(),
        [
            "CMD-SHELL",
            "wget -q -O /dev/null http://127.0.0.1:8080/index.html"
        ]
    );
    assert_eq!(health.interval, Some(200_000_000));
    assert_eq!(health.retries, Some(100));
    let status = inspect.state.unwrap().health.unwrap().status.unwrap();
    assert_eq!(status.to_string(), "healthy");
    // init ran once and exited 0.
    let init = service(small, "init")
        .inspect()
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!((init.running, init.exit_code), (Some(false), Some(0)));
}

/// `profiles`: `debug` runs only when its profile is enabled.
#[test]
fn a_profile_adds_its_services() {
    let stack = ComposeStack::from_file(compose_file("small.yaml")).unwrap();
    assert_eq!(stack.services().unwrap(), ["init", "web", "client"]);
    let with_debug = stack.profile("debug");
    assert_eq!(
        with_debug.services().unwrap(),
        ["init", "web", "client", "debug"]
    );
}
