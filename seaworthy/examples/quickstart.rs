//! The quick start: a container fixture, readiness, an HTTP request and teardown.
//!
//! Run it with `scripts/quickstart` (it prepares the one local image it needs), or, once
//! `seaworthy-test/busybox` exists, with
//! `cargo test -p seaworthy --example quickstart -- --nocapture`.

use seaworthy::prelude::*;

/// A web server: busybox's `httpd` serving one page on port 8080, published on 127.0.0.1.
/// The harness creates it for each test that asks for `web`, waits until `/` answers 200,
/// and removes it afterwards, whatever the test did.
#[fixture]
fn web() -> ContainerDefinition {
    ContainerDefinition::new("web", "seaworthy-test/busybox")
        .command([
            "sh",
            "-c",
            "mkdir -p /www && echo 'Hello from a container' > /www/index.html \
             && exec httpd -f -v -p 8080 -h /www",
        ])
        .publish(8080) // on 127.0.0.1, never on all interfaces
        .wait_for(Wait::http("/").status(200)) // ready when / answers 200
}

#[container_test]
async fn the_page_is_served(web: &ContainerDefinition) {
    let response = web.http_client().unwrap().get("/").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "Hello from a container\n");
}

/// docs/looking-inside.md: commands, logs, the process tree and the exit code.
#[container_test]
async fn looks_inside(web: &ContainerDefinition) {
    // Commands: exit code and both streams; exec_ok fails with the output on a non-zero exit.
    let out = web.exec_ok(["id", "-u"]).await.unwrap();
    assert_eq!(out.stdout_str(), "0\n");
    let env = Exec::new(["sh", "-c", "echo $(id -un) $X $PWD"])
        .user("app")
        .env("X", "1")
        .workdir("/tmp");
    assert_eq!(
        web.exec_ok_with(env).await.unwrap().stdout_str(),
        "app 1 /tmp\n"
    );

    // Logs: both streams, or one, the last N lines, timestamps; or wait for a line.
    // busybox httpd -v logs each answer to stderr: `[::ffff:172.17.0.1]:53168: response:404`.
    web.http_client()
        .unwrap()
        .get("/nowhere")
        .send()
        .await
        .unwrap();
    let mut not_found = seaworthy::matchers::Regex::new(r"]:\d+: response:404$").unwrap();
    let line = web
        .wait_for_logs_matching(&mut not_found, Duration::from_secs(5))
        .await
        .unwrap();
    let stderr = web
        .logs_with(LogOptions::default().stdout(false).tail(10))
        .await
        .unwrap();
    assert!(stderr.lines().any(|l| l == line), "{stderr}");

    // Processes, from `ps` inside the container, as a tree rooted at PID 1.
    let tree = web.process_tree().await.unwrap();
    TreeShape::new("root", "httpd -f -v -p 8080 -h /www")
        .check(&tree)
        .unwrap();

    // Stopping: SIGTERM, then SIGKILL after the grace period; the exit code. httpd ignores
    // SIGTERM as PID 1 (the kernel gives PID 1 no default signal actions), so it is killed
    // after 1 s: 137 = 128 + 9 (SIGKILL). An image that exits on SIGTERM returns Some(0).
    assert_eq!(web.stop(Duration::from_secs(1)).await.unwrap(), Some(137));
}

#[container_test]
async fn the_server_runs_as_root_as_pid_1(web: &ContainerDefinition) {
    let tree = web.process_tree().await.unwrap();
    assert_eq!(tree.row.pid, 1);
    assert_eq!(tree.row.ruser, "root");
    assert_eq!(tree.row.args, "httpd -f -v -p 8080 -h /www");
}

/// The tests above are the example; built as a program, it says how to run them.
#[cfg(not(test))]
fn main() {
    eprintln!(
        "this example is a test suite: run `scripts/quickstart`, or \
         `cargo test -p seaworthy --example quickstart -- --nocapture`"
    );
}
