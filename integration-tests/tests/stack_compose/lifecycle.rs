//! The tests of `tests/stack/lifecycle.rs` that run on the stack's containers, each on a
//! function-scoped stack of its own with the test's variant of Django's environment
//! (`ComposeStack::env`).

use super::*;

/// The stack with three Gunicorn workers.
#[fixture]
fn three_workers() -> Result<ComposeStack, ComposeError> {
    Ok(tutorial_stack()?.env("django", "GUNICORN_WORKERS", "3"))
}

/// The stack with Django also allowing `evil.example`.
#[fixture]
fn more_hosts() -> Result<ComposeStack, ComposeError> {
    Ok(tutorial_stack()?.env(
        "django",
        "ALLOWED_HOSTS",
        "localhost,127.0.0.1,evil.example",
    ))
}

#[container_test]
async fn gunicorn_runs_as_a_non_root_user(three_workers: &ComposeStack) {
    bodies::gunicorn_runs_as_a_non_root_user(service(three_workers, "django")).await;
}

#[container_test]
async fn stops_cleanly_on_sigterm(three_workers: &ComposeStack) {
    bodies::stops_cleanly_on_sigterm(service(three_workers, "django")).await;
}

#[container_test]
async fn a_host_allowed_through_the_environment_is_served(more_hosts: &ComposeStack) {
    bodies::a_host_allowed_through_the_environment_is_served(service(more_hosts, "nginx")).await;
}
