//! Registry mode (`dcd --in-registry`) against real registries: Debian's `docker-registry`
//! started by each test on a free port of 127.0.0.1, with a temporary config and storage, and
//! killed when the test ends. No Docker engine and no `docker` executable are involved: the
//! images are pushed through the Registry API by the test, and dcd runs with a `PATH` that has
//! no `docker` on it.
//!
//! `DCD_DOCKER_REGISTRY` overrides the registry binary. Without it the tests print why and
//! pass, unless `SEAWORTHY_REQUIRE_DOCKER=1` is set (as in CI). The TLS test also needs
//! `htpasswd` (Debian's apache2-utils).

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest as _, Sha256};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const ACCEPT_ALL: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// Skips the test with `reason` (returns true), or fails it when CI requires it to run.
fn skip(reason: &str) -> bool {
    if std::env::var("SEAWORTHY_REQUIRE_DOCKER").as_deref() == Ok("1") {
        panic!("{reason}, and SEAWORTHY_REQUIRE_DOCKER=1 requires this test to run");
    }
    eprintln!("skipping: {reason}");
    true
}

fn registry_binary() -> String {
    std::env::var("DCD_DOCKER_REGISTRY").unwrap_or_else(|_| "/usr/bin/docker-registry".to_owned())
}

/// A scratch directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "dcd-registry-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("the temporary directory can be created");
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("the parent directory can be created");
        }
        std::fs::write(&path, content).expect("the file can be written");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// TLS and basic auth for a registry.
struct Secured {
    cert: PathBuf,
    key: PathBuf,
    htpasswd: PathBuf,
}

/// A running registry, killed (by its PID) when dropped.
struct Registry {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: TempDir,
}

impl Registry {
    /// Starts a registry; `None` (after [`skip`]) when the binary is missing.
    fn start(secured: Option<&Secured>) -> Option<Self> {
        for _ in 0..3 {
            let mut registry = Self::spawn(secured)?;
            match registry.wait_until_listening() {
                Ok(()) => return Some(registry),
                Err(log) if log.contains("address already in use") => continue,
                Err(log) => panic!("the registry exited before it was ready; its log:\n{log}"),
            }
        }
        panic!("no free port for the registry after 3 attempts");
    }

    fn spawn(secured: Option<&Secured>) -> Option<Self> {
        let binary = registry_binary();
        let dir = TempDir::new("server");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("storage").display()
        );
        if let Some(secured) = secured {
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\nauth:\n  htpasswd:\n    realm: dcd-test\n    path: {}\n",
                secured.cert.display(),
                secured.key.display(),
                secured.htpasswd.display()
            ));
        }
        let config_path = dir.write("config.yml", config.as_bytes());
        let log = dir.path().join("registry.log");
        let log_file = std::fs::File::create(&log).expect("the log can be created");
        let child = Command::new(&binary)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("the log can be shared"))
            .stderr(log_file)
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(error) if error.kind() == ErrorKind::NotFound => {
                skip(&format!(
                    "`{binary}` was not found (install Debian's docker-registry)"
                ));
                return None;
            }
            Err(error) => panic!("could not start `{binary}`: {error}"),
        };
        Some(Self {
            child,
            port,
            log,
            _dir: dir,
        })
    }

    fn wait_until_listening(&mut self) -> Result<(), String> {
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                return Err(format!("(exited with {status})\n{log}"));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP/1.1 answer.
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// One plain-HTTP request to 127.0.0.1:`port` (the connection is closed after it).
fn http(port: u16, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).expect("the registry accepts connections");
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .expect("the request can be sent");
    stream.write_all(body).expect("the body can be sent");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .expect("the answer can be read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 4 + size..];
    }
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Pushes a blob (monolithic upload) and returns its digest.
fn push_blob(port: u16, repo: &str, bytes: &[u8]) -> String {
    let digest = sha256(bytes);
    let started = http(
        port,
        "POST",
        &format!("/v2/{repo}/blobs/uploads/"),
        &[],
        b"",
    );
    assert_eq!(
        started.status,
        202,
        "{}",
        String::from_utf8_lossy(&started.body)
    );
    let location = &started.headers["location"];
    let path = location
        .strip_prefix(&format!("http://127.0.0.1:{port}"))
        .unwrap_or(location);
    let separator = if path.contains('?') { '&' } else { '?' };
    let done = http(
        port,
        "PUT",
        &format!("{path}{separator}digest={digest}"),
        &[("Content-Type", "application/octet-stream")],
        bytes,
    );
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.body));
    digest
}

