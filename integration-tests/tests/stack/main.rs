//! The classic deployment, tested as a user would: PostgreSQL, a Django application served by
//! Gunicorn on a Unix socket in a shared *socket volume*, its static files in a shared *static
//! volume*, and nginx in front, serving `/static/` itself and proxying the rest to Gunicorn.
//! Every request goes through nginx's port, published on 127.0.0.1.
//!
//! The test bodies are in [`bodies`], shared with `tests/stack_compose`, which runs them on
//! the same stack written as a Compose file.
//!
//! Modules: this one tests the running stack over HTTP; [`database`] cleans its own
//! module-scoped PostgreSQL between tests; [`lifecycle`] starts, inspects and stops Django
//! containers of its own (process tree, SIGTERM, a missing database, configuration through
//! the environment). Each module gets its own module-scoped containers, so tests that reset
//! or stop things never disturb another module's stack.
//!
//! The images are built from `tests/images/` by image fixtures (once per run; a rebuild of an
//! unchanged directory is skipped). They need the local Debian base image that
//! `scripts/prepare-images` makes.

use std::time::Duration;

use seaworthy::prelude::*;

mod bodies;
mod database;
mod lifecycle;

/// The password has characters that must be percent-encoded in the database URL.
const DB_PASSWORD: &str = "s3cr/t@x";
/// What the stack's Django container allows (`ALLOWED_HOSTS`).
const ALLOWED_HOSTS: &str = "localhost,127.0.0.1";
/// Gunicorn's readiness line.
const LISTENING: &str = r"Listening at: unix:";

fn images_dir(name: &str) -> String {
    format!("{}/../test-images/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[fixture(scope = "module")]
fn postgres_image() -> ImageDefinition {
    ImageDefinition::build("seaworthy-test/postgres:15", images_dir("postgres"))
}

#[fixture(scope = "module")]
fn django_image() -> ImageDefinition {
    ImageDefinition::build("seaworthy-test/django-app:latest", images_dir("django-app"))
}

#[fixture(scope = "module")]
fn nginx_image() -> ImageDefinition {
    ImageDefinition::build("seaworthy-test/nginx:latest", images_dir("nginx"))
}

/// `stack-nginx` is built `FROM` the nginx image: depending on it builds that first.
#[fixture(scope = "module")]
fn stack_nginx_image(nginx_image: &ImageDefinition) -> ImageDefinition {
    ImageDefinition::build(
        "seaworthy-test/stack-nginx:latest",
        ImageBuild::new(images_dir("stack-nginx")).build_arg("NGINX_IMAGE", nginx_image.tag()),
    )
}

#[fixture(scope = "module")]
fn postgresql(postgres_image: &ImageDefinition) -> PostgresContainer {
    PostgresContainer::new("postgresql")
        .image(postgres_image.tag())
        .database("mysite")
        .user("mysite")
        .password(DB_PASSWORD)
}

#[fixture(scope = "module")]
fn socket_volume() -> VolumeDefinition {
    VolumeDefinition::new("socket")
}

#[fixture(scope = "module")]
fn static_volume() -> VolumeDefinition {
    VolumeDefinition::new("static")
}

/// The Django container as the stack runs it, before volumes: configured from the environment,
/// ready when Gunicorn listens (it collects static files and migrates the database first).
fn django_definition(
    name: &str,
    image: &ImageDefinition,
    postgresql: &PostgresContainer,
) -> ContainerDefinition {
    ContainerDefinition::new(name, image.tag())
        .env("DATABASE_URL", postgresql.database_url())
        .env("ALLOWED_HOSTS", ALLOWED_HOSTS)
        .env("SECRET_KEY", "not-a-secret-only-for-tests")
        .wait_for(Wait::logs([LISTENING]))
        .wait_timeout(Duration::from_secs(60))
}

#[fixture(scope = "module")]
fn django(
    django_image: &ImageDefinition,
    postgresql: &PostgresContainer,
    socket_volume: &VolumeDefinition,
    static_volume: &VolumeDefinition,
) -> ContainerDefinition {
    django_definition("django", django_image, postgresql)
        .volume(socket_volume, "/run/gunicorn")
        .volume(static_volume, "/app/static")
}

/// nginx in front of Django: the static volume read-only, the socket volume to reach Gunicorn.
fn nginx_definition(
    image: &ImageDefinition,
    socket: &VolumeDefinition,
    statics: &VolumeDefinition,
) -> NginxContainer {
    let (socket, statics) = (socket.clone(), statics.clone());
    NginxContainer::new("nginx")
        .image(image.tag())
        .configure(move |d| {
            d.volume(&socket, "/run/gunicorn")
                .volume(&statics, "/app/static:ro")
        })
}

#[fixture(scope = "module")]
fn nginx(
    stack_nginx_image: &ImageDefinition,
    django: &ContainerDefinition,
    socket_volume: &VolumeDefinition,
    static_volume: &VolumeDefinition,
) -> NginxContainer {
    let _ = django; // started first: nginx's readiness request reaches Gunicorn
    nginx_definition(stack_nginx_image, socket_volume, static_volume)
}

fn db(postgresql: &PostgresContainer) -> bodies::Db<'_> {
    bodies::Db {
        container: postgresql,
        url: postgresql.database_url(),
    }
}

#[container_test]
async fn admin_redirects_to_the_login_page(nginx: &NginxContainer) {
    bodies::admin_redirects_to_the_login_page(nginx).await;
}

#[container_test]
async fn login_page_and_its_css_served_by_nginx(
    nginx: &NginxContainer,
    django: &ContainerDefinition,
) {
    bodies::login_page_and_its_css_served_by_nginx(nginx, django).await;
}

#[container_test]
async fn a_host_not_allowed_gets_400(nginx: &NginxContainer, django: &ContainerDefinition) {
    bodies::a_host_not_allowed_gets_400(nginx, django).await;
}

#[container_test]
async fn django_logs_requests_to_stdout(nginx: &NginxContainer, django: &ContainerDefinition) {
    bodies::django_logs_requests_to_stdout(nginx, django).await;
}

#[container_test]
async fn the_database_url_is_percent_encoded(
    postgresql: &PostgresContainer,
    django: &ContainerDefinition,
) {
    bodies::the_database_url_is_percent_encoded(&db(postgresql), django).await;
}
