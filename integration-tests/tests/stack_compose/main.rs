//! The tutorial's stack (`tests/stack`) written as a Compose file (`compose.yaml` here), run by
//! [`ComposeStack`] on the engine API: the SAME test bodies (`tests/stack/bodies.rs`) must pass
//! on it as on the fixture version. Each module gets its own module-scoped stack, as in
//! `tests/stack`.
//!
//! Modules: this one runs the HTTP tests; [`database`] the `#[clean]` ones; [`lifecycle`]
//! those on Django's container, each on a stack of its own; [`features`] the
//! Compose keys the tutorial's stack does not use, on a small busybox stack; [`bad_input`] the
//! errors; [`process`] SIGKILL of a test process holding a stack (its watcher removes it).

use seaworthy::compose::{ComposeError, ComposeStack};
use seaworthy::prelude::*;

mod bad_input;
#[path = "../stack/bodies.rs"]
mod bodies;
mod database;
mod features;
mod lifecycle;
mod process;

/// Gunicorn's readiness line.
const LISTENING: &str = r"Listening at: unix:";

fn compose_file(name: &str) -> String {
    format!("{}/tests/stack_compose/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The stack, with what a Compose file cannot say: Django is ready when Gunicorn listens,
/// nginx when it answers; a `#[clean]` stack gets an empty database (as `PostgresContainer`'s
/// clean does: `dropdb --force`, then `createdb`).
#[fixture(scope = "module")]
fn stack() -> Result<ComposeStack, ComposeError> {
    tutorial_stack()
}

/// The stack of [`stack`], for fixtures that make a variant of it.
fn tutorial_stack() -> Result<ComposeStack, ComposeError> {
    let as_postgres = |cmd: &[&str]| Exec::new(cmd.iter().copied()).user("postgres");
    Ok(ComposeStack::from_file(compose_file("compose.yaml"))?
        .wait_for("django", Wait::logs([LISTENING]))
        .wait_for("nginx", Wait::http("/").port(80))
        .clean_exec(
            "postgresql",
            as_postgres(&["dropdb", "--if-exists", "--force", "-U", "mysite", "mysite"]),
        )
        .clean_exec(
            "postgresql",
            as_postgres(&["createdb", "-U", "mysite", "mysite"]),
        ))
}

/// `s` percent-encoded for a URL's user-info part (all but unreserved characters).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The stack's PostgreSQL, with the URL its own settings (`POSTGRES_*`) make.
fn db(stack: &ComposeStack) -> bodies::Db<'_> {
    let pg = service(stack, "postgresql");
    let var = |k: &str| pg.get_env(k).unwrap_or_default().to_string();
    bodies::Db {
        container: pg,
        url: format!(
            "postgres://{}:{}@postgresql:5432/{}",
            encode(&var("POSTGRES_USER")),
            encode(&var("POSTGRES_PASSWORD")),
            encode(&var("POSTGRES_DB"))
        ),
    }
}

fn service<'a>(stack: &'a ComposeStack, name: &str) -> &'a ContainerDefinition {
    stack.service(name).unwrap_or_else(|e| panic!("{e}"))
}

#[container_test]
async fn admin_redirects_to_the_login_page(stack: &ComposeStack) {
    bodies::admin_redirects_to_the_login_page(service(stack, "nginx")).await;
}

#[container_test]
async fn login_page_and_its_css_served_by_nginx(stack: &ComposeStack) {
    bodies::login_page_and_its_css_served_by_nginx(
        service(stack, "nginx"),
        service(stack, "django"),
    )
    .await;
}

#[container_test]
async fn a_host_not_allowed_gets_400(stack: &ComposeStack) {
    bodies::a_host_not_allowed_gets_400(service(stack, "nginx"), service(stack, "django")).await;
}

#[container_test]
async fn django_logs_requests_to_stdout(stack: &ComposeStack) {
    bodies::django_logs_requests_to_stdout(service(stack, "nginx"), service(stack, "django")).await;
}

#[container_test]
async fn the_database_url_is_percent_encoded(stack: &ComposeStack) {
    bodies::the_database_url_is_percent_encoded(&db(stack), service(stack, "django")).await;
}
