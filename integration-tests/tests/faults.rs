//! The fault suite: a [`FaultProxy`] between the helper and the engine drops, delays, answers
//! errors for or cuts the requests of one lifecycle step, and each test asserts the exact error
//! (step, resource, the engine's words) or the recovery, and that nothing labelled with the
//! run is left.
//!
//! The helper is pointed at the proxy through `DOCKER_HOST`, which is process-wide: the tests of
//! this binary take [`serial`] for their whole length, so that none connects while another has
//! the variable set, and so that one test's faults never meet another's requests.

use std::time::Duration;

use integration_tests::fault_proxy::{Fault, FaultProxy};
use integration_tests::{docker, resources_labelled};
use seaworthy::helper::LABEL_RUN;
use seaworthy::prelude::*;

/// One test at a time (see the module documentation).
async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

/// A helper connected to the engine through `proxy`, naming what it makes `<namespace>_…` (one
/// namespace per test, so that what one test leaves cannot fail another).
async fn connect(proxy: &FaultProxy, namespace: &str) -> DockerHelper {
    // SAFETY (of the environment): `serial()` is held, so no other test of this binary reads
    // or writes the environment meanwhile.
    std::env::set_var("DOCKER_HOST", proxy.docker_host());
    // This process's cleanup watcher starts at its first resource, pointed at that test's
    // proxy, which is gone by the time the process exits: it is told not to wait for it, and
    // to log (what it could not reach) where no other process reports it. What the watcher
    // does through an outage is `leases.rs`'s to test.
    std::env::set_var("SEAWORTHY_WATCHER_PATIENCE", "0");
    std::env::set_var(
        "SEAWORTHY_WATCHER_LOGS",
        std::env::temp_dir().join("seaworthy-faults-watcher"),
    );
    let helper = DockerHelper::connect_with_namespace(namespace).await;
    std::env::remove_var("DOCKER_HOST");
    helper.expect("connect through the fault proxy")
}

/// A test's lock (see [`serial`]), its proxy, and a helper connected through it that names what
/// it makes `<namespace>_…`.
async fn case(
    namespace: &str,
) -> (
    tokio::sync::MutexGuard<'static, ()>,
    FaultProxy,
    DockerHelper,
) {
    let serial = serial().await;
    let proxy = FaultProxy::start().expect("start the fault proxy");
    let helper = connect(&proxy, namespace).await;
    (serial, proxy, helper)
}

/// Removes a container on the real engine, as the next run's sweep would after the engine
/// came back.
async fn remove_on_the_engine(name: &str) {
    docker()
        .await
        .remove_container(
            name,
            Some(
                bollard::query_parameters::RemoveContainerOptionsBuilder::new()
                    .force(true)
                    .build(),
            ),
        )
        .await
        .expect("remove the container on the real engine");
}

/// Nothing the helper made is left on the engine.
async fn assert_nothing_left(helper: &DockerHelper) {
    assert_eq!(left_by(helper).await, Vec::<String>::new());
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
    let (_serial, proxy, helper) = case("fault-plain").await;
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
    assert_nothing_left(&helper).await;
}

/// The message of a failed result, or the value's absence as a panic.
fn message<T: std::fmt::Debug>(r: seaworthy::Result<T>) -> String {
    r.expect_err("the step should fail").to_string()
}

const CREATE: &str = r"/containers/create";
const START: &str = r"/containers/[^/]+/start";
const INSPECT: &str = r"/containers/[^/]+/json";
const FOLLOW: &str = r"/containers/[^/]+/logs\?.*follow=true";
const STOP: &str = r"/containers/[^/]+/stop";
const REMOVE: &str = r"/containers/[^/?]+(\?|$)";
const EXEC_CREATE: &str = r"/containers/[^/]+/exec$";
const EXEC_START: &str = r"/exec/[^/]+/start";

// --- create --------------------------------------------------------------------------------

