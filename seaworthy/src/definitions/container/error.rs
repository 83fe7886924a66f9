//! The errors of containers and their resources: definitions, names, ports, logs, exec, and
//! readiness ([`ReadinessError`]).
//!
//! A domain error of `seaworthy::Error` (see the `error` module).

use std::time::Duration;

use crate::merge::MergeError;
use crate::text::{fmt_last_lines, output_block, secs};

/// What went wrong with a container (or a network or volume it uses): its definition, its
/// name, its ports, its logs or a command run in it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContainerError {
    /// A resource with the same name already exists.
    #[error(
        "a {kind} named `{name}` already exists\n(hint: remove it (`docker {kind} rm -f {name}` \
         for containers) or use another namespace)"
    )]
    NameConflict {
        /// `container`, `network` or `volume`.
        kind: &'static str,
        /// The Docker name that conflicted.
        name: String,
    },

    /// A definition was used before it was set up.
    #[error(
        "{kind} `{name}` is not set up\n(hint: call `setup()` first, or take it as a fixture \
         parameter so the harness sets it up)"
    )]
    NotSetUp {
        /// `container`, `network`, `volume` or `image`.
        kind: &'static str,
        /// The definition's name.
        name: String,
    },

    /// A definition was created twice.
    #[error("{kind} `{name}` is already created\n(hint: use `setup()`, which is idempotent)")]
    AlreadyCreated {
        /// `container`, `network` or `volume`.
        kind: &'static str,
        /// The definition's name.
        name: String,
    },

    /// The container port is not exposed by the container.
    #[error(
        "port `{spec}` of container `{container}` is not exposed\n(hint: add `.publish({port})` \
         to the definition)"
    )]
    PortNotExposed {
        /// The container's name.
        container: String,
        /// `<port>/<proto>`.
        spec: String,
        /// The port number.
        port: u16,
    },

    /// The container port is exposed but not published.
    #[error(
        "port `{spec}` of container `{container}` is not published to the host\n(hint: add \
         `.publish({port})` or `.publish_all()` to the definition)"
    )]
    PortNotPublished {
        /// The container's name.
        container: String,
        /// `<port>/<proto>`.
        spec: String,
        /// The port number.
        port: u16,
    },

    /// The container publishes no port at all.
    #[error(
        "container `{container}` has no published ports\n(hint: add `.publish(PORT)` or \
         `.publish_all()` to the definition)"
    )]
    NoPublishedPorts {
        /// The container's name.
        container: String,
    },

    /// No log line matched before the deadline.
    #[error(
        "timed out after {} waiting for logs of container `{container}` matching \
         {matcher}{}", secs(*.timeout), fmt_last_lines(.last_lines)
    )]
    LogsTimeout {
        /// The container's name.
        container: String,
        /// The matcher, showing what matched.
        matcher: String,
        /// How long we waited.
        timeout: Duration,
        /// The container's last log lines.
        last_lines: Vec<String>,
    },

    /// The log stream ended (the container stopped) before a line matched.
    #[error(
        "logs of container `{container}` ended without a line matching {matcher}{}",
        fmt_last_lines(.last_lines)
    )]
    LogsEnded {
        /// The container's name.
        container: String,
        /// The matcher, showing what matched.
        matcher: String,
        /// The container's last log lines.
        last_lines: Vec<String>,
    },

    /// Streaming logs hit its deadline.
    #[error("timed out after {} streaming logs of container `{container}`", secs(*.timeout))]
    StreamTimeout {
        /// The container's name.
        container: String,
        /// The deadline that passed.
        timeout: Duration,
    },

    /// A command run with `exec_ok` exited non-zero.
    #[error(
        "command `{command}` in container `{container}` exited with code {exit_code}{}{}",
        output_block("stdout", .stdout), output_block("stderr", .stderr)
    )]
    ExecFailed {
        /// The container's name.
        container: String,
        /// The command, joined by spaces.
        command: String,
        /// Its exit code.
        exit_code: i64,
        /// What it printed on stdout.
        stdout: String,
        /// What it printed on stderr.
        stderr: String,
    },

    /// A container's `create_options` layers disagree, or do not fit what its builder produces.
    #[error("invalid create options for container `{container}`: {source}")]
    CreateOptions {
        /// The container's name.
        container: String,
        /// Where the layers collide, with both values.
        #[source]
        source: MergeError,
    },

    /// A definition that Docker would refuse or silently misread, caught before anything is
    /// created.
    #[error("invalid {kind} definition `{name}`: {reason}\n(hint: {hint})")]
    InvalidDefinition {
        /// `container`, `network`, ….
        kind: &'static str,
        /// The definition's name.
        name: String,
        /// What is wrong, naming the offending setting.
        reason: String,
        /// What to do.
        hint: &'static str,
    },

    /// Raw create options did not describe a valid container configuration.
    #[error("invalid create options for container `{container}`: {reason}")]
    InvalidCreateOptions {
        /// The container's name.
        container: String,
        /// What serde reported.
        reason: String,
    },

    /// Something that needs a running container was asked of one that is not running.
    #[error(
        "container `{container}` is not running, so it has no published ports\n(hint: start it \
         first: `setup()` or `start()`)"
    )]
    ContainerNotRunning {
        /// The container's name.
        container: String,
    },

    /// `Wait::healthy()` on a container whose image has no HEALTHCHECK.
    #[error(
        "image of container `{container}` has no HEALTHCHECK\n(hint: wait for logs, HTTP or a \
         command instead)"
    )]
    NoHealthcheck {
        /// The container's name.
        container: String,
    },

    /// An HTTP readiness check expects a status code that does not exist.
    #[error(
        "invalid HTTP status {status} in the readiness check of container `{container}`\n(hint: \
         use a code from 100 to 999, e.g. `.status(200)`)"
    )]
    InvalidHttpStatus {
        /// The container's name.
        container: String,
        /// The status as given.
        status: u16,
    },

    /// A command run to manage a service answered something else than expected.
    #[error("`{command}` in container `{container}` answered `{answer}`, expected `{expected}`")]
    UnexpectedAnswer {
        /// The container's name.
        container: String,
        /// The command, joined by spaces.
        command: String,
        /// What it printed.
        answer: String,
        /// What it should have printed.
        expected: String,
    },
}

