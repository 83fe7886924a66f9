//! Running the binaries and scratch directories for fake executables.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// argparse's usage block for `dcd`.
pub(crate) const USAGE: &str = "\
usage: dcd [-h] [-t TAG [TAG ...]] [-V VERSION] [-L] [-S] [-P PRECISION] [-Z]
           [-r REGISTRY] [-v] [--dry-run] [--executable EXECUTABLE]
           image [image ...]
";

/// Runs `dcd` with `args`, no stdin, and captures everything.
pub(crate) fn dcd(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_dcd"), args)
}

/// Runs `docker-ci-deploy` with `args`.
pub(crate) fn docker_ci_deploy(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_docker-ci-deploy"), args)
}

/// Runs `dcd` with `args` and the environment variables `envs` (retries configured there
/// win over the default of [`run`]).
pub(crate) fn dcd_env(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = command(env!("CARGO_BIN_EXE_dcd"), args);
    command.envs(envs.iter().copied());
    command.output().expect("the dcd binary runs")
}

fn command(binary: &str, args: &[&str]) -> Command {
    // prerequisite: none (the dcd binaries built by cargo)
    let mut command = Command::new(binary);
    command
        .args(args)
        .stdin(Stdio::null())
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_OUTPUT")
        // 0.3.0 stopped at the first failed push; these tests compare with it. The retries
        // have tests of their own (`running::push_is_retried`).
        .env("DCD_RETRY_ATTEMPTS", "1");
    command
}

fn run(binary: &str, args: &[&str]) -> Output {
    command(binary, args).output().expect("the dcd binary runs")
}

/// Asserts the exit status, stdout and stderr of a run, byte for byte.
#[track_caller]
pub(crate) fn assert_output(output: &Output, code: i32, stdout: &str, stderr: &str) {
    let got_out = String::from_utf8_lossy(&output.stdout);
    let got_err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        (output.status.code(), got_out.as_ref(), got_err.as_ref()),
        (Some(code), stdout, stderr),
        "exit status, stdout and stderr"
    );
}

/// Joins lines, each ending in a newline, as 0.3.0's tests compare output.
pub(crate) fn lines(lines: &[&str]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// A scratch directory, removed when dropped.
pub(crate) struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh directory under the system's temporary directory.
    pub(crate) fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "dcd-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("the temporary directory can be created");
        Self { path }
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes an executable `/bin/sh` script and returns its path.
    pub(crate) fn script(&self, name: &str, body: &str) -> String {
        let path = self.path.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}")).expect("the script can be written");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("the script can be made executable");
        path.to_str().expect("temporary paths are UTF-8").to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
