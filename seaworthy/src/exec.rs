//! Running commands inside a container.

use std::time::Duration;

use bollard::exec::{CreateExecOptions, StartExecResults};
use futures_util::StreamExt;

use crate::engine::retry;
use crate::error::{ContainerError, EngineError};
use crate::error::{Error, Result};
use crate::handle::ContainerHandle;
use crate::runtime;

/// A command to run in a container, with its user, environment and working directory.
///
/// ```no_run
/// # async fn demo(c: &seaworthy::ContainerDefinition) -> seaworthy::Result<()> {
/// use seaworthy::Exec;
///
/// let out = c.exec_with(Exec::new(["id", "-u"]).user("nobody")).await?;
/// assert_eq!(out.exit_code, 0);
/// assert_eq!(out.stdout_str().trim(), "65534");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exec {
    cmd: Vec<String>,
    user: Option<String>,
    env: Vec<String>,
    workdir: Option<String>,
}

impl Exec {
    /// The command and its arguments (no shell is involved).
    pub fn new<I, S>(cmd: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Exec {
            cmd: cmd.into_iter().map(Into::into).collect(),
            user: None,
            env: Vec::new(),
            workdir: None,
        }
    }

    /// Run as this user (`name`, `uid` or `uid:gid`).
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// An environment variable for the command.
    pub fn env(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.env
            .push(format!("{}={}", key.as_ref(), value.as_ref()));
        self
    }

    /// The working directory.
    pub fn workdir(mut self, dir: impl Into<String>) -> Self {
        self.workdir = Some(dir.into());
        self
    }

    /// The command joined by spaces, for messages.
    pub fn command_line(&self) -> String {
        self.cmd.join(" ")
    }
}

/// What a command printed and how it exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// The exit code.
    pub exit_code: i64,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    /// `true` when the exit code is 0.
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }

    /// stdout as text (invalid UTF-8 replaced).
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (invalid UTF-8 replaced).
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// stdout (only) split into lines (`\n`, `\r\n`), without a trailing empty line.
    pub fn stdout_lines(&self) -> Vec<String> {
        crate::output::output_lines(&self.stdout)
    }
}

impl ContainerHandle {
    /// Runs a command in the container and collects its exit code and output.
    pub async fn exec<I, S>(&self, cmd: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exec_with(Exec::new(cmd)).await
    }

    /// Runs a command and fails with its output when it exits non-zero.
    pub async fn exec_ok<I, S>(&self, cmd: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exec_ok_with(Exec::new(cmd)).await
    }

    /// Runs a command described by an [`Exec`] and fails with its output when it exits non-zero.
    pub async fn exec_ok_with(&self, exec: Exec) -> Result<ExecOutput> {
        let command = exec.command_line();
        let out = self.exec_with(exec).await?;
        if out.exit_code != 0 {
            return Err(Error::from(ContainerError::ExecFailed {
                container: self.docker_name().to_string(),
                command,
                exit_code: out.exit_code,
                stdout: out.stdout_str(),
                stderr: out.stderr_str(),
            }));
        }
        Ok(out)
    }

    /// Runs a command described by an [`Exec`] (user, env, working directory).
    pub async fn exec_with(&self, exec: Exec) -> Result<ExecOutput> {
        run(self, exec).await
    }
}

/// How long the output of a command may stay silent before we ask the engine whether the
/// command still runs: an output that stays silent after the command ended is a stalled
/// connection, which bollard's request timeout (it covers the headers only) would never end.
const IDLE_CHECK: Duration = Duration::from_secs(5);

async fn run(c: &ContainerHandle, exec: Exec) -> Result<ExecOutput> {
    let docker = c.helper().docker().clone();
    let target = c.helper().target();
    let (id, name) = (c.id().to_string(), c.docker_name().to_string());
    runtime::run(async move {
        let action = format!("run `{}` in container `{name}`", exec.command_line());
        let options = CreateExecOptions {
            cmd: Some(exec.cmd.clone()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            user: exec.user.clone(),
            env: (!exec.env.is_empty()).then(|| exec.env.clone()),
            working_dir: exec.workdir.clone(),
            ..Default::default()
        };
        // Creating an exec runs nothing: it may be repeated. Starting it may not.
        let created = retry::read(&target, &action, |_| {
            docker.create_exec(&id, options.clone())
        })
        .await?;
        let mut out = ExecOutput {
            exit_code: -1,
            stdout: Vec::new(),
            stderr: Vec::new(),
        };
        let started = docker
            .start_exec(&created.id, None)
            .await
            .map_err(|e| retry::fail_once(&target, &action, e))?;
        let inspect = || retry::read(&target, &action, |_| docker.inspect_exec(&created.id));
        if let StartExecResults::Attached { mut output, .. } = started {
            let mut idle_after_exit = 0;
            loop {
                let item = match tokio::time::timeout(IDLE_CHECK, output.next()).await {
                    Ok(Some(item)) => item,
                    Ok(None) => break,
                    Err(_) if inspect().await?.running == Some(false) => {
                        // Once to let the engine finish sending, twice is a stall.
                        idle_after_exit += 1;
                        if idle_after_exit < 2 {
                            continue;
                        }
                        return Err(Error::from(EngineError::EngineConnection {
                            action,
                            address: target.address.clone(),
                            cause: format!(
                                "the engine stopped sending the command's output (the command \
                                 had ended; nothing came for {})",
                                crate::text::secs(IDLE_CHECK * 2)
                            ),
                            source: Box::new(bollard::errors::Error::RequestTimeoutError),
                        }));
                    }
                    Err(_) => continue,
                };
                match item.map_err(|e| retry::fail_once(&target, &action, e))? {
                    bollard::container::LogOutput::StdErr { message } => {
                        out.stderr.extend_from_slice(&message)
                    }
                    bollard::container::LogOutput::StdOut { message }
                    | bollard::container::LogOutput::Console { message } => {
                        out.stdout.extend_from_slice(&message)
                    }
                    bollard::container::LogOutput::StdIn { .. } => {}
                }
            }
        }
        out.exit_code = inspect().await?.exit_code.unwrap_or(-1);
        Ok(out)
    })
    .await
}