/// Pushes a manifest under `reference` (a tag or digest); returns the registry's digest.
fn push_manifest(port: u16, repo: &str, reference: &str, media_type: &str, bytes: &[u8]) -> String {
    let answer = http(
        port,
        "PUT",
        &format!("/v2/{repo}/manifests/{reference}"),
        &[("Content-Type", media_type)],
        bytes,
    );
    assert_eq!(
        answer.status,
        201,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let digest = answer.headers["docker-content-digest"].clone();
    assert_eq!(digest, sha256(bytes));
    digest
}

/// The digest a tag resolves to (`None` if it does not exist).
fn resolve(port: u16, repo: &str, reference: &str) -> Option<String> {
    let answer = http(
        port,
        "HEAD",
        &format!("/v2/{repo}/manifests/{reference}"),
        &[("Accept", ACCEPT_ALL)],
        b"",
    );
    (answer.status == 200).then(|| answer.headers["docker-content-digest"].clone())
}

fn tags(port: u16, repo: &str) -> Vec<String> {
    let answer = http(port, "GET", &format!("/v2/{repo}/tags/list"), &[], b"");
    assert_eq!(answer.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    let mut tags: Vec<String> = json["tags"]
        .as_array()
        .expect("a tag list")
        .iter()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    tags.sort();
    tags
}

/// A single-platform image made in the test: its manifest bytes and blob digests.
struct Image {
    manifest: Vec<u8>,
    config: (String, Vec<u8>),
    layer: (String, Vec<u8>),
}

fn image(label: &str, architecture: &str) -> Image {
    let layer = format!("layer of {label}\n").repeat(100).into_bytes();
    let layer_digest = sha256(&layer);
    let config = format!(
        r#"{{"architecture":"{architecture}","os":"linux","rootfs":{{"type":"layers","diff_ids":["{layer_digest}"]}},"config":{{}}}}"#
    )
    .into_bytes();
    let config_digest = sha256(&config);
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer_digest}","size":{}}}]}}"#,
        config.len(),
        layer.len()
    )
    .into_bytes();
    Image {
        manifest,
        config: (config_digest, config),
        layer: (layer_digest, layer),
    }
}

/// Pushes `image` to `repo:reference` on a plain registry; returns its digest.
fn push_image(port: u16, repo: &str, reference: &str, image: &Image) -> String {
    push_blob(port, repo, &image.config.1);
    push_blob(port, repo, &image.layer.1);
    push_manifest(port, repo, reference, OCI_MANIFEST, &image.manifest)
}

/// A directory with no `docker` in it, for `PATH`.
fn path_without_docker(dir: &TempDir) -> PathBuf {
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin can be created");
    bin
}

/// Runs dcd with `args`, `PATH` set to `path`, and `envs`.
fn dcd(args: &[&str], path: &Path, envs: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dcd"));
    command
        .args(args)
        .env("PATH", path)
        .env("DOCKER_CONFIG", path.join("no-docker-config"))
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    for var in ["GITHUB_ACTIONS", "GITHUB_REF", "GITLAB_CI", "TRAVIS"] {
        command.env_remove(var);
    }
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().expect("dcd runs")
}

#[track_caller]
fn assert_output(output: &Output, code: i32, stdout: &str, stderr: &str) {
    assert_eq!(
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).as_ref(),
            String::from_utf8_lossy(&output.stderr).as_ref()
        ),
        (Some(code), stdout, stderr)
    );
}

