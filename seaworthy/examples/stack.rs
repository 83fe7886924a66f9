//! The nginx + Django + PostgreSQL stack, set up with the library directly (no test harness):
//! build the images, create a network and two volumes, start PostgreSQL, Django and nginx,
//! request `/admin/` through nginx's published port, and tear everything down.
//!
//! ```text
//! scripts/prepare-images          # once: the local Debian base image the Dockerfiles start FROM
//! cargo run -p seaworthy --example stack   # add `-- --keep` to leave it running until you press Enter
//! ```
//!
//! The tests of the same stack, with fixtures, are in `integration-tests/tests/stack/`.

use std::time::{Duration, Instant};

use seaworthy::containers::{NginxContainer, PostgresContainer};
use seaworthy::{
    ContainerDefinition, DockerHelper, ImageBuild, ImageDefinition, NetworkDefinition,
    VolumeDefinition, Wait,
};

fn images_dir(name: &str) -> String {
    format!("{}/../test-images/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::main]
async fn main() {
    let keep = std::env::args().any(|a| a == "--keep");
    let helper = match DockerHelper::connect().await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let result = run(&helper, keep).await;
    // Whatever happened: remove every container, volume and network this helper created.
    match helper.teardown().await {
        Ok(removed) => println!("removed {} Docker resource(s)", removed.total()),
        Err(e) => eprintln!("teardown: {e}"),
    }
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(helper: &DockerHelper, keep: bool) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();

    // 1. Images, built from the Dockerfiles in test-images/ (skipped when unchanged).
    println!("building images...");
    let postgres_image =
        ImageDefinition::build("seaworthy-test/postgres:15", images_dir("postgres"));
    let django_image =
        ImageDefinition::build("seaworthy-test/django-app:latest", images_dir("django-app"));
    let nginx_image = ImageDefinition::build("seaworthy-test/nginx:latest", images_dir("nginx"));
    let stack_nginx_image = ImageDefinition::build(
        "seaworthy-test/stack-nginx:latest",
        ImageBuild::new(images_dir("stack-nginx")).build_arg("NGINX_IMAGE", nginx_image.tag()),
    );
    for image in [
        &postgres_image,
        &django_image,
        &nginx_image,
        &stack_nginx_image,
    ] {
        image.setup(helper).await?;
    }

    // 2. A network (containers reach each other by name on it) and the two shared volumes.
    let network = NetworkDefinition::new("stack");
    network.setup(helper).await?;
    let socket = VolumeDefinition::new("socket");
    let statics = VolumeDefinition::new("static");
    socket.setup(helper).await?;
    statics.setup(helper).await?;

    // 3. PostgreSQL, reachable as `postgresql`.
    let postgresql = PostgresContainer::new("postgresql")
        .image(postgres_image.tag())
        .database("mysite")
        .user("mysite")
        .password("s3cr/t@x")
        .configure({
            let network = network.clone();
            move |d| d.network(&network)
        });
    postgresql.setup(helper).await?;
    println!(
        "postgresql ready; Django will use {}",
        postgresql.database_url()
    );

    // 4. Django: Gunicorn on a unix socket in the socket volume, static files in the static one.
    let django = ContainerDefinition::new("django", django_image.tag())
        .network(&network)
        .env("DATABASE_URL", postgresql.database_url())
        .env("ALLOWED_HOSTS", "localhost,127.0.0.1")
        .env("SECRET_KEY", "not-a-secret-only-for-the-example")
        .volume(&socket, "/run/gunicorn")
        .volume(&statics, "/app/static")
        .wait_for(Wait::logs([r"Listening at: unix:"]))
        .wait_timeout(Duration::from_secs(60));
    django.setup(helper).await?;
    println!("django ready");

    // 5. nginx in front, port 80 published on 127.0.0.1.
    let nginx = NginxContainer::new("nginx")
        .image(stack_nginx_image.tag())
        .configure({
            let (socket, statics) = (socket.clone(), statics.clone());
            move |d| {
                d.volume(&socket, "/run/gunicorn")
                    .volume(&statics, "/app/static:ro")
            }
        });
    nginx.setup(helper).await?;
    let client = nginx.http_client()?;
    println!(
        "the stack is up after {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        client.url("/admin/")
    );

    // 6. A request, as a browser would make it.
    let response = client.get("/admin/").send().await?;
    println!(
        "GET /admin/ -> {} {}",
        response.status(),
        response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(|l| format!("(Location: {l})"))
            .unwrap_or_default()
    );
    let login = client.get("/admin/login/?next=/admin/").send().await?;
    println!("GET /admin/login/?next=/admin/ -> {}", login.status());
    // Gunicorn writes a request's access-log line once the response has gone out, so the
    // line can reach Docker's log after the client has the response: wait for the last one.
    let mut last_request =
        seaworthy::matchers::Regex::new(r#""GET /admin/login/\?next=/admin/ HTTP/1\.[01]" 200 "#)?;
    django
        .wait_for_logs_matching(&mut last_request, Duration::from_secs(10))
        .await?;
    println!("Django's access log (its stdout; nginx's readiness probe got the 404):");
    let stdout = django
        .logs_with(seaworthy::LogOptions::default().stderr(false))
        .await?;
    for line in stdout.lines().filter(|l| l.contains(" HTTP/1.")) {
        println!("  {line}");
    }

    if keep {
        println!(
            "open {} in a browser; press Enter to tear the stack down",
            client.url("/admin/")
        );
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
    }
    println!("tearing down...");
    Ok(())
}
