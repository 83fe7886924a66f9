//! Test support: Debian's `docker-registry` started on a free port of 127.0.0.1 (plain, or
//! with TLS and basic auth), images pushed through the Registry API without an engine, and a
//! throw-away CA. Shared by dcd's registry-mode tests and seaworthy's pull tests; compiled only
//! with the `test-support` feature.
//!
//! `DCD_DOCKER_REGISTRY` overrides the registry binary. Without it the tests print why and
//! pass, unless `SEAWORTHY_REQUIRE_DOCKER=1` is set (as in CI).
#![allow(missing_docs, unreachable_pub, clippy::missing_panics_doc)]

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub use crate::fault_proxy::{Fault, FaultProxy};
pub use crate::manifest::{OCI_INDEX, OCI_MANIFEST};

/// Every manifest media type, for `Accept`.
pub const ACCEPT_ALL: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// Skips the test with `reason` (returns true), or fails it when CI requires it to run.
///
/// A skip is never a silent "ok": it is printed, and appended as `<reason>\t<test>` to the file
/// `SEAWORTHY_SKIP_LOG` names (the format of seaworthy's own skips), which `scripts/test` sums
/// up at the end of the run.
pub fn skip(reason: &str) -> bool {
    if std::env::var("SEAWORTHY_REQUIRE_DOCKER").as_deref() == Ok("1") {
        panic!("{reason}, and SEAWORTHY_REQUIRE_DOCKER=1 requires this test to run");
    }
    // libtest names the test's thread after the test; the binary's name (without cargo's
    // hash) says which suite it is in.
    let thread = std::thread::current();
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|stem| {
            stem.rsplit_once('-')
                .map_or(stem.clone(), |(name, _)| name.to_string())
        })
        .unwrap_or_default();
    let test = format!("{binary}::{}", thread.name().unwrap_or("a test"));
    // Straight to stderr: libtest captures `eprintln!` of a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "skipping `{test}`: {reason} (set SEAWORTHY_REQUIRE_DOCKER=1 to make this a failure)"
    );
    if let Some(log) = std::env::var_os("SEAWORTHY_SKIP_LOG").filter(|p| !p.is_empty()) {
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        let line = format!("{}\t{}\n", clean(reason), clean(&test));
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = appended {
            panic!("cannot record the skip in SEAWORTHY_SKIP_LOG={log:?}: {e}");
        }
    }
    true
}

/// Whether `program` (on `PATH`) can be started; when it cannot, skips the test (or fails it
/// in CI) with a reason that names the entry of `scripts/prerequisites.txt` that provides it.
pub fn require_program(program: &str, package: &str) -> bool {
    let found = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(program)).is_ok_and(|m| {
                m.is_file()
                    && std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0
            })
        })
    });
    found
        || !skip(&format!(
            "`{program}` is not installed (`{package}` in scripts/prerequisites.txt; \
             scripts/prerequisites install)"
        ))
}

pub fn registry_binary() -> String {
    std::env::var("DCD_DOCKER_REGISTRY").unwrap_or_else(|_| "/usr/bin/docker-registry".to_owned())
}

/// A scratch directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "seaworthy-registry-test-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("the temporary directory can be created");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, content: &[u8]) -> PathBuf {
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
pub struct Secured {
    /// The server certificate (PEM).
    pub cert: PathBuf,
    /// Its key (PEM).
    pub key: PathBuf,
    /// The htpasswd file (bcrypt).
    pub htpasswd: PathBuf,
}

/// A running registry, killed (by its PID) when dropped.
pub struct Registry {
    child: Child,
    /// The port on 127.0.0.1.
    pub port: u16,
    log: PathBuf,
    _dir: TempDir,
}

impl Registry {
    /// Starts a registry; `None` (after [`skip`]) when the binary is missing.
    pub fn start(secured: Option<&Secured>) -> Option<Self> {
        let binary = registry_binary();
        let registry = Self::start_binary(&binary, secured);
        if registry.is_none() {
            skip(&format!(
                "`{binary}` was not found (`docker-registry` in scripts/prerequisites.txt; \
                 scripts/prerequisites install)"
            ));
        }
        registry
    }

