//! Running dcd against the test registries.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use seaworthy_registry::test_support::{base64, start_secured, Registry, TempDir};

/// A directory with no `docker` in it, for `PATH`.
pub(crate) fn path_without_docker(dir: &TempDir) -> PathBuf {
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin can be created");
    bin
}

/// Runs dcd with `args`, `PATH` set to `path`, and `envs`.
pub(crate) fn dcd(args: &[&str], path: &Path, envs: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dcd"));
    command
        .args(args)
        .env("PATH", path)
        .env("DOCKER_CONFIG", path.join("no-docker-config"))
        .env_remove("NO_COLOR")
        // Short waits between retries: the tests count attempts, never time.
        .env("DCD_RETRY_DELAY_MS", "1")
        .stdin(Stdio::null());
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_OUTPUT",
        "GITHUB_REF",
        "GITLAB_CI",
        "TRAVIS",
    ] {
        command.env_remove(var);
    }
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().expect("dcd runs")
}

#[track_caller]
pub(crate) fn assert_output(output: &Output, code: i32, stdout: &str, stderr: &str) {
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
pub(crate) fn plain_setup(label: &str) -> Option<(Registry, TempDir, PathBuf)> {
    let registry = Registry::start(None)?;
    let scratch = TempDir::new(label);
    let path = path_without_docker(&scratch);
    Some((registry, scratch, path))
}

/// A registry with TLS and basic auth, set up in `dir`.
pub(crate) struct Secured {
    pub(crate) registry: Registry,
    /// `127.0.0.1:PORT`.
    pub(crate) address: String,
    /// The CA directory (`DCD_CERTS_DIR`), with the registry's CA.
    pub(crate) certs_dir: PathBuf,
    /// `DIR/good/config.json`, with the right credentials in `auths`.
    pub(crate) config: PathBuf,
}

/// A registry with TLS and basic auth for `user`/`password`, its CA under `DIR/certs.d` and a
/// docker config with the credentials under `DIR/good`; `None` when skipped.
pub(crate) fn secured_setup(dir: &TempDir, user: &str, password: &str) -> Option<Secured> {
    let (registry, ca) = start_secured(dir, user, password)?;
    let address = registry.address();
    let certs_dir = dir.path().join("certs.d");
    dir.write(&format!("certs.d/{address}/ca.crt"), ca.as_bytes());
    let config = auths_config(dir, "good", &address, user, password).join("config.json");
    Some(Secured {
        registry,
        address,
        certs_dir,
        config,
    })
}

/// Writes `DIR/NAME/config.json` with `user`/`password` for `address` in `auths`; returns
/// `DIR/NAME`, for `DOCKER_CONFIG`.
pub(crate) fn auths_config(
    dir: &TempDir,
    name: &str,
    address: &str,
    user: &str,
    password: &str,
) -> PathBuf {
    dir.write(
        &format!("{name}/config.json"),
        format!(
            r#"{{"auths":{{"{address}":{{"auth":"{}"}}}}}}"#,
            base64(&format!("{user}:{password}"))
        )
        .as_bytes(),
    );
    dir.path().join(name)
}

/// A current-thread runtime for the library client the TLS tests push with.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}
