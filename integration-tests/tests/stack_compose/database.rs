//! The `#[clean]` tests of `tests/stack/database.rs`, on a module-scoped Compose stack whose
//! clean empties the database (`ComposeStack::clean_exec`).

use super::*;

#[container_test]
async fn a_cleaned_database_is_empty(#[clean] stack: &ComposeStack) {
    bodies::a_cleaned_database_is_empty(&db(stack)).await;
}

#[container_test]
async fn migrations_fill_a_cleaned_database(#[clean] stack: &ComposeStack) {
    bodies::migrations_fill_a_cleaned_database(&db(stack), service(stack, "django")).await;
}

#[container_test]
async fn a_superuser_logs_in_through_nginx(#[clean] stack: &ComposeStack) {
    bodies::a_superuser_logs_in_through_nginx(
        &db(stack),
        service(stack, "django"),
        service(stack, "nginx"),
    )
    .await;
}
