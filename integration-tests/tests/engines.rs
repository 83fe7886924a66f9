//! Every engine our users run, simulated on this machine (127.0.0.0/8 only): a remote engine
//! (`socat` exposing the local socket over TCP), a TLS engine (`socat OPENSSL-LISTEN` with
//! certificates generated here, client certificates required), Docker contexts, and the
//! watcher's cleanup after a SIGKILL on a TCP engine.
//!
//! The engine is chosen by environment variables, which are process-wide: each case runs a
//! scenario child (an ignored test of this binary) with its own environment, and the driver
//! asserts on what it printed and on what Docker holds afterwards.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use integration_tests::{
    docker, resources_labelled, run_scenario, scenario_command, signal, wait_until_gone,
    ReadyChild, Scenario,
};
use seaworthy::prelude::*;
use seaworthy_registry::test_support::require_program;

/// Set in scenario children: the host every published port must be bound and reached at.
const EXPECT_HOST: &str = "SEAWORTHY_TEST_EXPECT_HOST";

// --- the scenarios (children) -------------------------------------------------------------

/// busybox httpd on 8080, ready when `/` answers 200: the quickstart's fixture.
#[fixture]
fn web() -> ContainerDefinition {
    ContainerDefinition::new("web", "seaworthy-test/busybox")
        .command([
            "sh",
            "-c",
            "mkdir -p /www && echo 'Hello from a container' > /www/index.html \
             && exec httpd -f -p 8080 -h /www",
        ])
        .publish(8080)
        .wait_for(Wait::http("/").status(200))
}

/// The fixture was published on, made ready at, and is served at `$EXPECT_HOST` only.
#[container_test]
#[ignore = "a scenario: run by the engine tests with the engine's environment"]
async fn serves_at_the_engine_address(web: &ContainerDefinition) {
    let expected = std::env::var(EXPECT_HOST).expect("the driver sets the expected host");
    let handle = web.handle().unwrap();
    assert_eq!(handle.helper().published_host(), expected);
    let bindings = web
        .inspect()
        .await
        .unwrap()
        .host_config
        .and_then(|h| h.port_bindings)
        .unwrap_or_default();
    let ips: Vec<Option<String>> = bindings
        .values()
        .flatten()
        .flatten()
        .map(|b| b.host_ip.clone())
        .collect();
    // Nothing on 127.0.0.1 (nor on every interface): only on the engine's address.
    assert_eq!(ips, [Some(expected.clone())]);
    let client = web.http_client().unwrap();
    assert_eq!(client.base_url().host_str(), Some(expected.as_str()));
    let response = client.get("/").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "Hello from a container\n");
    println!("SCENARIO-OK");
}

/// busybox httpd on 8081 serving what it fetched from `web` by name: on the test's own network
/// only (it depends on `web`, so the harness makes one).
#[fixture]
fn front(web: &ContainerDefinition) -> ContainerDefinition {
    let _ = web;
    ContainerDefinition::new("front", "seaworthy-test/busybox")
        .command([
            "sh",
            "-c",
            "mkdir -p /www && wget -qO /www/index.html http://web:8080/ \
             && exec httpd -f -p 8081 -h /www",
        ])
        .publish(8081)
        .wait_for(Wait::http("/").status(200))
}

/// The networks a container is on, by name, from its inspect.
fn networks_of(
    inspect: bollard::models::ContainerInspectResponse,
) -> std::collections::HashMap<String, bollard::models::EndpointSettings> {
    inspect
        .network_settings
        .and_then(|n| n.networks)
        .unwrap_or_default()
}

/// The IP address of `c` on the network named `bridge` (`true`) or on its other one.
async fn ip_on(c: &ContainerDefinition, bridge: bool) -> (String, String) {
    let (name, endpoint) = networks_of(c.inspect().await.unwrap())
        .into_iter()
        .find(|(name, _)| (name == "bridge") == bridge)
        .expect("the network");
    (name, endpoint.ip_address.unwrap())
}

