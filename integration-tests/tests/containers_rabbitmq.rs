//! `RabbitMqContainer` against `seaworthy-test/rabbitmq:3` (Seaworthy's
//! `tests/containers/test_rabbitmq.py`, adapted: aliases hold the name, the data directory's
//! tmpfs belongs to uid 999, the broker URL is percent-encoded, and queues are declared with
//! `rabbitmqctl eval` instead of the management API).
use seaworthy::prelude::*;

#[fixture(scope = "module")]
fn rabbitmq_image() -> ImageDefinition {
    ImageDefinition::build(
        "seaworthy-test/rabbitmq:3",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../test-images/rabbitmq"),
    )
}

#[fixture(scope = "module")]
fn rabbitmq(rabbitmq_image: &ImageDefinition) -> RabbitMqContainer {
    RabbitMqContainer::new("rabbitmq").image(rabbitmq_image.tag())
}

/// A busybox on the same network, to reach the broker by its name.
#[fixture]
fn peer(rabbitmq: &RabbitMqContainer) -> ContainerDefinition {
    let _ = rabbitmq;
    ContainerDefinition::new("peer", "seaworthy-test/busybox").command(["sleep", "3600"])
}

/// Declares a durable queue in the default vhost (RabbitMQ 3.10's internal API).
async fn declare_queue(rabbitmq: &RabbitMqContainer, name: &str) {
    let expr = format!(
        "rabbit_amqqueue:declare(rabbit_misc:r(<<\"{}\">>, queue, <<\"{name}\">>), true, false, [], none, <<\"{}\">>).",
        rabbitmq.get_vhost(),
        rabbitmq.get_user()
    );
    let out = rabbitmq.exec_rabbitmqctl("eval", [expr]).await.unwrap();
    assert_eq!(out.exit_code, 0, "{}{}", out.stdout_str(), out.stderr_str());
}

fn users(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    list.iter()
        .map(|(u, tags)| (u.to_string(), tags.iter().map(|t| t.to_string()).collect()))
        .collect()
}

#[container_test]
async fn inspection(rabbitmq: &RabbitMqContainer, peer: &ContainerDefinition) {
    let inspect = rabbitmq.inspect().await.unwrap();
    let config = inspect.config.unwrap();
    assert_eq!(config.image.as_deref(), Some("seaworthy-test/rabbitmq:3"));
    let docker_name = rabbitmq.docker_name().unwrap();
    assert_eq!(inspect.name.unwrap(), format!("/{docker_name}"));
    assert!(docker_name.contains("_rabbitmq_"), "{docker_name}");
    let env = config.env.unwrap();
    for var in [
        "RABBITMQ_DEFAULT_VHOST=/vhost",
        "RABBITMQ_DEFAULT_USER=user",
        "RABBITMQ_DEFAULT_PASS=password",
    ] {
        assert!(env.iter().any(|e| e == var), "{var} not in {env:?}");
    }
    assert_eq!(
        inspect.host_config.unwrap().tmpfs.unwrap(),
        [(
            "/var/lib/rabbitmq".to_string(),
            "uid=999,gid=999".to_string()
        )]
        .into()
    );
    let networks = inspect.network_settings.unwrap().networks.unwrap();
    assert!(
        networks
            .values()
            .any(|n| n.aliases.iter().flatten().any(|a| a == "rabbitmq")),
        "no network gives the alias `rabbitmq`: {networks:?}"
    );
    // (Not checked: that port 5672 answers under that name. This test does not clean the
    // broker, so another test's `clean()` may be restarting it right now.)
    let _ = peer;
}

#[container_test]
async fn list_resources(#[clean] rabbitmq: &RabbitMqContainer) {
    assert_eq!(rabbitmq.list_vhosts().await.unwrap(), ["/vhost"]);
    assert_eq!(
        rabbitmq.list_users().await.unwrap(),
        users(&[("user", &["administrator"])])
    );
    assert_eq!(rabbitmq.list_queues().await.unwrap(), []);
}

#[container_test]
async fn list_vhosts(#[clean] rabbitmq: &RabbitMqContainer) {
    rabbitmq
        .exec_rabbitmqctl("add_vhost", ["/new_vhost"])
        .await
        .unwrap();
    assert_eq!(
        rabbitmq.list_vhosts().await.unwrap(),
        ["/new_vhost", "/vhost"]
    );
}

#[container_test]
async fn list_queues(#[clean] rabbitmq: &RabbitMqContainer) {
    declare_queue(rabbitmq, "q2").await;
    declare_queue(rabbitmq, "q1").await;
    assert_eq!(
        rabbitmq.list_queues().await.unwrap(),
        [("q1".to_string(), 0), ("q2".to_string(), 0)]
    );
}

#[container_test]
async fn list_users(#[clean] rabbitmq: &RabbitMqContainer) {
    rabbitmq
        .exec_rabbitmqctl("add_user", ["new_user", "new_pass"])
        .await
        .unwrap();
    assert_eq!(
        rabbitmq.list_users().await.unwrap(),
        users(&[("new_user", &[]), ("user", &["administrator"])])
    );
}

#[test]
fn broker_url() {
    assert_eq!(
        RabbitMqContainer::default().broker_url(),
        "amqp://user:password@rabbitmq:5672/%2Fvhost"
    );
    let amqp = RabbitMqContainer::new("amqp")
        .vhost("/")
        .user("guest")
        .password("guest");
    assert_eq!(amqp.broker_url(), "amqp://guest:guest@amqp:5672/%2F");
}

#[container_test]
async fn clean(#[clean] rabbitmq: &RabbitMqContainer) {
    rabbitmq
        .exec_rabbitmqctl("add_vhost", ["/new_vhost"])
        .await
        .unwrap();
    rabbitmq
        .exec_rabbitmqctl("add_user", ["new_user", "new_pass"])
        .await
        .unwrap();
    declare_queue(rabbitmq, "q1").await;
    rabbitmq.clean().await.unwrap();
    assert_eq!(rabbitmq.list_vhosts().await.unwrap(), ["/vhost"]);
    assert_eq!(
        rabbitmq.list_users().await.unwrap(),
        users(&[("user", &["administrator"])])
    );
    assert_eq!(rabbitmq.list_queues().await.unwrap(), []);
}