/// A plain registry, a scratch directory and a `PATH` without docker; `None` when skipped.
fn plain_setup(label: &str) -> Option<(Registry, TempDir, PathBuf)> {
    let registry = Registry::start(None)?;
    let scratch = TempDir::new(label);
    let path = path_without_docker(&scratch);
    Some((registry, scratch, path))
}

#[test]
fn single_platform_image_is_tagged_in_the_registry() {
    let Some((registry, _scratch, path)) = plain_setup("single") else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let image = image("single", "amd64");
    let digest = push_image(port, "app", "sha-abc123", &image);

    let output = dcd(
        &[
            "--in-registry",
            "-V",
            "1.2.3",
            "-S",
            "-L",
            "-t",
            "latest",
            "--",
            &format!("{address}/app:sha-abc123"),
        ],
        &path,
        &[],
    );
    let expected: String = ["1.2.3", "1.2", "1", "latest"]
        .iter()
        .map(|tag| format!("{address}/app:{tag} {digest}\n"))
        .collect();
    assert_output(&output, 0, &expected, "");
    assert_eq!(
        tags(port, "app"),
        ["1", "1.2", "1.2.3", "latest", "sha-abc123"]
    );
    for tag in ["1", "1.2", "1.2.3", "latest"] {
        assert_eq!(
            resolve(port, "app", tag).as_deref(),
            Some(digest.as_str()),
            "{tag}"
        );
    }

    // A source pinned by digest.
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "pinned",
            "--",
            &format!("{address}/app@{digest}"),
        ],
        &path,
        &[],
    );
    assert_output(&output, 0, &format!("{address}/app:pinned {digest}\n"), "");
    assert_eq!(
        resolve(port, "app", "pinned").as_deref(),
        Some(digest.as_str())
    );
}

#[test]
fn multi_platform_index_keeps_its_digest_here_and_on_another_registry() {
    let Some((registry, _scratch, path)) = plain_setup("multi") else {
        return;
    };
    let Some(mirror) = Registry::start(None) else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let amd64 = image("amd64", "amd64");
    let arm64 = image("arm64", "arm64");
    let amd64_digest = push_image(port, "multi", &sha256(&amd64.manifest), &amd64);
    let arm64_digest = push_image(port, "multi", &sha256(&arm64.manifest), &arm64);
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"{OCI_MANIFEST}","digest":"{amd64_digest}","size":{},"platform":{{"architecture":"amd64","os":"linux"}}}},{{"mediaType":"{OCI_MANIFEST}","digest":"{arm64_digest}","size":{},"platform":{{"architecture":"arm64","os":"linux"}}}}]}}"#,
        amd64.manifest.len(),
        arm64.manifest.len()
    );
    let index_digest = push_manifest(port, "multi", "sha-1", OCI_INDEX, index.as_bytes());

    let output = dcd(
        &[
            "--in-registry",
            "-V",
            "2.0",
            "-L",
            "--",
            &format!("{address}/multi:sha-1"),
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        &format!(
            "{address}/multi:2.0-sha-1 {index_digest}\n{address}/multi:sha-1 {index_digest}\n"
        ),
        "",
    );
    assert_eq!(
        resolve(port, "multi", "2.0-sha-1").as_deref(),
        Some(index_digest.as_str())
    );

    // To a second registry: child manifests and every blob are copied.
    let output = dcd(
        &[
            "--in-registry",
            "-v",
            "-t",
            "1",
            "2",
            "-r",
            &mirror.address(),
            "--",
            &format!("{address}/multi:sha-1"),
        ],
        &path,
        &[],
    );
    let to = format!("{}/multi", mirror.address());
    let copied = |image: &Image, digest: &str| {
        format!(
            "Copied blob {} ({} bytes) into {to}\nCopied blob {} ({} bytes) into {to}\nCopied manifest {digest} into {to}\n",
            image.config.0,
            image.config.1.len(),
            image.layer.0,
            image.layer.1.len()
        )
    };
    assert_output(
        &output,
        0,
        &format!(
            "GET manifest {address}/multi:sha-1\nCOPY blobs of {address}/multi:sha-1 into {to}\n{}{}PUT manifest {to}:1\n{to}:1 {index_digest}\nPUT manifest {to}:2\n{to}:2 {index_digest}\n",
            copied(&amd64, &amd64_digest),
            copied(&arm64, &arm64_digest)
        ),
        "",
    );
    for tag in ["1", "2"] {
        assert_eq!(
            resolve(mirror.port, "multi", tag).as_deref(),
            Some(index_digest.as_str())
        );
    }
    assert_eq!(
        resolve(mirror.port, "multi", &arm64_digest).as_deref(),
        Some(arm64_digest.as_str())
    );
    let layer = http(
        mirror.port,
        "GET",
        &format!("/v2/multi/blobs/{}", arm64.layer.0),
        &[],
        b"",
    );
    assert_eq!(
        (layer.status, sha256(&layer.body)),
        (200, arm64.layer.0.clone())
    );
}

