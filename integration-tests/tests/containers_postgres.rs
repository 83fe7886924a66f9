//! `PostgresContainer` against `seaworthy-test/postgres:15` (Seaworthy's
//! `tests/containers/test_postgresql.py`, adapted: aliases hold the name, the data directory's
//! tmpfs belongs to uid 999, and the database URL is checked from another container).
use seaworthy::prelude::*;

#[fixture(scope = "module")]
fn postgres_image() -> ImageDefinition {
    ImageDefinition::build(
        "seaworthy-test/postgres:15",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../test-images/postgres"),
    )
}

#[fixture(scope = "module")]
fn postgresql(postgres_image: &ImageDefinition) -> PostgresContainer {
    PostgresContainer::new("postgresql").image(postgres_image.tag())
}

/// A second container of the same image, on the same network, to connect as a client would.
#[fixture]
fn psql_client(
    postgres_image: &ImageDefinition,
    postgresql: &PostgresContainer,
) -> ContainerDefinition {
    let _ = postgresql;
    ContainerDefinition::new("client", postgres_image.tag()).command(["sleep", "infinity"])
}

#[container_test]
async fn inspection(postgresql: &PostgresContainer, psql_client: &ContainerDefinition) {
    let _ = psql_client; // puts postgresql on a network, under its name
    let inspect = postgresql.inspect().await.unwrap();
    let config = inspect.config.unwrap();
    assert_eq!(config.image.as_deref(), Some("seaworthy-test/postgres:15"));
    let docker_name = postgresql.docker_name().unwrap();
    assert_eq!(
        inspect.name.as_deref(),
        Some(format!("/{docker_name}").as_str())
    );
    assert!(docker_name.contains("_postgresql_"), "{docker_name}");

    let env = config.env.unwrap();
    for var in [
        "POSTGRES_DB=database",
        "POSTGRES_USER=user",
        "POSTGRES_PASSWORD=password",
    ] {
        assert!(env.iter().any(|e| e == var), "{var} not in {env:?}");
    }

    let tmpfs = inspect.host_config.unwrap().tmpfs.unwrap();
    assert_eq!(
        tmpfs,
        [(
            "/var/lib/postgresql/data".to_string(),
            "uid=999,gid=999".to_string()
        )]
        .into()
    );

    let networks = inspect.network_settings.unwrap().networks.unwrap();
    assert!(
        networks
            .values()
            .any(|n| n.aliases.iter().flatten().any(|a| a == "postgresql")),
        "no network gives the alias `postgresql`: {networks:?}"
    );
}

#[container_test]
async fn list_resources(#[clean] postgresql: &PostgresContainer) {
    let databases = postgresql.list_databases().await.unwrap();
    assert!(
        databases.iter().any(|row| row[0] == "database"),
        "{databases:?}"
    );
    assert_eq!(
        postgresql.list_tables().await.unwrap(),
        Vec::<Vec<String>>::new()
    );

    let users = postgresql.list_users().await.unwrap();
    let user = users.iter().find(|row| row[0] == "user").unwrap();
    assert!(user[1].contains("Superuser"), "{user:?}");
    // PostgreSQL 15's `Member of` column (gone in 16).
    if let Some(member_of) = user.get(2) {
        assert_eq!(member_of, "{}");
    }
}

#[container_test]
async fn list_tables(#[clean] postgresql: &PostgresContainer) {
    let out = postgresql
        .exec_psql("CREATE TABLE mytable(name varchar(40))")
        .await
        .unwrap();
    assert_eq!(out.exit_code, 0, "{}", out.stderr_str());
    assert_eq!(
        postgresql.list_tables().await.unwrap(),
        [["public", "mytable", "table", "user"]]
    );
}

#[container_test]
async fn exec_psql_reports_errors(postgresql: &PostgresContainer) {
    let out = postgresql
        .exec_psql("SELECT * FROM no_such_table")
        .await
        .unwrap();
    assert_ne!(out.exit_code, 0);
    assert!(
        out.stderr_str().contains("no_such_table"),
        "{}",
        out.stderr_str()
    );
    let out = postgresql.exec_psql("SELECT 40 + 2").await.unwrap();
    assert_eq!(out.stdout_str(), "42\n");
}

#[test]
fn database_url() {
    assert_eq!(
        PostgresContainer::default().database_url(),
        "postgres://user:password@postgresql:5432/database"
    );
    let custom = PostgresContainer::new("database")
        .database("db")
        .user("dbuser")
        .password("secret");
    assert_eq!(
        custom.database_url(),
        "postgres://dbuser:secret@database:5432/db"
    );
    let awkward = PostgresContainer::default().password("s3cr/t@x:%");
    assert_eq!(
        awkward.database_url(),
        "postgres://user:s3cr%2Ft%40x%3A%25@postgresql:5432/database"
    );
}

/// The URL works from another container on the network, password and all.
#[container_test]
async fn database_url_connects(postgresql: &PostgresContainer, psql_client: &ContainerDefinition) {
    let out = psql_client
        .exec_ok([
            "psql",
            &postgresql.database_url(),
            "-tAc",
            "SELECT current_user || '@' || current_database()",
        ])
        .await
        .unwrap();
    assert_eq!(out.stdout_str(), "user@database\n");
}

#[fixture]
fn own_postgresql(postgres_image: &ImageDefinition) -> PostgresContainer {
    PostgresContainer::new("own")
        .image(postgres_image.tag())
        .password("s3cr/t")
}

#[container_test]
async fn clean_resets_the_database(own_postgresql: &PostgresContainer) {
    let pg = own_postgresql;
    pg.exec_psql("CREATE TABLE mytable(name varchar(40))")
        .await
        .unwrap();
    assert_eq!(pg.list_tables().await.unwrap().len(), 1);
    pg.clean().await.unwrap();
    assert_eq!(pg.list_tables().await.unwrap(), Vec::<Vec<String>>::new());
    // Still there, still owned by the user, and still usable with the same URL.
    let databases = pg.list_databases().await.unwrap();
    let db = databases.iter().find(|r| r[0] == "database").unwrap();
    assert_eq!(db[1], "user");
}

/// The official image's double start: the ready line is logged twice, with the init step between.
#[container_test]
async fn readiness_survives_the_double_start(postgresql: &PostgresContainer) {
    let logs = postgresql.logs().await.unwrap();
    assert_eq!(
        logs.matches(PostgresContainer::READY_PATTERN).count(),
        2,
        "{logs}"
    );
    assert!(logs.contains("PostgreSQL init process complete; ready for start up."));
    // The server runs as the postgres user, PID 1. (`processes()`, not `process_tree()`: the
    // container is shared, and another test's `psql` would be a second root.)
    let processes = postgresql.processes().await.unwrap();
    let server = processes.iter().find(|p| p.pid == 1).unwrap();
    assert_eq!(server.ruser, "postgres");
    assert!(server.args.starts_with("postgres"), "{server:?}");
}
