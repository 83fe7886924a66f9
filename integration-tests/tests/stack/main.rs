//! The classic deployment, tested as a user would: PostgreSQL, a Django application served by
//! Gunicorn on a Unix socket in a shared *socket volume*, its static files in a shared *static
//! volume*, and nginx in front, serving `/static/` itself and proxying the rest to Gunicorn.
//! Every request goes through nginx's port, published on 127.0.0.1.
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
use seaworthy::LogOptions;

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

#[container_test]
async fn admin_redirects_to_the_login_page(nginx: &NginxContainer) {
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

#[container_test]
async fn login_page_and_its_css_served_by_nginx(
    nginx: &NginxContainer,
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

#[container_test]
async fn a_host_not_allowed_gets_400(nginx: &NginxContainer, django: &ContainerDefinition) {
    let response = nginx
        .http_client()
        .unwrap()
        .get("/admin/")
        .header("Host", "evil.example")
        .send()
        .await
        .unwrap();
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

#[container_test]
async fn django_logs_requests_to_stdout(nginx: &NginxContainer, django: &ContainerDefinition) {
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

#[container_test]
async fn the_database_url_is_percent_encoded(
    postgresql: &PostgresContainer,
    django: &ContainerDefinition,
) {
    assert_eq!(
        postgresql.database_url(),
        "postgres://mysite:s3cr%2Ft%40x@postgresql:5432/mysite"
    );
    // Django migrated its tables at start, through that URL.
    let out = postgresql
        .exec_psql("SELECT count(*) FROM django_migrations WHERE app = 'admin'")
        .await
        .unwrap();
    assert_eq!(out.exit_code, 0, "{}", out.stderr_str());
    assert_ne!(out.stdout_str().trim(), "0");
    assert_eq!(
        django.get_env("DATABASE_URL"),
        Some(postgresql.database_url().as_str())
    );
}
