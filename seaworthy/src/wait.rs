//! Readiness: how the harness knows a container is ready to be tested.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::query_parameters::WaitContainerOptionsBuilder;
use futures_util::StreamExt;

use crate::definitions::container::Created;
use crate::definitions::ContainerDefinition;
use crate::error::{Error, ReadinessError, ReadinessErrorKind, Result};
use crate::logs::LogOptions;
use crate::matchers::{Matcher, Unordered};
use crate::runtime;

const POLL: Duration = Duration::from_millis(100);

/// A readiness check: log lines, an HTTP response, a command, the HEALTHCHECK, a TCP port, or
/// all of several. One deadline (the definition's `wait_timeout`, 10 s by default) covers the
/// whole check, and a container that exits while being waited for fails at once.
///
/// ```
/// use seaworthy::Wait;
///
/// let ready = Wait::logs([r"database system is ready", r"database system is ready"])
///     .and(Wait::command(["pg_isready", "-q"]));
/// assert_eq!(
///     ready.to_string(),
///     r#"logs matching ["database system is ready", "database system is ready"] and command `pg_isready -q` exiting 0"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait(Kind);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Logs(Vec<String>),
    Http {
        path: String,
        port: Option<u16>,
        status: Option<u16>,
    },
    Command(Vec<String>),
    Healthy,
    Port(u16),
    All(Vec<Wait>),
}

impl Wait {
    /// Every regex must match a log line (either stream, from the start of the logs), in any
    /// order; one line satisfies at most one pattern, so a pattern listed twice needs two lines.
    /// Patterns are searched for, unanchored, in lines with trailing whitespace trimmed.
    pub fn logs<I, S>(patterns: I) -> Wait
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Wait(Kind::Logs(patterns.into_iter().map(Into::into).collect()))
    }

    /// A GET of `path` on the lowest published port answers (any status, redirects not followed;
    /// narrow it with [`status`](Self::status), pick the port with [`port`](Self::port)).
    pub fn http(path: impl Into<String>) -> Wait {
        Wait(Kind::Http {
            path: path.into(),
            port: None,
            status: None,
        })
    }

    /// For [`Wait::http`]: only this status counts.
    pub fn status(mut self, status: u16) -> Wait {
        if let Kind::Http { status: s, .. } = &mut self.0 {
            *s = Some(status);
        }
        self
    }

    /// For [`Wait::http`]: the container port to ask (it must be published).
    pub fn port(mut self, container_port: u16) -> Wait {
        if let Kind::Http { port, .. } = &mut self.0 {
            *port = Some(container_port);
        }
        self
    }

    /// A command run in the container exits 0 (retried every 100 ms).
    pub fn command<I, S>(cmd: I) -> Wait
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Wait(Kind::Command(cmd.into_iter().map(Into::into).collect()))
    }

    /// The image's HEALTHCHECK reports `healthy` (`unhealthy` fails at once).
    pub fn healthy() -> Wait {
        Wait(Kind::Healthy)
    }

    /// The published TCP port accepts a connection that the container, not just Docker's port
    /// proxy, keeps open.
    pub fn tcp(container_port: u16) -> Wait {
        Wait(Kind::Port(container_port))
    }

    /// All of the checks, run concurrently under the one deadline.
    pub fn all(waits: impl IntoIterator<Item = Wait>) -> Wait {
        Wait(Kind::All(waits.into_iter().collect()))
    }

    /// This check and another.
    pub fn and(self, other: Wait) -> Wait {
        match self.0 {
            Kind::All(mut v) => {
                v.push(other);
                Wait(Kind::All(v))
            }
            k => Wait(Kind::All(vec![Wait(k), other])),
        }
    }
}

