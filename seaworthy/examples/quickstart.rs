//! The quick start: a container fixture, readiness, an HTTP request and teardown.
//!
//! Run it with `scripts/quickstart` (it prepares the one local image it needs), or, once
//! `seaworthy-test/busybox` exists, with
//! `cargo test --example quickstart -- --nocapture`.

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
        .publish(8080)
        .wait_for(Wait::http("/").status(200))
}

#[container_test]
async fn the_page_is_served(web: &ContainerDefinition) {
    let client = web.http_client().unwrap();
    println!("the page is at {}", client.url("/"));
    let response = client.get("/").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "Hello from a container\n");
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
         `cargo test --example quickstart -- --nocapture`"
    );
}
