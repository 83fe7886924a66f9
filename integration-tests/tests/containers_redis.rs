//! `RedisContainer` against `seaworthy-test/redis:7` (Seaworthy's
//! `tests/containers/test_redis.py`, adapted: aliases hold the name, `/data`'s tmpfs belongs
//! to uid 999, and the URL is checked from another container).
use seaworthy::prelude::*;

#[fixture(scope = "module")]
fn redis_image() -> ImageDefinition {
    ImageDefinition::build(
        "seaworthy-test/redis:7",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../test-images/redis"),
    )
}

#[fixture(scope = "module")]
fn redis(redis_image: &ImageDefinition) -> RedisContainer {
    RedisContainer::new("redis").image(redis_image.tag())
}

/// Another container of the same image on the same network, to connect as a client would.
#[fixture]
fn redis_client(redis_image: &ImageDefinition, redis: &RedisContainer) -> ContainerDefinition {
    let _ = redis;
    ContainerDefinition::new("client", redis_image.tag()).command(["sleep", "infinity"])
}

#[container_test]
async fn inspection(redis: &RedisContainer, redis_client: &ContainerDefinition) {
    let _ = redis_client; // puts redis on a network, under its name
    let inspect = redis.inspect().await.unwrap();
    assert_eq!(
        inspect.config.unwrap().image.as_deref(),
        Some("seaworthy-test/redis:7")
    );
    let docker_name = redis.docker_name().unwrap();
    assert_eq!(inspect.name.unwrap(), format!("/{docker_name}"));
    assert!(docker_name.contains("_redis_"), "{docker_name}");
    assert_eq!(
        inspect.host_config.unwrap().tmpfs.unwrap(),
        [("/data".to_string(), "uid=999,gid=999".to_string())].into()
    );
    let networks = inspect.network_settings.unwrap().networks.unwrap();
    assert!(
        networks
            .values()
            .any(|n| n.aliases.iter().flatten().any(|a| a == "redis")),
        "no network gives the alias `redis`: {networks:?}"
    );
}

#[container_test]
async fn list_resources(#[clean] redis: &RedisContainer) {
    assert_eq!(redis.list_keys("*", 0).await.unwrap(), Vec::<String>::new());
}

#[container_test]
async fn list_keys(#[clean] redis: &RedisContainer) {
    redis.exec_redis_cli(["SET", "x", "1"]).await.unwrap();
    redis.exec_redis_cli(["SET", "y", "2"]).await.unwrap();
    redis.exec_redis_cli_db(1, ["SET", "z", "3"]).await.unwrap();
    assert_eq!(redis.list_keys("*", 0).await.unwrap(), ["x", "y"]);
    assert_eq!(redis.list_keys("*", 1).await.unwrap(), ["z"]);
    assert_eq!(redis.list_keys("y*", 0).await.unwrap(), ["y"]);
}

#[container_test]
async fn clean(#[clean] redis: &RedisContainer) {
    redis.exec_redis_cli(["SET", "x", "1"]).await.unwrap();
    redis.exec_redis_cli_db(1, ["SET", "z", "3"]).await.unwrap();
    redis.clean().await.unwrap();
    assert_eq!(redis.list_keys("*", 0).await.unwrap(), Vec::<String>::new());
    assert_eq!(redis.list_keys("*", 1).await.unwrap(), Vec::<String>::new());
}

#[container_test]
async fn url_connects(#[clean] redis: &RedisContainer, redis_client: &ContainerDefinition) {
    assert_eq!(redis.url(), "redis://redis:6379/0");
    redis
        .exec_redis_cli_db(2, ["SET", "k", "from-db-2"])
        .await
        .unwrap();
    let out = redis_client
        .exec_ok(["redis-cli", "-u", &redis.url_for_db(2), "GET", "k"])
        .await
        .unwrap();
    assert_eq!(out.stdout_str(), "from-db-2\n");
}

#[container_test]
async fn runs_as_redis(redis: &RedisContainer) {
    // `processes()`, not `process_tree()`: the container is shared, and another test's
    // `redis-cli` would be a second root.
    let processes = redis.processes().await.unwrap();
    let server = processes.iter().find(|p| p.pid == 1).unwrap();
    assert_eq!(server.ruser, "redis");
    assert!(server.args.starts_with("redis-server"), "{server:?}");
}
