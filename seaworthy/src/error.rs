//! The one error type of the library.
//!
//! Messages are lowercase fragments that read after "failed to …" or stand on their own in a test
//! failure; values are in backticks, and where there is a next step it is on a second line as
//! `(hint: …)`.

use std::fmt::Write as _;
use std::time::Duration;

use crate::http::HttpWaitError;
use crate::matchers::MatcherExhausted;
use crate::merge::MergeError;
use crate::ps::PsError;
use crate::text::secs;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while driving Docker resources.
///
/// `Debug` prints what `Display` prints (the message and its hint), so a test that
/// `unwrap()`s a seaworthy result, or returns it with `?`, shows the readable message rather
/// than a struct dump.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Docker engine could not be reached.
    #[error(
        "cannot connect to the Docker engine at `{address}` (found via {found_via}): \
         {reason}{tried}\n(hint: {})",
        unreachable_hint(.address, .reason)
    )]
    DockerUnreachable {
        /// The address that was tried last.
        address: String,
        /// How discovery came to it: `DOCKER_HOST`, a context, the default socket…
        found_via: String,
        /// What failed, with every cause bollard reported.
        reason: String,
        /// The other places discovery tried, one `\n  tried …` line each (empty if none).
        tried: String,
        /// What bollard reported.
        #[source]
        source: Box<bollard::errors::Error>,
    },

    /// The TLS files for an engine are missing, unreadable or not PEM.
    #[error(
        "cannot use the TLS files for the Docker engine at `{address}`: {}: {reason}\n(hint: \
         DOCKER_CERT_PATH (default ~/.docker) must hold ca.pem, cert.pem and key.pem, as the \
         docker CLI reads them)",
        .path.display()
    )]
    EngineTls {
        /// The engine's address.
        address: String,
        /// The file (or directory) at fault.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The Docker context named by `DOCKER_CONTEXT` or the config's `currentContext` is unusable.
    #[error(
        "cannot use the Docker context `{name}`: {reason}\n(hint: `docker context ls` lists the \
         contexts; unset DOCKER_CONTEXT or run `docker context use default` for the default \
         socket)"
    )]
    DockerContext {
        /// The context's name.
        name: String,
        /// What is wrong.
        reason: String,
    },

    /// `SEAWORTHY_IN_CONTAINER=1`, but the container the tests run in is not on the engine.
    #[error(
        "SEAWORTHY_IN_CONTAINER=1, but the container the tests run in is not on the Docker engine \
         at `{address}` (looked up by the IDs in /proc/self/mountinfo and /proc/self/cgroup and by the \
         hostname: {tried})\n(hint: run the tests in a \
         container of this engine with its socket mounted, give the container its name or ID as \
         hostname, or set SEAWORTHY_IN_CONTAINER=0 to reach published ports)"
    )]
    RunnerContainerNotFound {
        /// The engine's address.
        address: String,
        /// The container IDs and the hostname looked up.
        tried: String,
    },

    /// An engine address (or a seaworthy address variable) cannot be used.
    #[error("invalid Docker engine address `{address}` (from {from}): {reason}")]
    InvalidEngineAddress {
        /// The address as given.
        address: String,
        /// Where it came from: a variable or a context.
        from: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The engine speaks an API older than the oldest we support.
    #[error(
        "the Docker engine at `{address}` speaks API {version}, older than the supported minimum \
         {minimum}\n(hint: upgrade Docker to 20.10 or newer)"
    )]
    EngineTooOld {
        /// The address of the engine.
        address: String,
        /// The API version it reported.
        version: String,
        /// The oldest API version this library supports.
        minimum: String,
    },

    /// An image is not present and could not be pulled.
    #[error(
        "image `{image}` is not available locally and pulling it failed: {reason}\n(hint: build it \
         or pull it: `docker build -t {image} DIR`, or `docker pull {image}`)"
    )]
    ImageNotFound {
        /// The image reference.
        image: String,
        /// Why the pull failed.
        reason: String,
    },

    /// An image reference that is not Docker's grammar, and not a local image either.
    #[error(
        "invalid image reference `{image}`: {reason}\n(hint: write it as \
         [REGISTRY/]REPOSITORY[:TAG][@DIGEST], e.g. `postgres:15` or `ghcr.io/team/app:1.2`)"
    )]
    InvalidImageReference {
        /// The reference as given.
        image: String,
        /// What is wrong with it.
        reason: String,
    },

    /// `SEAWORTHY_PULL` is set to something else than a pull policy.
    #[error(
        "SEAWORTHY_PULL is `{value}`, not a pull policy\n(hint: set it to `missing` (the \
         default), `always` or `never`, or unset it)"
    )]
    InvalidPullPolicy {
        /// The variable's value.
        value: String,
    },

    /// The pull policy is `never` and the image is not present.
    #[error(
        "image `{image}` is not present locally and the pull policy is `never` ({policy_from})\n\
         (hint: pull it while online: `docker pull {image}`, or allow pulls with \
         `SEAWORTHY_PULL=missing`)"
    )]
    ImageNotPresent {
        /// The image reference.
        image: String,
        /// Where `never` came from: `SEAWORTHY_PULL=never` or `set on its definition`.
        policy_from: String,
    },

    /// The registry has no such repository, tag or digest.
    #[error(
        "image `{image}` was not found in the registry `{registry}`: it has no `{reference}`\n\
         (hint: check the repository name and the tag or digest, e.g. with `docker pull {image}`, \
         or build it: `docker build -t {image} DIR`)"
    )]
    ImageNotInRegistry {
        /// The image reference as given.
        image: String,
        /// The registry's domain (`docker.io`, `ghcr.io`, `localhost:5000`).
        registry: String,
        /// The tag or digest that was asked for (`latest` when the reference names none).
        reference: String,
    },

    /// The registry refused the pull: no credentials, or rejected ones.
    #[error(
        "registry `{registry}` refused to let us pull `{image}` {}\n(hint: log in: `{}`; the \
         credentials are read from $DOCKER_CONFIG/config.json or ~/.docker/config.json)",
        if *.had_credentials { "with the credentials found for it" } else { "without credentials" },
        seaworthy_registry::login_command(.registry)
    )]
    RegistryUnauthorized {
        /// The image reference as given.
        image: String,
        /// The registry's domain.
        registry: String,
        /// Whether credentials were sent (and rejected).
        had_credentials: bool,
    },

    /// The registry could not be reached.
    #[error(
        "cannot reach the registry `{host}` to pull `{image}`: {reason}\n(hint: check the \
         network and the registry; to work offline with images already present, set \
         `SEAWORTHY_PULL=never`)"
    )]
    RegistryUnreachable {
        /// The registry host (and port) the engine talks to.
        host: String,
        /// The image reference as given.
        image: String,
        /// What the engine reported.
        reason: String,
    },

    /// The image exists, but not for the engine's platform.
    #[error(
        "image `{image}` in the registry `{registry}` has no manifest for this platform \
         ({platform})\n(hint: use a tag or digest built for {platform})"
    )]
    NoManifestForPlatform {
        /// The image reference as given.
        image: String,
        /// The registry's domain.
        registry: String,
        /// The engine's platform, e.g. `linux/amd64`.
        platform: String,
    },

    /// The docker CLI's credentials for a registry could not be read.
    #[error(
        "cannot read the credentials for the registry `{registry}` to pull `{image}`: \
         {reason}\n(hint: fix the docker config or its credential helper, or log in again: `{}`)",
        seaworthy_registry::login_command(.registry)
    )]
    RegistryCredentials {
        /// The image reference as given.
        image: String,
        /// The registry's domain.
        registry: String,
        /// What went wrong (names files and helpers, never secrets).
        reason: String,
    },

    /// Building an image failed.
    #[error("failed to build image `{tag}` from `{context}`: {reason}{}", output_block("build output", &.output.join("\n")))]
    ImageBuild {
        /// The tag being built.
        tag: String,
        /// The build context directory.
        context: String,
        /// What went wrong.
        reason: String,
        /// The last lines of the build output.
        output: Vec<String>,
    },

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

    /// A container did not become ready.
    #[error(transparent)]
    Readiness(Box<ReadinessError>),

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

    /// An HTTP wait failed.
    #[error(transparent)]
    Http(#[from] HttpWaitError),

    /// A process list could not be read or assembled.
    #[error(transparent)]
    Ps(#[from] PsError),

    /// A stateful matcher was used after it completed.
    #[error(transparent)]
    MatcherExhausted(#[from] MatcherExhausted),

    /// A copy of files into or out of a container failed.
    #[error(transparent)]
    Copy(#[from] crate::copy::CopyError),

    /// A container's `create_options` layers disagree, or do not fit what its builder produces.
    #[error("invalid create options for container `{container}`: {source}")]
    CreateOptions {
        /// The container's name.
        container: String,
        /// Where the layers collide, with both values.
        #[source]
        source: MergeError,
    },

    /// A regular expression did not compile.
    #[error("invalid regex `{pattern}`: {source}")]
    InvalidRegex {
        /// The pattern as given.
        pattern: String,
        /// What the regex crate reported.
        #[source]
        source: regex::Error,
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

    /// A Docker API call failed.
    #[error("failed to {action}: {}", docker_message(.source))]
    Docker {
        /// What we were doing, e.g. "start container `test_web_x1`".
        action: String,
        /// What bollard reported.
        #[source]
        source: bollard::errors::Error,
    },

    /// The engine stopped answering: it refused the connection, has no socket, or kept closing
    /// the connection or not answering through every retry.
    #[error(
        "failed to {action}: the Docker engine stopped answering ({cause}, {}){}",
        crate::text::plural(*.attempts, "attempt", "attempts"),
        cleanup_hint(.address, .run)
    )]
    EngineStopped {
        /// What we were doing, e.g. "inspect container `test_web_x1`".
        action: String,
        /// The engine's address, as `DOCKER_HOST` spells it.
        address: String,
        /// What happened: "connection refused at `…`", "the engine closed the connection"…
        cause: String,
        /// How many times the call was tried.
        attempts: usize,
        /// The run ID, the value of the `seaworthy.run` label of what the run made.
        run: String,
        /// What bollard reported last.
        #[source]
        source: Box<bollard::errors::Error>,
    },

    /// The connection broke during a call that is not repeated blindly (create, exec…).
    #[error("failed to {action}: {cause}")]
    EngineConnection {
        /// What we were doing.
        action: String,
        /// The engine's address, as `DOCKER_HOST` spells it.
        address: String,
        /// What happened: "the engine closed the connection", "the engine did not answer in
        /// time"…
        cause: String,
        /// What bollard reported.
        #[source]
        source: Box<bollard::errors::Error>,
    },

    /// Resources could not be removed: they are left on the engine.
    #[error("{source}\nleft on the engine: {}\n(hint: remove them with {})", left_names(.left), left_commands(.left))]
    LeftBehind {
        /// What is left: (`container`, `network` or `volume`, its Docker name).
        left: Vec<(&'static str, String)>,
        /// Why (the first removal that failed).
        #[source]
        source: Box<Error>,
    },

    /// A local I/O operation failed (reading a build context, …).
    #[error("failed to {action}: {source}")]
    Io {
        /// What we were doing.
        action: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A fixture could not be set up (used by the fixture runtime).
    #[error("fixture {chain}: {source}")]
    Fixture {
        /// The fixture chain, e.g. `nginx -> web -> postgres`.
        chain: String,
        /// Why it failed (shared: a failed shared fixture fails every test that needs it).
        #[source]
        source: std::sync::Arc<Error>,
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

    /// A fixture function panicked while building its value.
    #[error("the fixture function `{fixture}` panicked: {message}")]
    FixturePanicked {
        /// The fixture's name.
        fixture: String,
        /// The panic message.
        message: String,
    },

    /// A fixture function returned an `Err`.
    #[error("the fixture function `{fixture}` returned an error: {message}")]
    FixtureFailed {
        /// The fixture's name.
        fixture: String,
        /// The error, as it displays.
        message: String,
    },

    /// A fixture shared by the processes of a run failed to set up in the process that tried
    /// first; later processes fail with its message instead of trying again.
    #[error(
        "{message}\n(recorded by the test process that set this shared fixture up for {run}; it \
         is not set up again in this run: fix the cause and run again, or set SEAWORTHY_SHARE=0 \
         to set it up in every process)"
    )]
    SharedSetupFailed {
        /// The original error's message.
        message: String,
        /// The run.
        run: String,
    },

    /// A process asked for a shared fixture after its run's runner had ended.
    #[error(
        "{run} has ended, so its shared fixtures are being removed\n(hint: this test process \
         outlived its runner (killed or interrupted); run the tests again)"
    )]
    SharedRunEnded {
        /// The run.
        run: String,
    },

    /// `#[clean]` on a resource whose type cannot be cleaned.
    #[error(
        "`{resource}` cannot be cleaned: its type does not implement `Resource::clean`\n(hint: \
         implement `clean` for it, or drop `#[clean]` and use a function-scoped fixture)"
    )]
    CleanNotImplemented {
        /// The resource's name (or its type, when it has none).
        resource: String,
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

    /// The harness's own bookkeeping went wrong: a bug in seaworthy, please report it.
    #[error("internal error in the fixture runtime: {0}\n(hint: this is a bug in seaworthy; please report it with the test that shows it)")]
    Internal(String),
}

