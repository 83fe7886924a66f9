//! A module-scoped PostgreSQL, cleaned between tests with `#[clean]`: each test sees an empty
//! database, whatever the previous one wrote. (This module has its own stack: module-scoped
//! fixtures are per module of the test.)
//!
//! The harness cleans after it has set up every fixture of the test, and the module-scoped
//! Django container migrated at its start, so a test that needs Django's tables migrates again
//! after the clean (`migrate` in [`bodies`]).

use super::*;

#[container_test]
async fn a_cleaned_database_is_empty(#[clean] postgresql: &PostgresContainer) {
    bodies::a_cleaned_database_is_empty(&db(postgresql)).await;
}

/// `#[clean]` parameters are cleaned before the other fixtures are set up, so when this test is
/// the first to need Django, Django's start-up migrations run on the clean database; otherwise
/// the module's Django is already up, and the migrations run again here. Either way the schema
/// is there and no user is.
#[container_test]
async fn migrations_fill_a_cleaned_database(
    #[clean] postgresql: &PostgresContainer,
    django: &ContainerDefinition,
) {
    bodies::migrations_fill_a_cleaned_database(&db(postgresql), django).await;
}

#[container_test]
async fn a_superuser_logs_in_through_nginx(
    #[clean] postgresql: &PostgresContainer,
    django: &ContainerDefinition,
    nginx: &NginxContainer,
) {
    bodies::a_superuser_logs_in_through_nginx(&db(postgresql), django, nginx).await;
}
