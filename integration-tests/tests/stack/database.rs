//! A module-scoped PostgreSQL, cleaned between tests with `#[clean]`: each test sees an empty
//! database, whatever the previous one wrote. (This module has its own stack: module-scoped
//! fixtures are per module of the test.)
//!
//! The harness cleans after it has set up every fixture of the test, and the module-scoped
//! Django container migrated at its start, so a test that needs Django's tables migrates again
//! after the clean: [`migrate`].

use super::*;

/// `manage.py migrate` in the Django container (its `DATABASE_URL` is in its environment).
async fn migrate(django: &ContainerDefinition) {
    django
        .exec_ok([
            "python3",
            "/app/manage.py",
            "migrate",
            "--noinput",
            "-v",
            "0",
        ])
        .await
        .unwrap();
}

async fn usernames(postgresql: &PostgresContainer) -> Vec<String> {
    let out = postgresql
        .exec_psql("SELECT username FROM auth_user ORDER BY username")
        .await
        .unwrap();
    assert_eq!(out.exit_code, 0, "{}", out.stderr_str());
    out.stdout_lines()
}

#[container_test]
async fn a_cleaned_database_is_empty(#[clean] postgresql: &PostgresContainer) {
    assert_eq!(
        postgresql.list_tables().await.unwrap(),
        Vec::<Vec<String>>::new()
    );
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
    migrate(django).await;
    let tables = postgresql.list_tables().await.unwrap();
    assert!(tables.iter().any(|t| t[1] == "auth_user"), "{tables:?}");
    assert_eq!(usernames(postgresql).await, Vec::<String>::new());
}

#[container_test]
async fn a_superuser_logs_in_through_nginx(
    #[clean] postgresql: &PostgresContainer,
    django: &ContainerDefinition,
    nginx: &NginxContainer,
) {
    migrate(django).await;
    django
        .exec_with(
            Exec::new([
                "python3",
                "/app/manage.py",
                "createsuperuser",
                "--noinput",
                "--username",
                "admin",
                "--email",
                "admin@example.com",
            ])
            .env("DJANGO_SUPERUSER_PASSWORD", "correct horse"),
        )
        .await
        .map(|out| assert_eq!(out.exit_code, 0, "{}", out.stderr_str()))
        .unwrap();
    assert_eq!(usernames(postgresql).await, ["admin"]);

    // The login form, with its CSRF cookie and token, then the POST.
    let client = nginx.http_client().unwrap();
    let form = client
        .get("/admin/login/?next=/admin/")
        .send()
        .await
        .unwrap();
    let cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("csrftoken="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let page = form.text().await.unwrap();
    let token = regex::Regex::new(r#"name="csrfmiddlewaretoken" value="([^"]+)""#)
        .unwrap()
        .captures(&page)
        .unwrap()[1]
        .to_string();
    let response = client
        .post("/admin/login/?next=/admin/")
        .header("Cookie", format!("csrftoken={cookie}"))
        .header("Referer", client.url("/admin/login/").to_string())
        .form(&[
            ("csrfmiddlewaretoken", token.as_str()),
            ("username", "admin"),
            ("password", "correct horse"),
            ("next", "/admin/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/admin/");
    // The session was stored in the database.
    let out = postgresql
        .exec_psql("SELECT count(*) FROM django_session")
        .await
        .unwrap();
    assert_eq!(out.stdout_str().trim(), "1");
}
