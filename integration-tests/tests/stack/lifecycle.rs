//! Django containers of their own: how the image starts, runs and stops.

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

#[container_test]
async fn gunicorn_runs_as_a_non_root_user(lone_django: &ContainerDefinition) {
    bodies::gunicorn_runs_as_a_non_root_user(lone_django).await;
}

#[container_test]
async fn stops_cleanly_on_sigterm(lone_django: &ContainerDefinition) {
    bodies::stops_cleanly_on_sigterm(lone_django).await;
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
    bodies::a_host_allowed_through_the_environment_is_served(nginx_more_hosts).await;
}
