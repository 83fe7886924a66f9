//! The runner: prints (`--dry-run`) or runs the planned steps with the docker CLI.
//!
//! A docker command inherits dcd's stdout and stderr, so its output streams through byte for
//! byte as it happens (0.3.0 buffered it until the command ended). dcd's own lines are
//! flushed before each command starts, so they keep their place in the output.
//!
//! A failed `docker push` is run again, as the [`RetryPolicy`] allows (pushing the same
//! tag twice is safe; `docker tag` is local and is not retried): dcd says so on stderr, and
//! the final error names the attempts made.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus};

use seaworthy_registry::RetryPolicy;

use crate::errors::ExpectedError;
use crate::plan::Step;

/// How the steps are carried out.
#[derive(Debug, Clone)]
pub(crate) struct Runner {
    /// `argv[0]` of every docker command (`--executable`).
    pub(crate) executable: String,
    /// Print the commands instead of running them (`--dry-run`).
    pub(crate) dry_run: bool,
    /// Say what is about to happen (`--verbose`).
    pub(crate) verbose: bool,
    /// How a failed `docker push` is retried.
    pub(crate) retry: RetryPolicy,
}

/// Maps a failure to write dcd's own output.
fn stdout_error(reason: io::Error) -> ExpectedError {
    ExpectedError::Output {
        stream: "stdout",
        reason,
    }
}

impl Runner {
    /// Carries out `steps` in order, writing dcd's own lines to `out`; stops at the first
    /// docker command that fails.
    pub(crate) fn run(&self, steps: &[Step], out: &mut dyn Write) -> Result<(), ExpectedError> {
        for step in steps {
            match step {
                Step::SkipSelfTag { image } => {
                    if self.verbose {
                        writeln!(out, "Not tagging \"{image}\" as itself").map_err(stdout_error)?;
                    }
                }
                Step::Tag { source, target } => {
                    if self.verbose {
                        writeln!(out, "Tagging \"{source}\" as \"{target}\"...")
                            .map_err(stdout_error)?;
                    }
                    self.docker(&["tag", source, target], out)?;
                }
                Step::Push { target } => {
                    if self.verbose {
                        writeln!(out, "Pushing tag \"{target}\"...").map_err(stdout_error)?;
                    }
                    self.docker_retrying(&["push", target], out)?;
                }
            }
        }
        out.flush().map_err(stdout_error)
    }

    /// [`docker`](Self::docker), run again after a failure as the policy allows.
    fn docker_retrying(&self, args: &[&str], out: &mut dyn Write) -> Result<(), ExpectedError> {
        let started = std::time::Instant::now();
        let mut attempt = 1;
        loop {
            let (command, status) = match self.docker(args, out) {
                Err(ExpectedError::CommandFailed { command, status }) => (command, status),
                other => return other,
            };
            match self.retry.wait(attempt + 1, None, started.elapsed()) {
                Ok(wait) => {
                    out.flush().map_err(stdout_error)?;
                    // On stderr, beside docker's own complaint.
                    writeln!(
                        io::stderr(),
                        "dcd: `{command}` {status}; trying again in {:.1} s (attempt {} of {})",
                        wait.as_secs_f64(),
                        attempt + 1,
                        self.retry.attempts
                    )
                    .map_err(|reason| ExpectedError::Output {
                        stream: "stderr",
                        reason,
                    })?;
                    std::thread::sleep(wait);
                    attempt += 1;
                }
                Err(reason) if attempt > 1 => {
                    return Err(ExpectedError::CommandFailed {
                        command,
                        status: format!("{status} (gave up after {attempt} attempts: {reason})"),
                    })
                }
                Err(_) => return Err(ExpectedError::CommandFailed { command, status }),
            }
        }
    }

    /// The digest `reference` was pushed with, from the engine's `RepoDigests`; `None` when
    /// the engine does not say.
    pub(crate) fn digest_of(&self, reference: &str) -> Option<String> {
        self.repo_digests(reference, reference).into_iter().next()
    }

