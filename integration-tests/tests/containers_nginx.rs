//! `NginxContainer` against `seaworthy-test/nginx` (Seaworthy's
//! `tests/containers/test_nginx.py`, adapted: aliases hold the name, port 80 is published on
//! 127.0.0.1 only, with exactly one binding).
use std::time::Duration;

use seaworthy::prelude::*;

#[fixture(scope = "module")]
fn nginx_image() -> ImageDefinition {
    ImageDefinition::build(
        "seaworthy-test/nginx:latest",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../test-images/nginx"),
    )
}

#[fixture(scope = "module")]
fn nginx(nginx_image: &ImageDefinition) -> NginxContainer {
    NginxContainer::new("nginx").image(nginx_image.tag())
}

/// A busybox on the same network, to reach nginx by its name.
#[fixture]
fn peer(nginx: &NginxContainer) -> ContainerDefinition {
    let _ = nginx;
    ContainerDefinition::new("peer", "seaworthy-test/busybox").command(["sleep", "3600"])
}

#[container_test]
async fn inspection(nginx: &NginxContainer, peer: &ContainerDefinition) {
    let inspect = nginx.inspect().await.unwrap();
    assert_eq!(
        inspect.config.unwrap().image.as_deref(),
        Some("seaworthy-test/nginx:latest")
    );
    let docker_name = nginx.docker_name().unwrap();
    assert_eq!(inspect.name.unwrap(), format!("/{docker_name}"));
    assert!(docker_name.contains("_nginx_"), "{docker_name}");

    let settings = inspect.network_settings.unwrap();
    let bindings = settings.ports.unwrap()["80/tcp"].clone().unwrap();
    assert_eq!(bindings.len(), 1, "{bindings:?}");
    assert_eq!(bindings[0].host_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        bindings[0].host_port.as_deref(),
        Some(nginx.host_port(80).await.unwrap().to_string().as_str())
    );

    let networks = settings.networks.unwrap();
    assert!(
        networks
            .values()
            .any(|n| n.aliases.iter().flatten().any(|a| a == "nginx")),
        "no network gives the alias `nginx`: {networks:?}"
    );
    let page = peer
        .exec_ok(["wget", "-qO-", "http://nginx/"])
        .await
        .unwrap();
    assert!(page
        .stdout_str()
        .contains("<title>Welcome to nginx!</title>"));
}

#[container_test]
async fn default_server(nginx: &NginxContainer) {
    let response = nginx.http_client().unwrap().get("/").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/html");
    let body = response.text().await.unwrap();
    assert!(body.contains("<title>Welcome to nginx!</title>"), "{body}");
}

#[container_test]
async fn exec_nginx(nginx: &NginxContainer) {
    let out = nginx.exec_nginx(["-V"]).await.unwrap();
    assert_eq!(out.exit_code, 0);
    // nginx prints its version on stderr.
    let first = out
        .stderr_str()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(first.starts_with("nginx version: nginx/"), "{first:?}");
}

const CONFIG: &str = r#"server {
    listen 80 default_server;
    location / {
        add_header X-Test-Header HEADER always;
        return 200 "hello\n";
    }
}
"#;

fn write_config(dir: &std::path::Path, header: &str) {
    std::fs::write(dir.join("default.conf"), CONFIG.replace("HEADER", header)).unwrap();
}

/// A config directory on the host, bind-mounted over `/etc/nginx/conf.d`.
#[fixture]
fn conf_dir() -> TempDir {
    let dir = TempDir::new("seaworthy-nginx-conf");
    write_config(&dir.0, "foo");
    dir
}

#[fixture]
fn configured_nginx(nginx_image: &ImageDefinition, conf_dir: &TempDir) -> NginxContainer {
    let dir = conf_dir.0.clone();
    NginxContainer::new("configured")
        .image(nginx_image.tag())
        .configure(move |d| d.bind(&dir, "/etc/nginx/conf.d"))
}

#[container_test]
async fn config_in_volume(configured_nginx: &NginxContainer, conf_dir: &TempDir) {
    let client = configured_nginx.http_client().unwrap();
    let header = |r: reqwest::Response| r.headers()["x-test-header"].to_str().unwrap().to_string();
    assert_eq!(header(client.get("/").send().await.unwrap()), "foo");

    write_config(&conf_dir.0, "bar");
    // Not picked up until nginx reloads.
    assert_eq!(header(client.get("/").send().await.unwrap()), "foo");
    configured_nginx.reload().await.unwrap();
    // The old workers may serve a few more requests; poll (Seaworthy: 5 × 0.1 s).
    let mut seen = String::new();
    for _ in 0..50 {
        seen = header(client.get("/").send().await.unwrap());
        if seen == "bar" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, "bar");
}

#[container_test]
async fn workers_run_as_nginx(nginx: &NginxContainer) {
    let tree = nginx.process_tree().await.unwrap();
    assert_eq!(tree.row.ruser, "root");
    assert!(
        tree.row.args.starts_with("nginx: master process"),
        "{:?}",
        tree.row
    );
    assert!(!tree.children.is_empty());
    for worker in &tree.children {
        assert_eq!(worker.row.ruser, "nginx");
        assert_eq!(worker.row.args, "nginx: worker process");
    }
}

/// A host directory removed with the fixture.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(prefix: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