#[test]
fn another_repository_on_the_same_registry_mounts_the_blobs() {
    let Some((registry, _scratch, path)) = plain_setup("mount") else {
        return;
    };
    let (port, address) = (registry.port, registry.address());
    let image = image("mount", "amd64");
    let digest = push_image(port, "app", "src", &image);

    let output = dcd(
        &[
            "--in-registry",
            "-v",
            "-t",
            "1.0",
            "-r",
            &format!("{address}/mirror"),
            "--",
            &format!("{address}/app:src"),
        ],
        &path,
        &[],
    );
    let to = format!("{address}/mirror/app");
    assert_output(
        &output,
        0,
        &format!(
            "GET manifest {address}/app:src\nMOUNT blobs of {address}/app:src into {to} (copying any the registry does not mount)\nMounted blob {} into {to}\nMounted blob {} into {to}\nPUT manifest {to}:1.0\n{to}:1.0 {digest}\n",
            image.config.0, image.layer.0
        ),
        "",
    );
    assert_eq!(
        resolve(port, "mirror/app", "1.0").as_deref(),
        Some(digest.as_str())
    );
    let layer = http(
        port,
        "HEAD",
        &format!("/v2/mirror/app/blobs/{}", image.layer.0),
        &[],
        b"",
    );
    assert_eq!(layer.status, 200);
}

