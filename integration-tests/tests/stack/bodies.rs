//! The stack's tests, written once over the containers they need: `tests/stack` runs them on
//! containers made by fixtures, `tests/stack_compose` on the services of a Compose file. Both
//! must pass the same bodies.

use std::time::Duration;

use seaworthy::prelude::*;
use seaworthy::{ExecOutput, LogOptions};

/// The stack's PostgreSQL, however it was made: its container and the URL Django is given.
pub(crate) struct Db<'a> {
    pub(crate) container: &'a ContainerDefinition,
    pub(crate) url: String,
}

impl Db<'_> {
    /// `psql -qtA` as the `postgres` OS user, on the stack's database (whatever its exit code).
    pub(crate) async fn psql(&self, sql: &str) -> ExecOutput {
        self.container
            .exec_with(
                Exec::new([
                    "psql", "-qtA", "--dbname", "mysite", "-U", "mysite", "-c", sql,
                ])
                .user("postgres"),
            )
            .await
            .unwrap()
    }

    /// The rows `sql` selects, one line each; fails unless `psql` succeeds.
    async fn rows(&self, sql: &str) -> Vec<String> {
        let out = self.psql(sql).await;
        assert_eq!(out.exit_code, 0, "{}", out.stderr_str());
        out.stdout_lines()
    }

    /// The tables of the public schema, by name.
    pub(crate) async fn tables(&self) -> Vec<String> {
        self.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            .await
    }

    async fn usernames(&self) -> Vec<String> {
        self.rows("SELECT username FROM auth_user ORDER BY username")
            .await
    }
}

