//! Running a readiness check ([`Wait`]) against a container's handle, under one deadline.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::query_parameters::WaitContainerOptionsBuilder;
use futures_util::StreamExt;

use crate::error::ContainerError;
use crate::error::{Error, ReadinessError, ReadinessErrorKind, Result};
use crate::handle::ContainerHandle;
use crate::lines::StreamKind;
use crate::logs::LogOptions;
use crate::matchers::{Matcher, Unordered};
use crate::runtime;
use crate::wait::{HttpWait, Kind, Wait};

const POLL: Duration = Duration::from_millis(100);

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
    let mut p = crate::sync::lock(progress);
    if p.len() <= slot {
        p.resize(slot + 1, String::new());
    }
    p[slot] = text;
}

impl ContainerHandle {
    /// Waits until `wait` passes, within `timeout`; a container that stops first fails at once.
    pub(crate) async fn wait_until(&self, wait: &Wait, timeout: Duration) -> Result<()> {
        wait_ready(self, wait, timeout).await
    }
}

async fn wait_ready(c: &ContainerHandle, wait: &Wait, timeout: Duration) -> Result<()> {
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
        let exited = wait_for_exit(c);
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
            exit_code: c
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
            let state = c.inspect().await.ok().and_then(|i| i.state);
            match state {
                Some(s) if s.running == Some(false) => ReadinessErrorKind::Exited {
                    exit_code: s.exit_code,
                },
                _ => ReadinessErrorKind::Failed(e.to_string()),
            }
        }
    };
    let detail = {
        let p = crate::sync::lock(&progress);
        let lines: Vec<&str> = p
            .iter()
            .filter(|l| !l.is_empty())
            .map(String::as_str)
            .collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    };
    Err(ReadinessError {
        container: c.docker_name().to_string(),
        waited_for: wait.to_string(),
        elapsed: started.elapsed(),
        kind,
        detail,
        last_lines: crate::logs::last_lines(c).await,
    }
    .into())
}

/// Resolves when the container stops running.
fn wait_for_exit(c: &ContainerHandle) -> impl std::future::Future<Output = ()> + Send + 'static {
    let docker = c.helper().docker().clone();
    let id = c.id().to_string();
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
    c: &'a ContainerHandle,
    wait: &'a Wait,
    deadline: Instant,
    progress: &'a Progress,
    slot: &'a std::sync::atomic::AtomicUsize,
) -> futures_util::future::BoxFuture<'a, std::result::Result<(), Failure>> {
    let my_slot = slot.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Box::pin(async move {
        match &wait.0 {
            Kind::Logs(patterns, stream) => {
                check_logs(c, (patterns, *stream), deadline, progress, my_slot).await
            }
            Kind::Http(http) => check_http(c, http, deadline, progress, my_slot).await,
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
    c: &ContainerHandle,
    (patterns, stream): (&[String], Option<StreamKind>),
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
    let options = LogOptions::default()
        .stdout(stream != Some(StreamKind::Stderr))
        .stderr(stream != Some(StreamKind::Stdout));
    let mut lines = crate::logs::stream(c, options, remaining);
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
            Err(Error::Container(ContainerError::StreamTimeout { .. })) => {
                return Err(Failure::Timeout)
            }
            Err(e) => return Err(Failure::Error(e)),
        }
    }
    Err(Failure::Exited)
}

async fn check_http(
    c: &ContainerHandle,
    http: &HttpWait,
    deadline: Instant,
    progress: &Progress,
    slot: usize,
) -> std::result::Result<(), Failure> {
    let ports = c.refresh_ports().await.map_err(Failure::Error)?;
    let published = match http.port {
        Some(p) => c.lookup(&ports, p, "tcp"),
        None => c.first_of(&ports),
    }
    .map_err(Failure::Error)?;
    let (path, status) = (http.path.as_str(), http.status);
    let client = crate::http::ContainerHttpClient::new(&published.host, published.host_port);
    let expected = match status.map(reqwest::StatusCode::from_u16) {
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => {
            return Err(Failure::Error(Error::from(
                ContainerError::InvalidHttpStatus {
                    container: c.docker_name().to_string(),
                    status: status.unwrap_or_default(),
                },
            )))
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
    c: &ContainerHandle,
    cmd: &[String],
    deadline: Instant,
    progress: &Progress,
    slot: usize,
) -> std::result::Result<(), Failure> {
    loop {
        let out = c.exec(cmd.iter().cloned()).await.map_err(Failure::Error)?;
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
    c: &ContainerHandle,
    deadline: Instant,
    progress: &Progress,
    slot: usize,
) -> std::result::Result<(), Failure> {
    loop {
        let inspect = c.inspect().await.map_err(Failure::Error)?;
        let health = inspect.state.and_then(|s| s.health);
        let Some(health) = health else {
            return Err(Failure::Error(Error::from(ContainerError::NoHealthcheck {
                container: c.docker_name().to_string(),
            })));
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
    c: &ContainerHandle,
    port: u16,
    deadline: Instant,
    progress: &Progress,
    slot: usize,
) -> std::result::Result<(), Failure> {
    let ports = c.refresh_ports().await.map_err(Failure::Error)?;
    let published = c.lookup(&ports, port, "tcp").map_err(Failure::Error)?;
    let address = published.address();
    loop {
        match tokio::net::TcpStream::connect(&address).await {
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
                    _ => note(progress, slot, format!("{address} closed the connection")),
                }
            }
            Err(e) => note(progress, slot, format!("{address}: {e}")),
        }
        sleep_until_next(deadline).await?;
    }
}

async fn sleep_until_next(deadline: Instant) -> std::result::Result<(), Failure> {
    let now = Instant::now();
    if now >= deadline {
        return Err(Failure::Timeout);
    }
    tokio::time::sleep(POLL.min(deadline - now)).await;
    Ok(())
}
