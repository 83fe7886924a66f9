//! End to end: `dcd` tags a local image and pushes it to a real registry on 127.0.0.1
//! (Debian's `docker-registry` package), and the registry then lists exactly the tags the
//! version implies.
//!
//! Needs a Docker engine and the `docker-registry` binary (`DCD_DOCKER_REGISTRY` overrides its
//! path; `scripts/test` installs it). Without them the test is skipped: it says why on stderr
//! (past libtest's capture) and appends `<reason>\t<test>` to the file `SEAWORTHY_SKIP_LOG`
//! names, whose lines `scripts/test` sums up at the end of the run. With
//! `SEAWORTHY_REQUIRE_DOCKER=1` (as in CI) it fails instead. Nothing is pulled: the image is imported from a tar
//! holding one file. Everything the test creates (image tags, the registry process, its
//! storage) is removed even when it fails.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use seaworthy_registry::test_support::Registry;

const E2E_TEST: &str = "dcd_pushes_every_version_tag_to_a_real_registry";

/// Skips the test with `reason`, or fails it when CI requires Docker. A skip is written to
/// stderr directly (libtest would capture `eprintln!` of a passing test) and appended to the
/// `SEAWORTHY_SKIP_LOG` file, in the format of seaworthy's own skips.
#[track_caller]
fn skip_or_fail(reason: &str) {
    if std::env::var("SEAWORTHY_REQUIRE_DOCKER").as_deref() == Ok("1") {
        panic!("{reason}, and SEAWORTHY_REQUIRE_DOCKER=1 requires this test to run");
    }
    let _ = writeln!(
        std::io::stderr(),
        "skipping the dcd end-to-end test: {reason} (set SEAWORTHY_REQUIRE_DOCKER=1 to make this a failure)"
    );
    if let Some(log) = std::env::var_os("SEAWORTHY_SKIP_LOG").filter(|p| !p.is_empty()) {
        let line = format!("{reason}\tdocker-ci-deploy::e2e::{E2E_TEST}\n");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| f.write_all(line.as_bytes()))
            .unwrap_or_else(|e| {
                panic!("cannot record the skip in SEAWORTHY_SKIP_LOG={log:?}: {e}")
            });
    }
}

/// A scratch directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        let path = std::env::temp_dir().join(format!("dcd-e2e-{label}-{}", unique()));
        std::fs::create_dir_all(&path).expect("the temporary directory can be created");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A suffix no other run shares.
fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{nanos}", std::process::id())
}

/// Image references to `docker rmi` when dropped, panic or not.
struct ImageTags(Vec<String>);

impl Drop for ImageTags {
    fn drop(&mut self) {
        for reference in &self.0 {
            let _ = Command::new("docker")
                .args(["rmi", "--force", reference])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// `GET path` over plain HTTP/1.0 on 127.0.0.1: the status code and the body.
fn http_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_owned()))
}

/// Runs a command to completion and fails the test with its output if it fails.
#[track_caller]
fn run_ok(command: &mut Command) -> Output {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("could not run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn docker_is_available() -> bool {
    Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Imports a one-file image as `reference`, pulling nothing.
fn import_image(dir: &Path, reference: &str) {
    let context = dir.join("context");
    std::fs::create_dir_all(&context).expect("the image context can be created");
    std::fs::write(context.join("hello.txt"), format!("dcd e2e {reference}\n"))
        .expect("the image file can be written");
    let tar = dir.join("image.tar");
    run_ok(
        Command::new("tar")
            .arg("-cf")
            .arg(&tar)
            .arg("-C")
            .arg(&context)
            .arg("hello.txt"),
    );
    run_ok(
        Command::new("docker")
            .arg("import")
            .arg(&tar)
            .arg(reference),
    );
}

#[test]
fn dcd_pushes_every_version_tag_to_a_real_registry() {
    if !docker_is_available() {
        skip_or_fail("no Docker engine answers `docker version`");
        return;
    }
    let binary =
        std::env::var("DCD_DOCKER_REGISTRY").unwrap_or_else(|_| "docker-registry".to_owned());
    let Some(registry) = Registry::start_binary(&binary, None) else {
        skip_or_fail(&format!(
            "`{binary}` was not found (install Debian's docker-registry package; scripts/test does)"
        ));
        return;
    };

    let name = format!("dcd-e2e-{}", unique());
    let address = registry.address();
    let tags = ["1.2.3", "1.2", "1", "latest"];
    let mut created = vec![format!("{name}:latest")];
    created.extend(tags.iter().map(|tag| format!("{address}/{name}:{tag}")));
    let _cleanup = ImageTags(created);

    let dir = TempDir::new("image");
    import_image(&dir.0, &format!("{name}:latest"));

    run_ok(
        Command::new(env!("CARGO_BIN_EXE_dcd"))
            .args(["-V", "1.2.3", "-S", "-L", "-r", &address, &name]),
    );
    let (status, body) =
        http_get(registry.port, &format!("/v2/{name}/tags/list")).expect("the registry answers");
    assert_eq!(status, 200, "tags/list answered {status}: {body}");
    let list: serde_json::Value = serde_json::from_str(&body).expect("tags/list is JSON");
    let mut pushed: Vec<&str> = list["tags"]
        .as_array()
        .unwrap_or_else(|| panic!("no tags in {body}"))
        .iter()
        .filter_map(serde_json::Value::as_str)
        .collect();
    pushed.sort_unstable();
    assert_eq!(pushed, ["1", "1.2", "1.2.3", "latest"], "tags/list: {body}");
}

/// Runs the end-to-end test alone in a child process of this binary, with `registry` as the
/// registry binary and `env` set.
fn run_e2e_child(registry: &str, env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    command
        .args(["--exact", E2E_TEST, "--test-threads", "1"])
        .env("DCD_DOCKER_REGISTRY", registry)
        .env_remove("SEAWORTHY_REQUIRE_DOCKER")
        .env_remove("SEAWORTHY_SKIP_LOG")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the test binary runs")
}

#[test]
fn without_the_registry_binary_the_e2e_test_records_a_skip_or_fails_when_required() {
    if !docker_is_available() {
        // The child would skip for the other reason; that path is the same code.
        skip_or_fail("no Docker engine answers `docker version`");
        return;
    }
    let dir = TempDir::new("skips");
    let log = dir.0.join("skips");
    let missing = "/nonexistent/docker-registry";

    let skipped = run_e2e_child(missing, &[("SEAWORTHY_SKIP_LOG", &log)]);
    let stderr = String::from_utf8_lossy(&skipped.stderr);
    assert_eq!(skipped.status.code(), Some(0), "{stderr}");
    let reason = format!(
        "`{missing}` was not found (install Debian's docker-registry package; scripts/test does)"
    );
    assert_eq!(
        stderr,
        format!("skipping the dcd end-to-end test: {reason} (set SEAWORTHY_REQUIRE_DOCKER=1 to make this a failure)\n")
    );
    assert_eq!(
        std::fs::read_to_string(&log).expect("the skip was recorded"),
        format!("{reason}\tdocker-ci-deploy::e2e::{E2E_TEST}\n")
    );

    // libtest prints a failed test's panic with its captured output, on stdout.
    let required = run_e2e_child(missing, &[("SEAWORTHY_REQUIRE_DOCKER", Path::new("1"))]);
    let stdout = String::from_utf8_lossy(&required.stdout);
    assert_eq!(required.status.code(), Some(101), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{reason}, and SEAWORTHY_REQUIRE_DOCKER=1 requires this test to run"
        )),
        "{stdout}"
    );
}