    /// The digests the local `image` has in `reference`'s repository (the engine's
    /// `RepoDigests`); none when the engine does not say.
    pub(crate) fn repo_digests(&self, image: &str, reference: &str) -> Vec<String> {
        let Ok(name) = seaworthy_registry::Reference::parse(reference).map(|r| r.name()) else {
            return Vec::new();
        };
        // prerequisite: none (the docker CLI the user names with --executable)
        let output = Command::new(OsStr::new(&self.executable))
            .args([
                "image",
                "inspect",
                "--format",
                "{{range .RepoDigests}}{{println .}}{{end}}",
                image,
            ])
            .stderr(std::process::Stdio::null())
            .output();
        let Ok(output) = output else {
            return Vec::new();
        };
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| {
                let (repository, digest) = line.trim().split_once('@')?;
                let same = seaworthy_registry::Reference::parse(repository)
                    .is_ok_and(|r| r.name() == name);
                same.then(|| digest.to_owned())
            })
            .collect()
    }

    /// Prints or runs one docker command.
    fn docker(&self, args: &[&str], out: &mut dyn Write) -> Result<(), ExpectedError> {
        let command_line = std::iter::once(self.executable.as_str())
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        if self.dry_run {
            return writeln!(out, "{command_line}").map_err(stdout_error);
        }
        out.flush().map_err(stdout_error)?;
        // prerequisite: none (the docker CLI the user names with --executable; the tests use a stand-in)
        let status = Command::new(OsStr::new(&self.executable))
            .args(args)
            .status()
            .map_err(|reason| match reason.kind() {
                io::ErrorKind::NotFound => ExpectedError::ExecutableNotFound {
                    command: command_line.clone(),
                    executable: self.executable.clone(),
                },
                _ => ExpectedError::Spawn {
                    command: command_line.clone(),
                    reason,
                },
            })?;
        if status.success() {
            Ok(())
        } else {
            Err(ExpectedError::CommandFailed {
                command: command_line,
                status: describe(status),
            })
        }
    }
}

/// `exited with status 3` or `was killed by signal 9`.
fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => format!("ended with {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runner(executable: &str, dry_run: bool, verbose: bool) -> Runner {
        Runner {
            executable: executable.to_owned(),
            dry_run,
            verbose,
            retry: RetryPolicy::none(),
        }
    }

    fn output(runner: &Runner, steps: &[Step]) -> String {
        let mut out = Vec::new();
        runner.run(steps, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn tag(source: &str, target: &str) -> Step {
        Step::Tag {
            source: source.to_owned(),
            target: target.to_owned(),
        }
    }

    fn push(target: &str) -> Step {
        Step::Push {
            target: target.to_owned(),
        }
    }

    fn skip(image: &str) -> Step {
        Step::SkipSelfTag {
            image: image.to_owned(),
        }
    }

    // 0.3.0's TestDockerCiDeployRunner, for what stays inside dcd's own output. The cases that
    // run `echo` are in tests/cli.rs, where the child's output can be captured.
    #[test]
    fn tag_dry_run() {
        assert_eq!(
            output(&runner("docker", true, false), &[tag("foo", "bar")]),
            "docker tag foo bar\n"
        );
    }

    #[test]
    fn tag_dry_run_verbose() {
        assert_eq!(
            output(&runner("docker", true, true), &[tag("foo", "bar")]),
            "Tagging \"foo\" as \"bar\"...\ndocker tag foo bar\n"
        );
    }

    #[test]
    fn tag_same_tag() {
        assert_eq!(output(&runner("echo", false, false), &[skip("bar")]), "");
    }

    #[test]
    fn tag_same_tag_verbose() {
        assert_eq!(
            output(&runner("echo", false, true), &[skip("bar")]),
            "Not tagging \"bar\" as itself\n"
        );
    }

    #[test]
    fn push_dry_run() {
        assert_eq!(
            output(&runner("docker", true, false), &[push("foo")]),
            "docker push foo\n"
        );
    }

    #[test]
    fn push_dry_run_verbose() {
        assert_eq!(
            output(&runner("/usr/local/bin/docker", true, true), &[push("foo")]),
            "Pushing tag \"foo\"...\n/usr/local/bin/docker push foo\n"
        );
    }

    #[test]
    fn failure_names_the_command_and_status() {
        let err = runner("false", false, false)
            .run(&[push("img:b"), push("img:c")], &mut Vec::new())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "command `false push img:b` exited with status 1"
        );
    }

    #[test]
    fn missing_executable() {
        let err = runner("/nonexistent/docker", false, false)
            .run(&[push("img")], &mut Vec::new())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "could not run `/nonexistent/docker push img`: executable `/nonexistent/docker` was not found"
        );
    }
}