/// Why a container did not become ready.
///
/// `Debug` prints what `Display` prints, as for [`Error`].
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

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Debug for ReadinessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl From<ReadinessError> for Error {
    fn from(e: ReadinessError) -> Self {
        Error::Readiness(Box::new(e))
    }
}

impl Error {
    /// The container's last log lines, when this error carries them.
    pub fn last_log_lines(&self) -> Option<&[String]> {
        match self {
            Error::Readiness(r) => Some(&r.last_lines),
            Error::LogsTimeout { last_lines, .. } | Error::LogsEnded { last_lines, .. } => {
                Some(last_lines)
            }
            Error::Fixture { source, .. } => source.last_log_lines(),
            _ => None,
        }
    }

    /// `true` when this error is a 404 from the Docker engine.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Error::Docker {
                source: bollard::errors::Error::DockerResponseServerError {
                    status_code: 404,
                    ..
                },
                ..
            }
        )
    }

    pub(crate) fn docker(action: impl Into<String>, source: bollard::errors::Error) -> Self {
        Error::Docker {
            action: action.into(),
            source,
        }
    }
}

/// What to do about an engine at `address` that failed with `reason`.
fn unreachable_hint(address: &str, reason: &str) -> &'static str {
    if reason.contains("certificate") || reason.contains("Certificate") {
        "the engine's certificate is not signed by ca.pem, or it refused ours: check \
         DOCKER_CERT_PATH (`docker version` with the same variables shows the same error)"
    } else if address.starts_with("tcp://") {
        "check that the engine listens at that address; a TLS engine needs DOCKER_TLS_VERIFY=1 \
         and DOCKER_CERT_PATH"
    } else {
        "start the Docker daemon, or point DOCKER_HOST at it, e.g. \
         `DOCKER_HOST=unix:///var/run/docker.sock`"
    }
}