#[tokio::test]
async fn a_create_whose_reply_is_lost_is_found_by_name_not_made_twice() {
    let (_serial, proxy, helper) = case("fault-create-lost").await;
    proxy.on("POST", CREATE).fault(Fault::DropReply);
    let c = ticker("lostreply");
    c.setup(&helper).await.unwrap();
    assert_eq!(proxy.faults_applied(), 1);
    assert_eq!(proxy.count("POST", CREATE), 1, "{:?}", proxy.requests());
    let left = left_by(&helper).await;
    assert_eq!(left, [format!("container /{}", c.docker_name().unwrap())]);
    c.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

#[tokio::test]
async fn a_create_that_never_reached_the_engine_is_made_again() {
    let (_serial, proxy, helper) = case("fault-create-dropped").await;
    proxy.on("POST", CREATE).fault(Fault::Drop);
    let c = ticker("dropped");
    c.setup(&helper).await.unwrap();
    assert_eq!(proxy.count("POST", CREATE), 2);
    assert_eq!(left_by(&helper).await.len(), 1);
    c.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

#[tokio::test]
async fn a_create_the_engine_refuses_names_the_container_and_the_engines_words() {
    let (_serial, proxy, helper) = case("fault-create-refused").await;
    proxy
        .on("POST", CREATE)
        .fault(Fault::Status(500, "disk quota exceeded".into()));
    let c = ticker("refused");
    let text = message(c.setup(&helper).await);
    let pattern = format!(
        r"^failed to create container `{}_refused_{}\d+`: disk quota exceeded \(HTTP 500\)$",
        helper.namespace(),
        &helper.run_id()[..6]
    );
    assert!(
        regex::Regex::new(&pattern).unwrap().is_match(&text),
        "{text}"
    );
    assert_eq!(
        proxy.count("POST", CREATE),
        1,
        "an engine's answer is not retried"
    );
    helper.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

// --- start, inspect, stop ------------------------------------------------------------------

#[tokio::test]
async fn a_start_whose_reply_is_lost_is_repeated_and_the_304_means_done() {
    let (_serial, proxy, helper) = case("fault-start-lost").await;
    proxy.on("POST", START).fault(Fault::DropReply);
    let c = ticker("start");
    c.setup(&helper).await.unwrap();
    assert_eq!(proxy.count("POST", START), 2);
    assert_eq!(c.status().await.unwrap(), Some(ContainerStatus::Running));
    c.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

#[tokio::test]
async fn inspect_is_retried_and_then_says_the_engine_stopped_answering() {
    let (_serial, proxy, helper) = case("fault-inspect").await;
    let c = ticker("inspect");
    c.setup(&helper).await.unwrap();
    let name = c.docker_name().unwrap();
    proxy.on("GET", INSPECT).times(2).fault(Fault::Drop);
    let before = proxy.count("GET", INSPECT);
    assert_eq!(c.inspect().await.unwrap().name, Some(format!("/{name}")));
    assert_eq!(proxy.count("GET", INSPECT) - before, 3);

    // A slow answer is waited for, not repeated.
    proxy
        .on("GET", INSPECT)
        .fault(Fault::Delay(Duration::from_millis(300)));
    let before = proxy.count("GET", INSPECT);
    assert_eq!(c.inspect().await.unwrap().name, Some(format!("/{name}")));
    assert_eq!(proxy.count("GET", INSPECT) - before, 1);

    proxy
        .on("GET", INSPECT)
        .times(usize::MAX)
        .fault(Fault::Drop);
    let before = proxy.count("GET", INSPECT);
    assert_eq!(
        message(c.inspect().await),
        format!(
            "failed to inspect container `{name}`: the Docker engine stopped answering (the \
             engine closed the connection, 5 attempts)\n(hint: check the engine: `docker \
             version` with DOCKER_HOST={host}; what this run made is labelled \
             seaworthy.run={run}: `docker rm -f $(docker ps -aq --filter \
             label=seaworthy.run={run})` removes its containers, and the next run's sweep \
             removes whatever is left)",
            host = proxy.docker_host(),
            run = helper.run_id(),
        )
    );
    assert_eq!(proxy.count("GET", INSPECT) - before, 5);
    proxy.clear();
    c.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

#[tokio::test]
async fn a_stop_whose_reply_is_lost_is_repeated_and_the_304_means_done() {
    let (_serial, proxy, helper) = case("fault-stop-lost").await;
    let c = ticker("stop");
    c.setup(&helper).await.unwrap();
    proxy.on("POST", STOP).fault(Fault::DropReply);
    c.stop(Duration::from_secs(1)).await.unwrap();
    assert_eq!(proxy.count("POST", STOP), 2);
    assert_eq!(c.status().await.unwrap(), Some(ContainerStatus::Exited));
    c.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

// --- logs ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_cut_log_follow_resumes_without_duplicates_or_losses() {
    let (_serial, proxy, helper) = case("fault-follow-cut").await;
    // Every follow connection is cut after 150 bytes, three times: in the readiness wait and
    // in the stream read below.
    proxy.on("GET", FOLLOW).times(3).fault(Fault::CutBody(150));
    let c = ticker("follow");
    c.setup(&helper).await.unwrap();
    let mut stream = c
        .handle()
        .unwrap()
        .stream_logs(LogOptions::default(), Duration::from_secs(60));
    let mut lines = Vec::new();
    while let Some(line) = futures_util::StreamExt::next(&mut stream).await {
        let line = line.unwrap().text;
        let done = line == "tick 12";
        lines.push(line);
        if done {
            break;
        }
    }
    let expected: Vec<String> = ["starting", "ready"]
        .into_iter()
        .map(String::from)
        .chain((1..=12).map(|i| format!("tick {i}")))
        .collect();
    assert_eq!(lines, expected);
    assert_eq!(proxy.faults_applied(), 3);
    assert!(proxy.count("GET", FOLLOW) >= 4, "{:?}", proxy.requests());
    c.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

#[tokio::test]
async fn a_stalled_log_follow_is_replaced_and_readiness_still_sees_ready() {
    let (_serial, proxy, helper) = case("fault-follow-stall").await;
    proxy.on("GET", FOLLOW).fault(Fault::StallBody(20));
    let c = ticker("stalled");
    c.setup(&helper).await.unwrap();
    assert_eq!(proxy.faults_applied(), 1);
    assert_eq!(proxy.count("GET", FOLLOW), 2);
    c.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

/// The first lines of a follow with `options` (every connection cut after 150 bytes, three
/// times), up to and including `tick 6`.
async fn follow_through_cuts(
    c: &ContainerDefinition,
    proxy: &FaultProxy,
    options: LogOptions,
) -> Vec<String> {
    proxy.on("GET", FOLLOW).times(3).fault(Fault::CutBody(150));
    let mut stream = c
        .handle()
        .unwrap()
        .stream_logs(options, Duration::from_secs(60));
    let mut lines = Vec::new();
    while let Some(line) = futures_util::StreamExt::next(&mut stream).await {
        let line = line.unwrap().text;
        let done = line.ends_with("tick 6");
        lines.push(line);
        if done {
            break;
        }
    }
    assert_eq!(proxy.faults_applied(), 3);
    lines
}

fn ticks_to_6() -> Vec<String> {
    ["starting", "ready"]
        .into_iter()
        .map(String::from)
        .chain((1..=6).map(|i| format!("tick {i}")))
        .collect()
}

#[tokio::test]
async fn a_cut_follow_of_a_tty_container_resumes_without_duplicates_or_losses() {
    let (_serial, proxy, helper) = case("fault-follow-tty").await;
    let c = ticker("tty").create_options(serde_json::json!({ "Tty": true }));
    c.setup(&helper).await.unwrap();
    assert_eq!(
        follow_through_cuts(&c, &proxy, LogOptions::default()).await,
        ticks_to_6()
    );
    c.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

#[tokio::test]
async fn a_cut_follow_with_timestamps_keeps_them_and_resumes() {
    let (_serial, proxy, helper) = case("fault-follow-stamped").await;
    let c = ticker("stamped");
    c.setup(&helper).await.unwrap();
    let lines = follow_through_cuts(&c, &proxy, LogOptions::default().timestamps(true)).await;
    let stamp = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z ").unwrap();
    let texts: Vec<String> = lines
        .iter()
        .map(|l| {
            assert!(stamp.is_match(l), "{l}");
            stamp.replace(l, "").into_owned()
        })
        .collect();
    assert_eq!(texts, ticks_to_6());
    c.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

// --- exec ----------------------------------------------------------------------------------

#[tokio::test]
async fn exec_create_is_retried_but_a_started_command_is_never_run_twice() {
    let (_serial, proxy, helper) = case("fault-exec").await;
    let c = ticker("exec");
    c.setup(&helper).await.unwrap();
    let name = c.docker_name().unwrap();
    proxy.on("POST", EXEC_CREATE).fault(Fault::Drop);
    assert_eq!(
        c.exec_ok(["echo", "hi"]).await.unwrap().stdout_str(),
        "hi\n"
    );
    assert_eq!(proxy.count("POST", EXEC_CREATE), 2);

    proxy.on("POST", EXEC_START).fault(Fault::Drop);
    let before = proxy.count("POST", EXEC_START);
    assert_eq!(
        message(c.exec(["echo", "once"]).await),
        format!(
            "failed to run `echo once` in container `{name}`: the engine closed the connection"
        )
    );
    assert_eq!(proxy.count("POST", EXEC_START) - before, 1);
    c.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

#[tokio::test]
async fn a_stalled_exec_output_fails_once_the_command_has_ended() {
    let (_serial, proxy, helper) = case("fault-exec-stall").await;
    let c = ticker("stall");
    c.setup(&helper).await.unwrap();
    let name = c.docker_name().unwrap();
    proxy.on("POST", EXEC_START).fault(Fault::StallBody(0));
    assert_eq!(
        message(c.exec(["echo", "stalled"]).await),
        format!(
            "failed to run `echo stalled` in container `{name}`: the engine stopped sending the \
             command's output (the command had ended; nothing came for 10s)"
        )
    );
    c.teardown().await.unwrap();
    assert_nothing_left(&helper).await;
}

// --- remove --------------------------------------------------------------------------------

#[tokio::test]
async fn removal_is_retried_and_a_lost_reply_counts_as_removed() {
    let (_serial, proxy, helper) = case("fault-remove-lost").await;
    let c = ticker("remove");
    c.setup(&helper).await.unwrap();
    proxy.on("DELETE", REMOVE).fault(Fault::DropReply);
    c.teardown().await.unwrap();
    assert_eq!(proxy.count("DELETE", REMOVE), 2);
    assert_eq!(helper.tracked_count(), 0);
    assert_nothing_left(&helper).await;
}

#[tokio::test]
async fn a_removal_that_keeps_failing_names_what_is_left_and_how_to_remove_it() {
    let (_serial, proxy, helper) = case("fault-remove-fails").await;
    let c = ticker("left");
    c.setup(&helper).await.unwrap();
    let name = c.docker_name().unwrap();
    proxy
        .on("DELETE", REMOVE)
        .times(usize::MAX)
        .fault(Fault::Status(500, "device or resource busy".into()));
    assert_eq!(
        message(helper.teardown().await),
        format!(
            "failed to remove container `{name}`: device or resource busy (HTTP 500)\nleft on \
             the engine: container `{name}`\n(hint: remove them with `docker rm -f {name}`)"
        )
    );
    assert_eq!(left_by(&helper).await.len(), 1);
    assert_eq!(helper.tracked_count(), 1, "what is left stays tracked");
    proxy.clear();
    let removed = helper.teardown().await.unwrap();
    assert_eq!(removed.containers, [name]);
    assert_nothing_left(&helper).await;
}

// --- networks ------------------------------------------------------------------------------

#[tokio::test]
async fn a_network_create_whose_reply_is_lost_is_found_and_its_removal_retried() {
    let (_serial, proxy, helper) = case("fault-network").await;
    proxy.on("POST", "/networks/create").fault(Fault::DropReply);
    proxy.on("DELETE", "/networks/").fault(Fault::Drop);
    let net = NetworkDefinition::new("net");
    net.setup(&helper).await.unwrap();
    assert_eq!(proxy.count("POST", "/networks/create"), 1);
    assert_eq!(
        left_by(&helper).await,
        [format!("network {}", net.docker_name().unwrap())]
    );
    net.teardown().await.unwrap();
    assert_eq!(proxy.count("DELETE", "/networks/"), 2);
    assert_nothing_left(&helper).await;
}

// --- the engine goes away ------------------------------------------------------------------

#[tokio::test]
async fn when_the_engine_goes_away_mid_readiness_the_error_says_so() {
    let (_serial, proxy, helper) = case("fault-engine-gone").await;
    let c = ContainerDefinition::new("gone", "seaworthy-test/busybox")
        .command(["sh", "-c", "echo starting; exec sleep 300"])
        .wait_for(Wait::logs(["never logged"]))
        .wait_timeout(Duration::from_secs(120));
    let setup = tokio::spawn({
        let (c, helper) = (c.clone(), helper.clone());
        async move { c.setup(&helper).await }
    });
    while proxy.count("GET", FOLLOW) == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    proxy.stop();
    let text = message(setup.await.unwrap());
    let name = c.docker_name().unwrap();
    let host = proxy.docker_host();
    let run = helper.run_id();
    let stopped =
        format!("the Docker engine stopped answering (connection refused at `{host}`, 5 attempts)");
    let hint = format!(
        "(hint: check the engine: `docker version` with DOCKER_HOST={host}; what this run made \
         is labelled seaworthy.run={run}: `docker rm -f $(docker ps -aq --filter \
         label=seaworthy.run={run})` removes its containers, and the next run's sweep removes \
         whatever is left)"
    );
    assert_eq!(
        text,
        format!(
            "could not check readiness of container `{name}` (logs matching [\"never logged\"]): \
             failed to follow logs of container `{name}`: {stopped}\n{hint}\n\
             log patterns matched: []; not matched: [Regex(\"never logged\")]\n\
             last 1 log line(s):\n  | (the logs could not be read: failed to read logs of \
             container `{name}`: {stopped})"
        )
    );
    // The engine is gone: teardown fails, naming what is left; the next run's sweep (here: the
    // test, on the real engine) removes it.
    let text = message(helper.teardown().await);
    assert!(
        text.ends_with(&format!(
            "left on the engine: container `{name}`\n(hint: remove them with `docker rm -f {name}`)"
        )),
        "{text}"
    );
    let left = left_by(&helper).await;
    assert_eq!(left, [format!("container /{name}")]);
    remove_on_the_engine(&name).await;
    assert_nothing_left(&helper).await;
}

#[tokio::test]
async fn when_the_engine_goes_away_mid_test_every_call_says_so() {
    let (_serial, proxy, helper) = case("fault-engine-gone-calls").await;
    let c = ticker("calls");
    c.setup(&helper).await.unwrap();
    let name = c.docker_name().unwrap();
    proxy.stop();
    let host = proxy.docker_host();
    let stopped =
        format!("the Docker engine stopped answering (connection refused at `{host}`, 5 attempts)");
    let first_line = |text: String| text.lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first_line(message(c.exec(["echo", "hi"]).await)),
        format!("failed to run `echo hi` in container `{name}`: {stopped}")
    );
    assert_eq!(
        first_line(message(c.logs().await)),
        format!("failed to read logs of container `{name}`: {stopped}")
    );
    assert_eq!(
        first_line(message(c.stop(Duration::from_secs(1)).await)),
        format!("failed to stop container `{name}`: {stopped}")
    );
    assert_eq!(
        first_line(message(c.teardown().await)),
        format!("failed to remove container `{name}`: {stopped}")
    );
    remove_on_the_engine(&name).await;
    assert_nothing_left(&helper).await;
}