/// Why a container did not become ready.
///
/// `Debug` prints what `Display` prints, as for `seaworthy::Error`.
pub struct ReadinessError {
    /// The container's Docker name.
    pub container: String,
    /// What readiness meant, e.g. `logs matching ["ready"]`.
    pub waited_for: String,
    /// How long we waited before giving up.
    pub elapsed: Duration,
    /// What happened: timeout, early exit, ….
    pub kind: ReadinessErrorKind,
    /// Details, e.g. which patterns matched and which did not.
    pub detail: Option<String>,
    /// The container's last log lines (up to 100).
    pub last_lines: Vec<String>,
}

/// What ended a readiness wait.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadinessErrorKind {
    /// The deadline passed.
    Timeout(Duration),
    /// The container exited first.
    Exited {
        /// The exit code, when Docker knows it.
        exit_code: Option<i64>,
    },
    /// The image's HEALTHCHECK reported `unhealthy`.
    Unhealthy,
    /// The readiness check could not be run.
    Failed(String),
}

impl std::fmt::Display for ReadinessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            ReadinessErrorKind::Timeout(t) => write!(
                f,
                "container `{}` was not ready after {}: waited for {}",
                self.container,
                secs(*t),
                self.waited_for
            )?,
            ReadinessErrorKind::Exited { exit_code } => {
                write!(
                    f,
                    "container `{}` exited{} after {} while waiting for {}",
                    self.container,
                    exit_code
                        .map(|c| format!(" with code {c}"))
                        .unwrap_or_default(),
                    secs(self.elapsed),
                    self.waited_for
                )?;
            }
            ReadinessErrorKind::Unhealthy => write!(
                f,
                "container `{}` became unhealthy after {} while waiting for {}",
                self.container,
                secs(self.elapsed),
                self.waited_for
            )?,
            ReadinessErrorKind::Failed(why) => write!(
                f,
                "could not check readiness of container `{}` ({}): {why}",
                self.container, self.waited_for
            )?,
        }
        if let Some(detail) = &self.detail {
            write!(f, "\n{detail}")?;
        }
        f.write_str(&fmt_last_lines(&self.last_lines))?;
        if matches!(self.kind, ReadinessErrorKind::Timeout(_)) {
            f.write_str("\n(hint: raise the deadline with `.wait_timeout(..)`, or check the patterns against the log lines above)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ReadinessError {}

impl std::fmt::Debug for ReadinessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}