fn left_names(left: &[(&'static str, String)]) -> String {
    let names: Vec<String> = left.iter().map(|(k, n)| format!("{k} `{n}`")).collect();
    names.join(", ")
}

fn left_commands(left: &[(&'static str, String)]) -> String {
    let commands: Vec<String> = left
        .iter()
        .map(|(kind, name)| match *kind {
            "container" => format!("`docker rm -f {name}`"),
            kind => format!("`docker {kind} rm {name}`"),
        })
        .collect();
    commands.join(", ")
}

/// Where to look and how to remove what a run left, when the engine stopped answering.
fn cleanup_hint(address: &str, run: &str) -> String {
    format!(
        "\n(hint: check the engine: `docker version` with DOCKER_HOST={address}; what this run \
         made is labelled seaworthy.run={run}: `docker rm -f $(docker ps -aq --filter \
         label=seaworthy.run={run})` removes its containers, and the next run's sweep removes \
         whatever is left)"
    )
}

fn docker_message(e: &bollard::errors::Error) -> String {
    use crate::engine::transport::{transport, Transport};
    match transport(e) {
        Some(Transport::Refused) => return "the engine refused the connection".to_string(),
        Some(Transport::NoSocket) => return "the engine's socket does not exist".to_string(),
        Some(t) => return t.describe(""),
        None => {}
    }
    match e {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } => format!("{message} (HTTP {status_code})"),
        other => other.to_string(),
    }
}

pub(crate) fn fmt_last_lines(lines: &[String]) -> String {
    if lines.is_empty() {
        return "\nthe container logged nothing".to_string();
    }
    let mut out = format!("\nlast {} log line(s):", lines.len());
    for l in lines {
        let _ = write!(out, "\n  | {l}");
    }
    out
}

fn output_block(name: &str, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{name}:");
    for l in text.lines() {
        let _ = write!(out, "\n  | {l}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_the_message_and_hint_not_a_struct_dump() {
        let e = Error::NoHealthcheck {
            container: "test_db_ab12".into(),
        };
        assert_eq!(format!("{e:?}"), e.to_string());
        assert_eq!(
            format!("{e:?}"),
            "image of container `test_db_ab12` has no HEALTHCHECK\n(hint: wait for logs, HTTP or a command instead)"
        );
        // What `Result::unwrap` prints for an `Err`: `called `Result::unwrap()` on an `Err`
        // value: {:?}`.
        let text = format!("called `Result::unwrap()` on an `Err` value: {e:?}");
        assert!(
            text.ends_with("image of container `test_db_ab12` has no HEALTHCHECK\n(hint: wait for logs, HTTP or a command instead)"),
            "{text}"
        );
        assert!(!text.contains("NoHealthcheck {"), "{text}");
    }

    #[test]
    fn readiness_timeout_message_names_container_patterns_and_logs() {
        let e: Error = ReadinessError {
            container: "test_web_ab12".into(),
            waited_for: "logs matching [\"ready\"]".into(),
            elapsed: Duration::from_secs(2),
            kind: ReadinessErrorKind::Timeout(Duration::from_secs(2)),
            detail: Some("matched: []\nunmatched: [Regex(\"ready\")]".into()),
            last_lines: vec!["starting".into()],
        }
        .into();
        assert_eq!(
            e.to_string(),
            "container `test_web_ab12` was not ready after 2s: waited for logs matching [\"ready\"]\n\
             matched: []\nunmatched: [Regex(\"ready\")]\nlast 1 log line(s):\n  | starting\n\
             (hint: raise the deadline with `.wait_timeout(..)`, or check the patterns against the log lines above)"
        );
    }
}
