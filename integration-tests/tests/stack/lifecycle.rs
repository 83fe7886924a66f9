//! Django containers of their own: how the image starts, runs and stops.

use seaworthy::ps::TreeShape;
use seaworthy::{DockerHelper, Error, ReadinessErrorKind};

use super::*;

/// Each test here starts Django containers of its own, and each one migrates its database as
/// it starts: two migrating one shared database at the same moment collide. So in this module
/// PostgreSQL is function-scoped too (it shadows the module-scoped fixture of `main.rs`).
#[fixture]
fn postgresql(postgres_image: &ImageDefinition) -> PostgresContainer {
    PostgresContainer::new("postgresql")
        .image(postgres_image.tag())
        .database("mysite")
        .user("mysite")
        .password(DB_PASSWORD)
}

/// A function-scoped Django container (its volumes are anonymous, removed with it), with three
/// Gunicorn workers configured through the environment.
#[fixture]
fn lone_django(
    django_image: &ImageDefinition,
    postgresql: &PostgresContainer,
) -> ContainerDefinition {
    django_definition("lone_django", django_image, postgresql).env("GUNICORN_WORKERS", "3")
}

const GUNICORN: &str = "/usr/bin/python3 /usr/bin/gunicorn --config /app/gunicorn.conf.py";

/// Gunicorn says `Listening at` (readiness) before it forks its workers: wait for all three.
async fn wait_for_three_workers(django: &ContainerDefinition) {
    let mut booted = seaworthy::matchers::Unordered::by_regex([
        "Booting worker with pid",
        "Booting worker with pid",
        "Booting worker with pid",
    ])
    .unwrap();
    django
        .wait_for_logs_matching(&mut booted, Duration::from_secs(30))
        .await
        .unwrap();
}

#[container_test]
async fn gunicorn_runs_as_a_non_root_user(lone_django: &ContainerDefinition) {
    wait_for_three_workers(lone_django).await;
    let tree = lone_django.process_tree().await.unwrap();
    let worker = || TreeShape::new("django", GUNICORN);
    TreeShape::new("django", GUNICORN)
        .pid(1)
        .children([worker(), worker(), worker()])
        .check(&tree)
        .unwrap_or_else(|e| panic!("{e}"));
    let id = lone_django.exec_ok(["id", "-u"]).await.unwrap();
    assert_eq!(id.stdout_str(), "1000\n");
}

#[container_test]
async fn stops_cleanly_on_sigterm(lone_django: &ContainerDefinition) {
    // A worker still importing Django handles SIGTERM only once the import is done, which on a
    // loaded 2-core machine has taken more than Docker's default 10 s grace period; so stop
    // a fully started Gunicorn, with Gunicorn's own graceful timeout (30 s) as the grace period.
    // 0 means Gunicorn exited on SIGTERM; a SIGKILL would give 137.
    wait_for_three_workers(lone_django).await;
    let exit_code = lone_django.stop(Duration::from_secs(30)).await.unwrap();
    assert_eq!(exit_code, Some(0));
    let logs = lone_django.logs().await.unwrap();
    assert!(logs.contains("Handling signal: term"), "{logs}");
    assert!(logs.contains("Shutting down: Master"), "{logs}");
}

/// Without its database, the container exits at once with one clear line, and the readiness
/// error shows it (with the exit code) instead of waiting for the deadline.
#[container_test]
async fn fails_to_start_without_its_database(django_image: &ImageDefinition) {
    let helper = DockerHelper::shared().await.unwrap();
    let orphan = ContainerDefinition::new("orphan", django_image.tag())
        .env(
            "DATABASE_URL",
            "postgres://mysite:secret@no-such-database:5432/mysite",
        )
        .env("SECRET_KEY", "not-a-secret-only-for-tests")
        .wait_for(Wait::logs([LISTENING]))
        .wait_timeout(Duration::from_secs(60));
    let result = orphan.setup(&helper).await;
    let logs = orphan.logs().await.unwrap_or_default();
    orphan.teardown().await.unwrap();

    let err = result.expect_err("Django started without a database");
    let line = "ERROR: cannot reach the database at no-such-database:5432";
    assert!(logs.contains(line), "{logs}");
    match &err {
        Error::Readiness(r) => {
            assert_eq!(
                r.kind,
                ReadinessErrorKind::Exited { exit_code: Some(1) },
                "{err}"
            );
            assert!(r.last_lines.iter().any(|l| l.contains(line)), "{err}");
        }
        other => panic!("expected a readiness error, got: {other}"),
    }
    assert!(err.to_string().contains(line), "{err}");
}

#[fixture]
fn own_socket() -> VolumeDefinition {
    VolumeDefinition::new("own_socket")
}

#[fixture]
fn own_static() -> VolumeDefinition {
    VolumeDefinition::new("own_static")
}

/// A Django container that also allows `evil.example`, through `ALLOWED_HOSTS`.
#[fixture]
fn django_more_hosts(
    django_image: &ImageDefinition,
    postgresql: &PostgresContainer,
    own_socket: &VolumeDefinition,
    own_static: &VolumeDefinition,
) -> ContainerDefinition {
    django_definition("django_more_hosts", django_image, postgresql)
        .env("ALLOWED_HOSTS", format!("{ALLOWED_HOSTS},evil.example"))
        .volume(own_socket, "/run/gunicorn")
        .volume(own_static, "/app/static")
}

#[fixture]
fn nginx_more_hosts(
    stack_nginx_image: &ImageDefinition,
    django_more_hosts: &ContainerDefinition,
    own_socket: &VolumeDefinition,
    own_static: &VolumeDefinition,
) -> NginxContainer {
    let _ = django_more_hosts;
    nginx_definition(stack_nginx_image, own_socket, own_static)
}

#[container_test]
async fn a_host_allowed_through_the_environment_is_served(nginx_more_hosts: &NginxContainer) {
    let response = nginx_more_hosts
        .http_client()
        .unwrap()
        .get("/admin/")
        .header("Host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/admin/login/?next=/admin/");
}
