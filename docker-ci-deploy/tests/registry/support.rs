//! Running dcd against the test registries.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use seaworthy_registry::test_support::{Registry, TempDir};

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