impl std::fmt::Display for Wait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Kind::Logs(p) => write!(f, "logs matching {p:?}"),
            Kind::Http { path, port, status } => {
                write!(f, "HTTP GET `{path}`")?;
                if let Some(p) = port {
                    write!(f, " on port {p}")?;
                }
                match status {
                    Some(s) => write!(f, " answering {s}"),
                    None => write!(f, " answering"),
                }
            }
            Kind::Command(c) => write!(f, "command `{}` exiting 0", c.join(" ")),
            Kind::Healthy => write!(f, "HEALTHCHECK status `healthy`"),
            Kind::Port(p) => write!(f, "TCP port {p} accepting connections"),
            Kind::All(v) => {
                for (i, w) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    write!(f, "{w}")?;
                }
                Ok(())
            }
        }
    }
}

/// Why one check failed.
enum Failure {
    Timeout,
    Exited,
    Unhealthy,
    Error(Error),
}

/// What the checks found so far, for the error message.
type Progress = Arc<Mutex<Vec<String>>>;

fn note(progress: &Progress, slot: usize, text: String) {
    let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
    if p.len() <= slot {
        p.resize(slot + 1, String::new());
    }
    p[slot] = text;
}

pub(crate) async fn wait_ready(
    def: &ContainerDefinition,
    wait: &Wait,
    timeout: Duration,
) -> Result<()> {
    let c = def.created()?;
    let started = Instant::now();
    let deadline = started + timeout;
    let progress: Progress = Arc::default();
    let outcome = {
        let c2 = c.clone();
        let wait2 = wait.clone();
        let progress2 = progress.clone();
        let check = async move {
            let slot = std::sync::atomic::AtomicUsize::new(0);
            check(&c2, &wait2, deadline, &progress2, &slot).await
        };
        let exited = wait_for_exit(&c);
        runtime::run(async move {
            tokio::select! {
                biased;
                r = tokio::time::timeout_at(deadline.into(), check) => match r {
                    Ok(r) => r,
                    Err(_) => Err(Failure::Timeout),
                },
                _ = exited => Err(Failure::Exited),
            }
        })
        .await
    };
    let kind = match outcome {
        Ok(()) => return Ok(()),
        Err(Failure::Error(e @ Error::InvalidRegex { .. })) => return Err(e),
        Err(Failure::Timeout) => ReadinessErrorKind::Timeout(timeout),
        Err(Failure::Exited) => ReadinessErrorKind::Exited {
            exit_code: def
                .inspect()
                .await
                .ok()
                .and_then(|i| i.state)
                .and_then(|s| s.exit_code),
        },
        Err(Failure::Unhealthy) => ReadinessErrorKind::Unhealthy,
        Err(Failure::Error(e)) => {
            // A check that failed because the container stopped under it (an exec into a
            // container that just exited, say) lost a race with the exit watcher: report the exit.
            let state = def.inspect().await.ok().and_then(|i| i.state);
            match state {
                Some(s) if s.running == Some(false) => ReadinessErrorKind::Exited {
                    exit_code: s.exit_code,
                },
                _ => ReadinessErrorKind::Failed(e.to_string()),
            }
        }
    };
    let detail = {
        let p = progress.lock().unwrap_or_else(|e| e.into_inner());
        let lines: Vec<&str> = p
            .iter()
            .filter(|l| !l.is_empty())
            .map(String::as_str)
            .collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    };
    Err(ReadinessError {
        container: c.docker_name.clone(),
        waited_for: wait.to_string(),
        elapsed: started.elapsed(),
        kind,
        detail,
        last_lines: crate::logs::last_lines(&c).await,
    }
    .into())
}

/// Resolves when the container stops running.
fn wait_for_exit(c: &Created) -> impl std::future::Future<Output = ()> + Send + 'static {
    let docker = c.helper.docker().clone();
    let id = c.id.clone();
    async move {
        let mut s = docker.wait_container(
            &id,
            Some(
                WaitContainerOptionsBuilder::new()
                    .condition("not-running")
                    .build(),
            ),
        );
        // Ok(exit 0) and Err(DockerContainerWaitError) (non-zero exit) both mean "stopped"; any
        // other error means we cannot tell, so never resolve and let the deadline decide.
        match s.next().await {
            Some(Ok(_)) | Some(Err(bollard::errors::Error::DockerContainerWaitError { .. })) => {}
            _ => std::future::pending::<()>().await,
        }
    }
}