/// A query string no other test uses, to find this test's request in shared logs.
fn probe(test: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "probe={test}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Polls a container's stdout until a line satisfies `pred` (logs reach Docker asynchronously).
async fn stdout_line(c: &ContainerDefinition, pred: impl Fn(&str) -> bool) -> Option<String> {
    for _ in 0..100 {
        let out = c
            .logs_with(LogOptions::default().stderr(false))
            .await
            .unwrap();
        if let Some(line) = out.lines().find(|l| pred(l)) {
            return Some(line.to_string());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

pub(crate) async fn admin_redirects_to_the_login_page(nginx: &ContainerDefinition) {
    let response = nginx
        .http_client()
        .unwrap()
        .get("/admin/")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/admin/login/?next=/admin/");
}

pub(crate) async fn login_page_and_its_css_served_by_nginx(
    nginx: &ContainerDefinition,
    django: &ContainerDefinition,
) {
    let client = nginx.http_client().unwrap();
    let response = client
        .get("/admin/login/?next=/admin/")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("<title>Log in | Django site admin</title>"),
        "{page}"
    );
    assert!(
        page.contains(r#"href="/static/admin/css/base.css""#),
        "{page}"
    );

    let marker = probe("css");
    let css = client
        .get(&format!("/static/admin/css/base.css?{marker}"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(css.text().await.unwrap().contains("body"));

    // nginx served it from the static volume: it is in nginx's access log, not Gunicorn's.
    let in_nginx = stdout_line(nginx, |l| l.contains(&marker)).await;
    assert!(in_nginx.is_some(), "no nginx access-log line for {marker}");
    let django_log = django
        .logs_with(LogOptions::default().stderr(false))
        .await
        .unwrap();
    assert!(!django_log.contains(&marker), "{django_log}");
}

/// `GET /admin/` through nginx with `Host: evil.example`.
async fn admin_for_evil_example(nginx: &ContainerDefinition) -> reqwest::Response {
    nginx
        .http_client()
        .unwrap()
        .get("/admin/")
        .header("Host", "evil.example")
        .send()
        .await
        .unwrap()
}

pub(crate) async fn a_host_not_allowed_gets_400(
    nginx: &ContainerDefinition,
    django: &ContainerDefinition,
) {
    let response = admin_for_evil_example(nginx).await;
    assert_eq!(response.status(), 400);
    // Django says why, on stderr.
    let mut matcher =
        seaworthy::matchers::Predicate::new("the Invalid HTTP_HOST line", |l: &str| {
            l.contains("Invalid HTTP_HOST header: 'evil.example'.")
        });
    django
        .wait_for_logs_matching(&mut matcher, Duration::from_secs(10))
        .await
        .unwrap();
}

pub(crate) async fn django_logs_requests_to_stdout(
    nginx: &ContainerDefinition,
    django: &ContainerDefinition,
) {
    let marker = probe("log");
    let response = nginx
        .http_client()
        .unwrap()
        .get(&format!("/admin/?{marker}"))
        .header("User-Agent", "seaworthy-stack-test")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);

    let line = stdout_line(django, |l| l.contains(&marker))
        .await
        .unwrap_or_else(|| panic!("no access-log line for {marker} on Django's stdout"));
    // CLIENT - USER [TIME] "REQUEST LINE" STATUS BYTES "REFERER" "USER AGENT" DURATION_US
    let format = regex::Regex::new(&format!(
        r#"^\d+\.\d+\.\d+\.\d+ - - \[\d{{2}}/\w{{3}}/\d{{4}}:\d{{2}}:\d{{2}}:\d{{2}} [+-]\d{{4}}\] "GET /admin/\?{} HTTP/1\.[01]" 302 0 "-" "seaworthy-stack-test" \d+$"#,
        regex::escape(&marker)
    ))
    .unwrap();
    assert!(format.is_match(&line), "unexpected access-log line: {line}");
}

pub(crate) async fn the_database_url_is_percent_encoded(db: &Db<'_>, django: &ContainerDefinition) {
    assert_eq!(
        db.url,
        "postgres://mysite:s3cr%2Ft%40x@postgresql:5432/mysite"
    );
    // Django migrated its tables at start, through that URL.
    let migrations = db
        .rows("SELECT count(*) FROM django_migrations WHERE app = 'admin'")
        .await;
    assert_ne!(migrations, ["0"]);
    assert_eq!(django.get_env("DATABASE_URL"), Some(db.url.as_str()));
}

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

/// After a clean, the database has no table.
pub(crate) async fn a_cleaned_database_is_empty(db: &Db<'_>) {
    assert_eq!(db.tables().await, Vec::<String>::new());
}

/// After a clean, migrations make the schema again, with no user.
pub(crate) async fn migrations_fill_a_cleaned_database(db: &Db<'_>, django: &ContainerDefinition) {
    migrate(django).await;
    let tables = db.tables().await;
    assert!(tables.iter().any(|t| t == "auth_user"), "{tables:?}");
    assert_eq!(db.usernames().await, Vec::<String>::new());
}

pub(crate) async fn a_superuser_logs_in_through_nginx(
    db: &Db<'_>,
    django: &ContainerDefinition,
    nginx: &ContainerDefinition,
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
    assert_eq!(db.usernames().await, ["admin"]);

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
    let out = db.psql("SELECT count(*) FROM django_session").await;
    assert_eq!(out.stdout_str().trim(), "1");
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

/// A Django container with `GUNICORN_WORKERS=3`: Gunicorn is PID 1 with three workers, as uid
/// 1000.
pub(crate) async fn gunicorn_runs_as_a_non_root_user(django: &ContainerDefinition) {
    use seaworthy::ps::TreeShape;
    wait_for_three_workers(django).await;
    let tree = django.process_tree().await.unwrap();
    let worker = || TreeShape::new("django", GUNICORN);
    TreeShape::new("django", GUNICORN)
        .pid(1)
        .children([worker(), worker(), worker()])
        .check(&tree)
        .unwrap_or_else(|e| panic!("{e}"));
    let id = django.exec_ok(["id", "-u"]).await.unwrap();
    assert_eq!(id.stdout_str(), "1000\n");
}

/// A Django container with `GUNICORN_WORKERS=3` stops on SIGTERM with exit code 0.
pub(crate) async fn stops_cleanly_on_sigterm(django: &ContainerDefinition) {
    // A worker still importing Django handles SIGTERM only once the import is done, which on a
    // loaded 2-core machine has taken more than Docker's default 10 s grace period; so stop
    // a fully started Gunicorn, with Gunicorn's own graceful timeout (30 s) as the grace period.
    // 0 means Gunicorn exited on SIGTERM; a SIGKILL would give 137.
    wait_for_three_workers(django).await;
    let exit_code = django.stop(Duration::from_secs(30)).await.unwrap();
    assert_eq!(exit_code, Some(0));
    let logs = django.logs().await.unwrap();
    assert!(logs.contains("Handling signal: term"), "{logs}");
    assert!(logs.contains("Shutting down: Master"), "{logs}");
}

/// nginx in front of a Django container whose `ALLOWED_HOSTS` has `evil.example` too.
pub(crate) async fn a_host_allowed_through_the_environment_is_served(nginx: &ContainerDefinition) {
    let response = admin_for_evil_example(nginx).await;
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/admin/login/?next=/admin/");
}