    /// Starts `binary` on a free port of 127.0.0.1; `None` when the binary does not exist.
    pub fn start_binary(binary: &str, secured: Option<&Secured>) -> Option<Self> {
        // The free port is found by binding and releasing it, so another process may take it
        // before the registry binds it; then try another one.
        for _ in 0..3 {
            let mut registry = Self::spawn(binary, secured)?;
            match registry.wait_until_listening() {
                Ok(()) => return Some(registry),
                Err(log) if log.contains("address already in use") => continue,
                Err(log) => panic!("the registry exited before it was ready; its log:\n{log}"),
            }
        }
        panic!("no free port for the registry after 3 attempts");
    }

    fn spawn(binary: &str, secured: Option<&Secured>) -> Option<Self> {
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
                "  tls:\n    certificate: {}\n    key: {}\nauth:\n  htpasswd:\n    realm: seaworthy-test\n    path: {}\n",
                secured.cert.display(),
                secured.key.display(),
                secured.htpasswd.display()
            ));
        }
        let config_path = dir.write("config.yml", config.as_bytes());
        let log = dir.path().join("registry.log");
        let log_file = std::fs::File::create(&log).expect("the log can be created");
        // prerequisite: docker-registry
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("the log can be shared"))
            .stderr(log_file)
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(error) if error.kind() == ErrorKind::NotFound => return None,
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

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The registry's log so far, with its access log (one line per request).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP/1.1 answer.
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: HashMap<String, String>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

/// One plain-HTTP request to 127.0.0.1:`port` (the connection is closed after it).
pub fn http(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
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

pub fn dechunk(mut data: &[u8]) -> Vec<u8> {
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

pub fn sha256(bytes: &[u8]) -> String {
    crate::manifest::sha256_digest(bytes)
}

/// Pushes a blob (monolithic upload) and returns its digest.
pub fn push_blob(port: u16, repo: &str, bytes: &[u8]) -> String {
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
pub fn push_manifest(
    port: u16,
    repo: &str,
    reference: &str,
    media_type: &str,
    bytes: &[u8],
) -> String {
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
pub fn resolve(port: u16, repo: &str, reference: &str) -> Option<String> {
    let answer = http(
        port,
        "HEAD",
        &format!("/v2/{repo}/manifests/{reference}"),
        &[("Accept", ACCEPT_ALL)],
        b"",
    );
    (answer.status == 200).then(|| answer.headers["docker-content-digest"].clone())
}

pub fn tags(port: u16, repo: &str) -> Vec<String> {
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
pub struct Image {
    /// The manifest's bytes (OCI).
    pub manifest: Vec<u8>,
    /// The config blob: digest and bytes.
    pub config: (String, Vec<u8>),
    /// The layer blobs: digest and bytes.
    pub layers: Vec<(String, Vec<u8>)>,
}

pub fn image(label: &str, architecture: &str) -> Image {
    let layer = format!("layer of {label}\n").repeat(100).into_bytes();
    assemble(architecture, vec![layer])
}

/// An image an engine can pull and unpack: `layers` uncompressed tar layers, each holding one
/// file (`/layer-N`, `size` bytes that depend on `label`), for linux/amd64.
pub fn tar_image(label: &str, layers: usize, size: usize) -> Image {
    tar_image_for(label, layers, size, "amd64")
}

/// [`tar_image`] for linux/`architecture` (`arm64`, …).
pub fn tar_image_for(label: &str, layers: usize, size: usize, architecture: &str) -> Image {
    let blobs = (0..layers)
        .map(|n| {
            let content: Vec<u8> = format!("{label} layer {n}\n")
                .bytes()
                .cycle()
                .take(size)
                .collect();
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(0);
            header.set_cksum();
            let mut builder = tar::Builder::new(Vec::new());
            builder
                .append_data(&mut header, format!("layer-{n}"), content.as_slice())
                .expect("a tar entry in memory");
            builder.into_inner().expect("a tar in memory")
        })
        .collect();
    assemble(architecture, blobs)
}

fn assemble(architecture: &str, layers: Vec<Vec<u8>>) -> Image {
    let layers: Vec<(String, Vec<u8>)> = layers.into_iter().map(|l| (sha256(&l), l)).collect();
    let diff_ids: Vec<String> = layers.iter().map(|(d, _)| format!("\"{d}\"")).collect();
    let config = format!(
        r#"{{"architecture":"{architecture}","os":"linux","rootfs":{{"type":"layers","diff_ids":[{}]}},"config":{{}}}}"#,
        diff_ids.join(",")
    )
    .into_bytes();
    let config_digest = sha256(&config);
    let descriptors: Vec<String> = layers
        .iter()
        .map(|(d, l)| {
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{d}","size":{}}}"#,
                l.len()
            )
        })
        .collect();
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{}}},"layers":[{}]}}"#,
        config.len(),
        descriptors.join(",")
    )
    .into_bytes();
    Image {
        manifest,
        config: (config_digest, config),
        layers,
    }
}