fn check<'a>(
    c: &'a Created,
    wait: &'a Wait,
    deadline: Instant,
    progress: &'a Progress,
    slot: &'a std::sync::atomic::AtomicUsize,
) -> futures_util::future::BoxFuture<'a, std::result::Result<(), Failure>> {
    let my_slot = slot.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Box::pin(async move {
        match &wait.0 {
            Kind::Logs(patterns) => check_logs(c, patterns, deadline, progress, my_slot).await,
            Kind::Http { path, port, status } => {
                check_http(c, path, *port, *status, deadline, progress, my_slot).await
            }
            Kind::Command(cmd) => check_command(c, cmd, deadline, progress, my_slot).await,
            Kind::Healthy => check_health(c, deadline, progress, my_slot).await,
            Kind::Port(port) => check_port(c, *port, deadline, progress, my_slot).await,
            Kind::All(waits) => {
                let mut futs = Vec::new();
                for w in waits {
                    futs.push(check(c, w, deadline, progress, slot));
                }
                futures_util::future::try_join_all(futs).await.map(|_| ())
            }
        }
    })
}

async fn check_logs(
    c: &Created,
    patterns: &[String],
    deadline: Instant,
    progress: &Progress,
    slot: usize,
) -> std::result::Result<(), Failure> {
    let mut matchers: Vec<Box<dyn Matcher>> = Vec::new();
    for p in patterns {
        let re = crate::matchers::Regex::new(p).map_err(|source| {
            Failure::Error(Error::InvalidRegex {
                pattern: p.clone(),
                source,
            })
        })?;
        matchers.push(Box::new(re));
    }
    let mut matcher = Unordered::new(matchers);
    let describe = |m: &Unordered| {
        format!(
            "log patterns matched: [{}]; not matched: [{}]",
            m.matched().join(", "),
            m.unmatched().join(", ")
        )
    };
    note(progress, slot, describe(&matcher));
    if patterns.is_empty() {
        return Ok(());
    }
    let remaining = deadline.saturating_duration_since(Instant::now());
    let mut lines = crate::logs::stream(c, LogOptions::default(), remaining);
    while let Some(item) = lines.next().await {
        match item {
            Ok(line) => {
                let done = matcher
                    .matches(line.trimmed())
                    .map_err(|e| Failure::Error(e.into()))?;
                note(progress, slot, describe(&matcher));
                if done {
                    return Ok(());
                }
            }
            Err(Error::StreamTimeout { .. }) => return Err(Failure::Timeout),
            Err(e) => return Err(Failure::Error(e)),
        }
    }
    Err(Failure::Exited)
}

async fn check_http(
    c: &Created,
    path: &str,
    port: Option<u16>,
    status: Option<u16>,
    deadline: Instant,
    progress: &Progress,
    slot: usize,
) -> std::result::Result<(), Failure> {
    let def_ports = inspect_ports(c).await.map_err(Failure::Error)?;
    let host_port = match port {
        Some(p) => def_ports
            .get(&format!("{p}/tcp"))
            .and_then(|b| b.as_deref())
            .and_then(|b| {
                b.iter()
                    .find_map(|b| b.host_port.as_deref()?.parse::<u16>().ok())
            }),
        None => crate::definitions::container::first_published(&def_ports),
    };
    let Some(host_port) = host_port else {
        return Err(Failure::Error(Error::NoPublishedPorts {
            container: c.docker_name.clone(),
        }));
    };
    let client = crate::http::ContainerHttpClient::new("127.0.0.1", host_port);
    let expected = match status.map(reqwest::StatusCode::from_u16) {
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => {
            return Err(Failure::Error(Error::Other(format!(
                "invalid HTTP status {status:?} in readiness check"
            ))))
        }
        None => None,
    };
    // A little less than the overall deadline, so the HTTP wait ends (and notes what its last
    // attempt got, for the error) before the overall deadline cancels it.
    let remaining = deadline
        .saturating_duration_since(Instant::now())
        .saturating_sub(POLL);
    match client.wait_for_response(remaining, path, expected).await {
        Ok(_) => Ok(()),
        Err(e) => {
            note(
                progress,
                slot,
                format!("last attempt on `{}`: {}", e.url(), e.last()),
            );
            Err(Failure::Timeout)
        }
    }
}

