use seaworthy::prelude::*;

#[fixture(scope = "module")]
fn cache() -> ContainerDefinition {
    ContainerDefinition::new("cache", "redis:7-alpine")
}

#[container_test]
async fn starts_empty(#[clean] cache: &ContainerDefinition) {
    cache.exec_ok(["redis-cli", "DBSIZE"]).await.unwrap();
}

fn main() {}