#[test]
fn unknown_source_and_unreachable_registry() {
    let Some((registry, _scratch, path)) = plain_setup("unknown") else {
        return;
    };
    let address = registry.address();
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "x",
            "--",
            &format!("{address}/nope:missing"),
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        1,
        "",
        &format!("error: {address}/nope:missing was not found in registry {address}\n"),
    );

    // A later failure lists the tags already created: nothing half-done looks like success.
    let image = image("half", "amd64");
    let digest = push_image(registry.port, "app", "src", &image);
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "x",
            "--",
            &format!("{address}/app:src"),
            &format!("{address}/nope:missing"),
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        1,
        &format!("{address}/app:x {digest}\n"),
        &format!("error: {address}/nope:missing was not found in registry {address} (tags already created: {address}/app:x)\n"),
    );

    let closed = TcpListener::bind("127.0.0.1:0")
        .expect("a port")
        .local_addr()
        .expect("its address")
        .port();
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "x",
            "--",
            &format!("127.0.0.1:{closed}/app:1"),
        ],
        &path,
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: cannot reach registry 127.0.0.1:{closed}: "
        )) && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn dry_run_prints_the_registry_operations() {
    let scratch = TempDir::new("dry");
    let path = path_without_docker(&scratch);
    let output = dcd(
        &[
            "--in-registry",
            "--dry-run",
            "-V",
            "1.2.3",
            "-S",
            "-L",
            "-t",
            "latest",
            "--",
            "reg.io/app:sha-abc",
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        "GET manifest reg.io/app:sha-abc\nPUT manifest reg.io/app:1.2.3\nPUT manifest reg.io/app:1.2\nPUT manifest reg.io/app:1\nPUT manifest reg.io/app:latest\n",
        "",
    );
    let output = dcd(
        &[
            "--in-registry",
            "--dry-run",
            "-v",
            "-V",
            "2",
            "-L",
            "-r",
            "mirror.io:5000",
            "reg.io/app:sha-abc",
            "reg.io/app:x",
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        // 0.3.0's --registry rule: `reg.io` is a valid path component, so it is kept.
        "GET manifest reg.io/app:sha-abc\nCOPY blobs of reg.io/app:sha-abc into mirror.io:5000/reg.io/app\nPUT manifest mirror.io:5000/reg.io/app:2-sha-abc\nPUT manifest mirror.io:5000/reg.io/app:sha-abc\nGET manifest reg.io/app:x\nCOPY blobs of reg.io/app:x into mirror.io:5000/reg.io/app\nPUT manifest mirror.io:5000/reg.io/app:2-x\nPUT manifest mirror.io:5000/reg.io/app:x\n",
        "",
    );
    let output = dcd(
        &[
            "--in-registry",
            "--dry-run",
            "-v",
            "-V",
            "1",
            "-L",
            "-r",
            "reg.io:5000/team",
            "reg.io:5000/app:1",
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        "GET manifest reg.io:5000/app:1\nMOUNT blobs of reg.io:5000/app:1 into reg.io:5000/team/app (copying any the registry does not mount)\nPUT manifest reg.io:5000/team/app:1\nPUT manifest reg.io:5000/team/app:latest\n",
        "",
    );
    let output = dcd(
        &[
            "--in-registry",
            "--dry-run",
            "-v",
            "-V",
            "1",
            "-L",
            "reg.io/app:1",
        ],
        &path,
        &[],
    );
    assert_output(
        &output,
        0,
        "GET manifest reg.io/app:1\nNot tagging \"reg.io/app:1\" as itself\nPUT manifest reg.io/app:latest\n",
        "",
    );
}

/// A CA, and a certificate for 127.0.0.1 it signed, as PEM.
fn certificates() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "dcd test CA");
    let ca_key = KeyPair::generate().expect("a CA key");
    let ca = ca_params.self_signed(&ca_key).expect("the CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("server params");
    params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let key = KeyPair::generate().expect("a server key");
    let cert = params
        .signed_by(&key, &issuer)
        .expect("the server certificate");
    (ca.pem(), cert.pem(), key.serialize_pem())
}

fn base64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn basic_auth_over_tls_with_docker_config_and_credential_helper() {
    let htpasswd_ok = Command::new("htpasswd")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !htpasswd_ok {
        skip("`htpasswd` was not found (install Debian's apache2-utils)");
        return;
    }
    let (user, password) = ("dcd-user", "s3cret-Pa55word");
    let dir = TempDir::new("tls");
    let (ca, cert, key) = certificates();
    let htpasswd = Command::new("htpasswd")
        .args(["-Bbn", user, password])
        .output()
        .expect("htpasswd runs");
    assert!(htpasswd.status.success());
    let secured = Secured {
        cert: dir.write("server.crt", cert.as_bytes()),
        key: dir.write("server.key", key.as_bytes()),
        htpasswd: dir.write("htpasswd", &htpasswd.stdout),
    };
    let Some(registry) = Registry::start(Some(&secured)) else {
        return;
    };
    let address = registry.address();
    let certs_dir = dir.path().join("certs.d");
    dir.write(&format!("certs.d/{address}/ca.crt"), ca.as_bytes());

    // Push the source image with the library (it is the only TLS client the test has).
    let good_config = dir.write(
        "good/config.json",
        format!(
            r#"{{"auths":{{"{address}":{{"auth":"{}"}}}}}}"#,
            base64(&format!("{user}:{password}"))
        )
        .as_bytes(),
    );
    let image = image("tls", "amd64");
    let source =
        seaworthy_registry::Reference::parse(&format!("{address}/app:src")).expect("a reference");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let digest = runtime.block_on(async {
        let config = seaworthy_registry::DockerConfig::load_file(&good_config).expect("the config");
        let options = seaworthy_registry::ClientOptions {
            certs_dir: certs_dir.clone(),
            ..Default::default()
        };
        let mut client = seaworthy_registry::Client::new(options, config);
        for (digest, bytes) in [&image.config, &image.layer] {
            client
                .upload_blob(&source, digest, bytes.clone().into())
                .await
                .expect("blob upload");
        }
        let manifest = seaworthy_registry::Manifest {
            media_type: OCI_MANIFEST.to_owned(),
            bytes: image.manifest.clone().into(),
            digest: sha256(&image.manifest),
        };
        client
            .put_manifest(&source, &manifest)
            .await
            .expect("manifest upload")
    });

    let bin = path_without_docker(&dir);
    let certs = ("DCD_CERTS_DIR", certs_dir.as_path());
    let mut outputs = Vec::new();
    // Credentials from auths.
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "from-auths",
            "--",
            &format!("{address}/app:src"),
        ],
        &bin,
        &[certs, ("DOCKER_CONFIG", &dir.path().join("good"))],
    );
    assert_output(
        &output,
        0,
        &format!("{address}/app:from-auths {digest}\n"),
        "",
    );
    outputs.push(output.clone());

    // Credentials from a credHelpers entry: a helper script on PATH.
    let helper = bin.join("docker-credential-dcdtest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread -r server\n[ \"$server\" = \"{address}\" ] || {{ echo 'credentials not found in native keychain'; exit 1; }}\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{password}\"}}\\n' \"$server\"\n"
        ),
    )
    .expect("the helper can be written");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir.write(
        "helper/config.json",
        format!(r#"{{"credHelpers":{{"{address}":"dcdtest"}}}}"#).as_bytes(),
    );
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "from-helper",
            "--",
            &format!("{address}/app:src"),
        ],
        &bin,
        &[certs, ("DOCKER_CONFIG", &dir.path().join("helper"))],
    );
    assert_output(
        &output,
        0,
        &format!("{address}/app:from-helper {digest}\n"),
        "",
    );
    outputs.push(output.clone());

    // Wrong credentials: the unauthorized error, and the password is printed nowhere.
    let wrong = "wr0ng-Pa55word";
    dir.write(
        "wrong/config.json",
        format!(
            r#"{{"auths":{{"{address}":{{"auth":"{}"}}}}}}"#,
            base64(&format!("{user}:{wrong}"))
        )
        .as_bytes(),
    );
    let output = dcd(
        &[
            "--in-registry",
            "-v",
            "-t",
            "denied",
            "--",
            &format!("{address}/app:src"),
        ],
        &bin,
        &[certs, ("DOCKER_CONFIG", &dir.path().join("wrong"))],
    );
    assert_output(
        &output,
        1,
        &format!("GET manifest {address}/app:src\n"),
        &format!("error: registry {address} refused the credentials for pull access to app: run `docker login {address}`\n"),
    );
    outputs.push(output.clone());
    // No credentials at all.
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "anon",
            "--",
            &format!("{address}/app:src"),
        ],
        &bin,
        &[certs],
    );
    assert_output(
        &output,
        1,
        "",
        &format!("error: registry {address} requires credentials for pull access to app: run `docker login {address}`\n"),
    );
    outputs.push(output.clone());
    // Without the CA, TLS fails and the message says so on one line.
    let output = dcd(
        &[
            "--in-registry",
            "-t",
            "x",
            "--",
            &format!("{address}/app:src"),
        ],
        &bin,
        &[
            ("DOCKER_CONFIG", &dir.path().join("good")),
            ("DCD_CERTS_DIR", &dir.path().join("none")),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code() == Some(1)
            && stderr.starts_with(&format!("error: cannot reach registry {address}: "))
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    outputs.push(output);
    for secret in [
        password,
        wrong,
        &base64(&format!("{user}:{password}")),
        &base64(&format!("{user}:{wrong}")),
    ] {
        for output in &outputs {
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(!all.contains(secret), "a secret was printed: {all}");
        }
    }
}