async fn check_command(
    c: &Created,
    cmd: &[String],
    deadline: Instant,
    progress: &Progress,
    slot: usize,
) -> std::result::Result<(), Failure> {
    loop {
        let out = crate::exec::run(c, crate::exec::Exec::new(cmd.iter().cloned()))
            .await
            .map_err(Failure::Error)?;
        if out.success() {
            return Ok(());
        }
        let mut text = format!(
            "last `{}` exited with code {}",
            cmd.join(" "),
            out.exit_code
        );
        let output = format!("{}{}", out.stdout_str(), out.stderr_str());
        if !output.trim().is_empty() {
            let _ = write!(text, ": {}", output.trim());
        }
        note(progress, slot, text);
        sleep_until_next(deadline).await?;
    }
}

async fn check_health(
    c: &Created,
    deadline: Instant,
    progress: &Progress,
    slot: usize,
) -> std::result::Result<(), Failure> {
    loop {
        let inspect = c.inspect().await.map_err(Failure::Error)?;
        let health = inspect.state.and_then(|s| s.health);
        let Some(health) = health else {
            return Err(Failure::Error(Error::Other(format!(
                "image of container `{}` has no HEALTHCHECK\n(hint: wait for logs, HTTP or a command instead)",
                c.docker_name
            ))));
        };
        let status = health.status.map(|s| s.to_string()).unwrap_or_default();
        if let Some(last) = health.log.as_ref().and_then(|l| l.last()) {
            note(
                progress,
                slot,
                format!(
                    "health `{status}`; last check exited {}: {}",
                    last.exit_code.unwrap_or(-1),
                    last.output.as_deref().unwrap_or("").trim()
                ),
            );
        }
        match status.as_str() {
            "healthy" => return Ok(()),
            "unhealthy" => return Err(Failure::Unhealthy),
            _ => {}
        }
        sleep_until_next(deadline).await?;
    }
}

async fn check_port(
    c: &Created,
    port: u16,
    deadline: Instant,
    progress: &Progress,
    slot: usize,
) -> std::result::Result<(), Failure> {
    let ports = inspect_ports(c).await.map_err(Failure::Error)?;
    let host_port = ports
        .get(&format!("{port}/tcp"))
        .and_then(|b| b.as_deref())
        .and_then(|b| {
            b.iter()
                .find_map(|b| b.host_port.as_deref()?.parse::<u16>().ok())
        });
    let Some(host_port) = host_port else {
        return Err(Failure::Error(Error::PortNotPublished {
            container: c.docker_name.clone(),
            spec: format!("{port}/tcp"),
            port,
        }));
    };
    loop {
        match tokio::net::TcpStream::connect(("127.0.0.1", host_port)).await {
            Ok(mut s) => {
                // Docker's userland proxy accepts even when nothing listens in the container, then
                // closes at once. A server keeps the connection open (or greets us).
                let mut buf = [0u8; 1];
                match tokio::time::timeout(
                    Duration::from_millis(100),
                    tokio::io::AsyncReadExt::read(&mut s, &mut buf),
                )
                .await
                {
                    Err(_) | Ok(Ok(1..)) => return Ok(()),
                    _ => note(
                        progress,
                        slot,
                        format!("127.0.0.1:{host_port} closed the connection"),
                    ),
                }
            }
            Err(e) => note(progress, slot, format!("127.0.0.1:{host_port}: {e}")),
        }
        sleep_until_next(deadline).await?;
    }
}

async fn inspect_ports(c: &Created) -> Result<bollard::models::PortMap> {
    Ok(c.inspect()
        .await?
        .network_settings
        .and_then(|n| n.ports)
        .unwrap_or_default())
}

async fn sleep_until_next(deadline: Instant) -> std::result::Result<(), Failure> {
    let now = Instant::now();
    if now >= deadline {
        return Err(Failure::Timeout);
    }
    tokio::time::sleep(POLL.min(deadline - now)).await;
    Ok(())
}