/// In a container of the engine: `web` (on the default bridge) and `front` (on the test's
/// network only) are reached at their addresses there, on their own ports, by the readiness
/// checks, `http_client()` and the ports API; the runner's container joined both networks.
#[container_test]
#[ignore = "a scenario: run inside a container by a_runner_inside_a_container_reaches_fixtures_on_their_networks"]
async fn reaches_fixtures_on_their_networks(
    web: &ContainerDefinition,
    front: &ContainerDefinition,
) {
    let helper = web.handle().unwrap().helper().clone();
    let runner = helper
        .engine()
        .runner_container()
        .expect("the runner's container")
        .to_string();
    let (_, web_ip) = ip_on(web, true).await;
    let (net, front_ip) = ip_on(front, false).await;
    for (c, ip, port) in [(web, &web_ip, 8080), (front, &front_ip, 8081)] {
        assert_eq!(c.host_port(port).await.unwrap(), port);
        let published = c.ports().await.unwrap().get(port, "tcp").cloned().unwrap();
        assert_eq!(published.address(), format!("{ip}:{port}"));
        // Still published on the engine host's loopback, for a person there.
        assert_eq!(published.host_ip, "127.0.0.1");
        let client = c.http_client().unwrap();
        assert_eq!(client.base_url().as_str(), format!("http://{ip}:{port}/"));
        let response = client.get("/").send().await.unwrap();
        assert_eq!(response.text().await.unwrap(), "Hello from a container\n");
    }
    let joined = networks_of(
        helper
            .docker()
            .inspect_container(
                &runner,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
            .unwrap(),
    );
    let mut names: Vec<&String> = joined.keys().collect();
    names.sort();
    assert!(names.contains(&&"bridge".to_string()), "{names:?}");
    assert!(names.contains(&&net), "{names:?}");
    println!("SCENARIO-NETWORK {net}");
    println!("SCENARIO-OK");
}

/// Sets up on the engine, says so, then waits to be killed.
#[container_test]
#[ignore = "a scenario: killed by sigkill_on_a_tls_context_engine_leaves_nothing"]
async fn waits_on_the_engine(web: &ContainerDefinition) {
    let _ = web;
    println!("SCENARIO-READY");
    tokio::time::sleep(Duration::from_secs(600)).await;
}

/// Connecting fails; prints the error for the driver.
#[tokio::test]
#[ignore = "a scenario: run by the TLS error tests"]
async fn connect_fails() {
    let e = DockerHelper::connect().await.unwrap_err();
    println!("SCENARIO-ERROR {e}");
}

// --- support --------------------------------------------------------------------------------

/// A `socat` we started, killed by PID when dropped.
struct Socat(Child);

impl Socat {
    /// Listens with `listen` (a socat address) on `ip:port`, forwarding to the local engine;
    /// `None` when socat is not installed (the test is then recorded as skipped, or fails under
    /// SEAWORTHY_REQUIRE_DOCKER=1).
    fn start(listen: &str, ip: &str, port: u16, openssl_conf: Option<&Path>) -> Option<Socat> {
        if !require_program("socat", "socat") {
            return None;
        }
        let mut cmd = Command::new("socat");
        if let Some(conf) = openssl_conf {
            cmd.env("OPENSSL_CONF", conf);
        }
        let child = cmd
            .arg(listen)
            .arg("UNIX-CONNECT:/var/run/docker.sock")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat runs (`socat` in scripts/prerequisites.txt)");
        let socat = Socat(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect((ip, port)).is_ok() {
                return Some(socat);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("socat did not listen on {ip}:{port}");
    }

    fn plain(ip: &str, port: u16) -> Option<Socat> {
        Socat::start(
            &format!("TCP-LISTEN:{port},bind={ip},reuseaddr,fork"),
            ip,
            port,
            None,
        )
    }

    fn tls(ip: &str, port: u16, server: &Tls) -> Option<Socat> {
        Socat::start(
            &format!(
                "OPENSSL-LISTEN:{port},bind={ip},reuseaddr,fork,cert={},key={},cafile={},verify=1",
                server.dir.join("cert.pem").display(),
                server.dir.join("key.pem").display(),
                server.dir.join("ca.pem").display(),
            ),
            ip,
            port,
            Some(&server.dir.join("openssl.cnf")),
        )
    }
}

impl Drop for Socat {
    fn drop(&mut self) {
        signal(self.0.id(), libc::SIGTERM);
        let _ = self.0.wait();
    }
}

/// A directory under the temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("seaworthy-engines-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One side's TLS directory: `ca.pem`, `cert.pem`, `key.pem`.
struct Tls {
    dir: PathBuf,
}

/// A CA, a server certificate for `ip` and a client certificate it signed, written as the
/// server's and the client's (`DOCKER_CERT_PATH`) directories under `root`; the CA is named
/// after `root`.
fn certificates(root: &TempDir, ip: &str) -> (Tls, Tls) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("CA {}", root.0.display()));
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca_params, ca_key);
    let sign = |side: &str, names: Vec<String>| {
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, side);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();
        root.write(&format!("{side}/ca.pem"), &ca);
        root.write(&format!("{side}/cert.pem"), &cert.pem());
        root.write(&format!("{side}/key.pem"), &key.serialize_pem());
        Tls {
            dir: root.0.join(side),
        }
    };
    let server = sign("server", vec![ip.to_string()]);
    // Each connection is a forked socat whose OpenSSL cannot resume the session rustls offers
    // on the next one ("session id context uninitialized"): no tickets, so no resumption.
    root.write(
        "server/openssl.cnf",
        "openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\nsystem_default = sys\n\
         [sys]\nOptions = -SessionTicket\n",
    );
    let client = sign("client", Vec::new());
    (server, client)
}

