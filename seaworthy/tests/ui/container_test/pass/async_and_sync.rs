use seaworthy::prelude::*;

#[fixture]
fn greeting() -> String {
    "hello".to_string()
}

#[fixture]
fn web() -> ContainerDefinition {
    ContainerDefinition::new("web", "nginx:alpine").wait_for(Wait::logs(["start worker"]))
}

#[container_test]
async fn async_test(web: &ContainerDefinition, greeting: &String) {
    let out = web.exec_ok(["echo", greeting.as_str()]).await.unwrap();
    assert_eq!(out.stdout_str(), "hello\n");
}

#[container_test]
fn sync_test(web: &ContainerDefinition) {
    let logs = seaworthy::block_on(web.logs()).unwrap();
    assert!(!logs.is_empty());
}

#[container_test]
fn no_fixtures() {}

fn main() {}
