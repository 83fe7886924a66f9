//! Smoke test of the fixture macros.
use seaworthy::prelude::*;

#[fixture]
fn greeting() -> String {
    "hello".to_string()
}

#[fixture]
fn echo(greeting: &String) -> ContainerDefinition {
    ContainerDefinition::new("echo", "seaworthy-test/busybox")
        .command(["sh", "-c", &format!("echo {greeting}; exec sleep 60")])
        .wait_for(Wait::logs(["^hello$"]))
}

#[container_test]
async fn echo_says_hello(echo: &ContainerDefinition) {
    let out = echo.exec_ok(["echo", "hi"]).await.unwrap();
    assert_eq!(out.stdout_str(), "hi\n");
}

#[container_test]
fn sync_echo(echo: &ContainerDefinition, greeting: &String) {
    assert_eq!(greeting, "hello");
    let logs = seaworthy::block_on(echo.logs()).unwrap();
    assert_eq!(logs, "hello\n");
}