/// A scenario child with a clean engine environment plus `vars`.
fn scenario(name: &str, vars: &[(&str, &str)]) -> Command {
    let mut cmd = scenario_command(&["--exact", name]);
    for var in [
        "DOCKER_HOST",
        "DOCKER_CONTEXT",
        "DOCKER_CONFIG",
        "DOCKER_TLS",
        "DOCKER_TLS_VERIFY",
        "DOCKER_CERT_PATH",
        "SEAWORTHY_PUBLISHED_HOST",
        "SEAWORTHY_PUBLISH_ADDRESS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("SEAWORTHY_REQUIRE_DOCKER", "1");
    cmd.envs(vars.iter().copied());
    cmd
}

/// Runs `serves_at_the_engine_address` with `vars`: it passes, prints `engine_line` once, and
/// the run leaves nothing behind.
async fn serves(vars: &[(&str, &str)], engine_line: &str) -> Scenario {
    let cmd = scenario("serves_at_the_engine_address", vars);
    let s = tokio::task::spawn_blocking(move || run_scenario(cmd))
        .await
        .unwrap();
    assert_eq!(s.code, Some(0), "{}", s.output());
    assert!(s.stdout.contains("SCENARIO-OK"), "{}", s.output());
    let engine_lines: Vec<&str> = s
        .stdout
        .lines()
        .filter(|l| l.starts_with("seaworthy: engine "))
        .collect();
    assert_eq!(engine_lines, [engine_line], "{}", s.output());
    let left = resources_labelled(&docker().await, &format!("seaworthy.pid={}", s.pid)).await;
    assert_eq!(left, Vec::<String>::new());
    s
}

/// Runs `connect_fails` with `vars` and returns the error it printed.
async fn connect_error(vars: &[(&str, &str)]) -> String {
    let cmd = scenario("connect_fails", vars);
    let s = tokio::task::spawn_blocking(move || run_scenario(cmd))
        .await
        .unwrap();
    assert_eq!(s.code, Some(0), "{}", s.output());
    let at = s.stdout.find("SCENARIO-ERROR ").expect("the error line");
    let rest = &s.stdout[at + "SCENARIO-ERROR ".len()..];
    // The message runs up to libtest's own `test … ok` line.
    rest[..rest.find("\ntest ").unwrap_or(rest.len())]
        .trim_end()
        .to_string()
}

fn api() -> String {
    let out = Command::new("docker")
        .args(["version", "--format", "{{.Server.APIVersion}}"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

// --- the tests (drivers) --------------------------------------------------------------------

#[tokio::test]
async fn a_remote_tcp_engine_publishes_and_is_reached_at_its_address() {
    let Some(_socat) = Socat::plain("127.0.0.2", 2375) else {
        return;
    };
    let s = serves(
        &[
            ("DOCKER_HOST", "tcp://127.0.0.2:2375"),
            (EXPECT_HOST, "127.0.0.2"),
        ],
        &format!(
            "seaworthy: engine tcp://127.0.0.2:2375 (API {}, found via DOCKER_HOST); ports \
             published on 127.0.0.2, reached at 127.0.0.2",
            api()
        ),
    )
    .await;
    assert!(
        s.stdout
            .contains("seaworthy: web publishes 8080/tcp at http://127.0.0.2:"),
        "{}",
        s.stdout
    );
}

#[tokio::test]
async fn a_tls_engine_is_used_with_docker_tls_verify() {
    let root = TempDir::new("tls");
    let (server, client) = certificates(&root, "127.0.0.3");
    let Some(_socat) = Socat::tls("127.0.0.3", 2376, &server) else {
        return;
    };
    let cert_path = client.dir.display().to_string();
    serves(
        &[
            ("DOCKER_HOST", "tcp://127.0.0.3:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", &cert_path),
            (EXPECT_HOST, "127.0.0.3"),
        ],
        &format!(
            "seaworthy: engine tcp://127.0.0.3:2376 over TLS (API {}, found via DOCKER_HOST); \
             ports published on 127.0.0.3, reached at 127.0.0.3",
            api()
        ),
    )
    .await;
}

#[tokio::test]
async fn a_wrong_ca_or_a_missing_file_is_a_clear_error() {
    let root = TempDir::new("wrong-ca");
    let (server, _) = certificates(&root, "127.0.0.3");
    let other = TempDir::new("other-ca");
    let (_, stranger) = certificates(&other, "127.0.0.3");
    let Some(_socat) = Socat::tls("127.0.0.3", 2386, &server) else {
        return;
    };
    let stranger_path = stranger.dir.display().to_string();
    let e = connect_error(&[
        ("DOCKER_HOST", "tcp://127.0.0.3:2386"),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", &stranger_path),
    ])
    .await;
    assert!(
        e.starts_with(
            "cannot connect to the Docker engine at `tcp://127.0.0.3:2386` (found via \
             DOCKER_HOST): "
        ),
        "{e}"
    );
    assert!(e.contains("invalid peer certificate: UnknownIssuer"), "{e}");
    assert!(
        e.ends_with(
            "(hint: the engine's certificate is not signed by ca.pem, or it refused ours: check \
             DOCKER_CERT_PATH (`docker version` with the same variables shows the same error))"
        ),
        "{e}"
    );

    std::fs::remove_file(stranger.dir.join("key.pem")).unwrap();
    let e = connect_error(&[
        ("DOCKER_HOST", "tcp://127.0.0.3:2386"),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", &stranger_path),
    ])
    .await;
    assert_eq!(
        e,
        format!(
            "cannot use the TLS files for the Docker engine at `tcp://127.0.0.3:2386`: {}: No \
             such file or directory (os error 2)\n(hint: DOCKER_CERT_PATH (default ~/.docker) \
             must hold ca.pem, cert.pem and key.pem, as the docker CLI reads them)",
            stranger.dir.join("key.pem").display()
        )
    );
}

/// A docker config directory with the context `remote` at `host`, TLS files copied from `tls`.
fn context_config(root: &TempDir, host: &str, tls: Option<&Tls>, current: bool) -> String {
    use sha2_id::id;
    let meta = format!(
        r#"{{"Name":"remote","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#
    );
    root.write(
        &format!("config/contexts/meta/{}/meta.json", id("remote")),
        &meta,
    );
    if let Some(tls) = tls {
        for file in ["ca.pem", "cert.pem", "key.pem"] {
            let text = std::fs::read_to_string(tls.dir.join(file)).unwrap();
            root.write(
                &format!("config/contexts/tls/{}/docker/{file}", id("remote")),
                &text,
            );
        }
    }
    if current {
        root.write("config/config.json", r#"{"currentContext":"remote"}"#);
    }
    root.0.join("config").display().to_string()
}

/// The docker CLI's store name of a context, computed by the CLI's own rule with `sha256sum`
/// (independently of the library's implementation).
mod sha2_id {
    pub(super) fn id(name: &str) -> String {
        use std::io::Write;
        let mut child = std::process::Command::new("sha256sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(name.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout)[..64].to_string()
    }
}

#[tokio::test]
async fn a_context_is_selected_by_docker_context_and_by_current_context() {
    let Some(_socat) = Socat::plain("127.0.0.2", 2395) else {
        return;
    };
    let root = TempDir::new("context");
    let config = context_config(&root, "tcp://127.0.0.2:2395", None, false);
    serves(
        &[
            ("DOCKER_CONFIG", &config),
            ("DOCKER_CONTEXT", "remote"),
            (EXPECT_HOST, "127.0.0.2"),
        ],
        &format!(
            "seaworthy: engine tcp://127.0.0.2:2395 (API {}, found via context `remote` \
             (DOCKER_CONTEXT)); ports published on 127.0.0.2, reached at 127.0.0.2",
            api()
        ),
    )
    .await;
    let config = context_config(&root, "tcp://127.0.0.2:2395", None, true);
    serves(
        &[("DOCKER_CONFIG", &config), (EXPECT_HOST, "127.0.0.2")],
        &format!(
            "seaworthy: engine tcp://127.0.0.2:2395 (API {}, found via context `remote` \
             (currentContext in {config}/config.json)); ports published on 127.0.0.2, reached \
             at 127.0.0.2",
            api()
        ),
    )
    .await;
}

#[tokio::test]
async fn a_tls_context_uses_its_own_certificates() {
    let root = TempDir::new("tls-context");
    let (server, client) = certificates(&root, "127.0.0.3");
    let Some(_socat) = Socat::tls("127.0.0.3", 2396, &server) else {
        return;
    };
    let config = context_config(&root, "tcp://127.0.0.3:2396", Some(&client), true);
    serves(
        &[("DOCKER_CONFIG", &config), (EXPECT_HOST, "127.0.0.3")],
        &format!(
            "seaworthy: engine tcp://127.0.0.3:2396 over TLS (API {}, found via context \
             `remote` (currentContext in {config}/config.json)); ports published on 127.0.0.3, \
             reached at 127.0.0.3",
            api()
        ),
    )
    .await;
}

/// The watcher reaches the engine the test used (a TLS engine chosen by a context): SIGKILL
/// leaves nothing behind.
#[tokio::test]
async fn sigkill_on_a_tls_context_engine_leaves_nothing() {
    use std::os::unix::process::ExitStatusExt;
    let root = TempDir::new("sigkill");
    let (server, client) = certificates(&root, "127.0.0.3");
    let Some(socat) = Socat::tls("127.0.0.3", 2397, &server) else {
        return;
    };
    let config = context_config(&root, "tcp://127.0.0.3:2397", Some(&client), true);
    let cmd = scenario("waits_on_the_engine", &[("DOCKER_CONFIG", &config)]);
    let (pid, status) = tokio::task::spawn_blocking(move || {
        let child = ReadyChild::start(cmd);
        let pid = child.pid();
        let created = Command::new("docker")
            .args([
                "ps",
                "-aq",
                "--filter",
                &format!("label=seaworthy.pid={pid}"),
            ])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&created.stdout).lines().count(), 1);
        (pid, child.kill(libc::SIGKILL).0)
    })
    .await
    .unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    let d = docker().await;
    let left = wait_until_gone(&d, &format!("seaworthy.pid={pid}"), Duration::from_secs(60)).await;
    assert!(left.is_ok(), "the watcher left {left:?}");
    drop(socat);
}

/// A test runner inside a container of this engine: this test binary (Debian bookworm's glibc,
/// as on this machine) in `seaworthy-test/debian` on a network of its own, with the socket and
/// the docker CLI (for the watcher) mounted, runs `reaches_fixtures_on_their_networks`. It finds
/// its container, joins the default bridge (for `web`) and the test's network (for `front`),
/// leaves the test's network before it is removed, and nothing is left.
#[tokio::test]
async fn a_runner_inside_a_container_reaches_fixtures_on_their_networks() {
    let exe = std::env::current_exe().unwrap();
    let which = Command::new("sh")
        .args(["-c", "command -v docker"])
        .output()
        .unwrap();
    let docker_cli = String::from_utf8_lossy(&which.stdout).trim().to_string();
    let name = format!("seaworthy-runner-{}", std::process::id());
    let dir = TempDir::new("runner");
    let cidfile = dir.0.join("cid");
    let own_net = Command::new("docker")
        .args(["network", "create", &name])
        .output()
        .unwrap();
    assert!(own_net.status.success(), "{own_net:?}");
    let mut cmd = Command::new("docker");
    cmd.args([
        "run",
        "--rm",
        "--name",
        &name,
        "--hostname",
        &name,
        "--network",
        &name,
    ])
    .arg("--cidfile")
    .arg(&cidfile)
    .args(["-v", "/var/run/docker.sock:/var/run/docker.sock"])
    .args(["-v", &format!("{}:/runner:ro", exe.display())])
    .args(["-v", &format!("{docker_cli}:/usr/local/bin/docker:ro")])
    .args(["-e", "SEAWORTHY_REQUIRE_DOCKER=1"])
    .arg("seaworthy-test/debian:bookworm")
    .args(["/runner", "--ignored", "--nocapture", "--exact"])
    .arg("reaches_fixtures_on_their_networks");
    let s = tokio::task::spawn_blocking(move || run_scenario(cmd))
        .await
        .unwrap();
    let removed = Command::new("docker")
        .args(["network", "rm", &name])
        .output()
        .unwrap();
    assert_eq!(s.code, Some(0), "{}", s.output());
    assert!(s.stdout.contains("SCENARIO-OK"), "{}", s.output());
    let id = std::fs::read_to_string(&cidfile).unwrap();
    let engine_line = format!(
        "seaworthy: engine unix:///var/run/docker.sock (API {}, found via the default socket); \
         ports published on 127.0.0.1, reached at 127.0.0.1; the tests run in its container {} \
         and reach containers on their networks",
        api(),
        &id[..12]
    );
    assert!(s.stdout.lines().any(|l| l == engine_line), "{}", s.output());
    let net = s
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("SCENARIO-NETWORK "))
        .unwrap();
    // The test's network was removed (the runner left it first), and so was everything else.
    let d = docker().await;
    assert!(d
        .inspect_network(
            net,
            None::<bollard::query_parameters::InspectNetworkOptions>
        )
        .await
        .is_err());
    let left = resources_labelled(&d, &format!("seaworthy.host={name}")).await;
    assert_eq!(left, Vec::<String>::new());
    assert!(d
        .inspect_container(
            &id,
            None::<bollard::query_parameters::InspectContainerOptions>
        )
        .await
        .is_err());
    assert!(removed.status.success(), "{removed:?}");
}

/// `SEAWORTHY_IN_CONTAINER=1` where the process runs in no container of the engine: a clear
/// error naming what was looked up.
#[tokio::test]
async fn in_container_forced_without_a_container_is_a_clear_error() {
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let e = connect_error(&[("SEAWORTHY_IN_CONTAINER", "1")]).await;
    assert!(
        e.starts_with(
            "SEAWORTHY_IN_CONTAINER=1, but the container the tests run in is not on the Docker \
             engine at `unix:///var/run/docker.sock` (looked up by the IDs in /proc/self/mountinfo \
             and /proc/self/cgroup and by the hostname: "
        ),
        "{e}"
    );
    assert!(
        e.ends_with(&format!(
            "{})\n(hint: run the tests in a container of this engine with its socket mounted, \
             give the container its name or ID as hostname, or set SEAWORTHY_IN_CONTAINER=0 to \
             reach published ports)",
            hostname.trim()
        )),
        "{e}"
    );
}