/// Pushes `image` to `repo:reference` on a plain registry; returns its digest.
pub fn push_image(port: u16, repo: &str, reference: &str, image: &Image) -> String {
    push_blob(port, repo, &image.config.1);
    for (_, layer) in &image.layers {
        push_blob(port, repo, layer);
    }
    push_manifest(port, repo, reference, OCI_MANIFEST, &image.manifest)
}

/// A CA, and a certificate for 127.0.0.1 it signed, as PEM.
pub fn certificates() -> (String, String, String) {
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

pub fn base64(text: &str) -> String {
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

/// Whether `htpasswd` (Debian's apache2-utils) can run; skips (or fails in CI) when not.
pub fn have_htpasswd() -> bool {
    require_program("htpasswd", "apache2-utils")
}

/// TLS (a fresh CA and a certificate for 127.0.0.1) and basic auth for `user`/`password`,
/// written into `dir`; returns them and the CA (PEM).
pub fn secure(dir: &TempDir, user: &str, password: &str) -> (Secured, String) {
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
    (secured, ca)
}

/// A registry with TLS and basic auth for `user`/`password` (see [`secure`]) and its CA (PEM);
/// `None` (after [`skip`]) without `htpasswd` or the registry binary.
pub fn start_secured(dir: &TempDir, user: &str, password: &str) -> Option<(Registry, String)> {
    if !have_htpasswd() {
        return None;
    }
    let (secured, ca) = secure(dir, user, password);
    Registry::start(Some(&secured)).map(|registry| (registry, ca))
}

/// Pushes `image` to `reference` with the library's client (TLS with the CAs under
/// `certs_dir`, credentials from the docker config `config`); returns the manifest digest.
pub async fn push_with_client(
    reference: &crate::Reference,
    image: &Image,
    certs_dir: &Path,
    config: &Path,
) -> String {
    let config = crate::DockerConfig::load_file(config).expect("the config");
    let options = crate::ClientOptions {
        certs_dir: certs_dir.to_owned(),
        ..Default::default()
    };
    let mut client = crate::Client::new(options, config);
    for (digest, bytes) in std::iter::once(&image.config).chain(&image.layers) {
        client
            .upload_blob(reference, digest, bytes.clone().into())
            .await
            .expect("blob upload");
    }
    let manifest = crate::Manifest {
        media_type: OCI_MANIFEST.to_owned(),
        bytes: image.manifest.clone().into(),
        digest: sha256(&image.manifest),
    };
    client
        .put_manifest(reference, &manifest)
        .await
        .expect("manifest upload")
}

/// An executable `docker-credential-NAME` script in `bin` that answers `user`/`password` for
/// `server` and "credentials not found" for any other.
pub fn credential_helper(bin: &Path, name: &str, server: &str, user: &str, password: &str) {
    let helper = bin.join(format!("docker-credential-{name}"));
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread -r server\n[ \"$server\" = \"{server}\" ] || {{ echo 'credentials not found in native keychain'; exit 1; }}\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{password}\"}}\\n' \"$server\"\n"
        ),
    )
    .expect("the helper can be written");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}
