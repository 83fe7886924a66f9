//! [`ContainerHandle`]: a created container, as Docker knows it.
//!
//! A `ContainerDefinition` describes a container and drives its
//! lifecycle; once it is created, everything asked of the running container (inspection, ports,
//! logs, exec, processes, readiness) goes through this handle, which knows nothing of the
//! definition. Those features live in their own modules (`exec`, `logs`, `readiness`, `ps`)
//! and add their methods to the handle.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{RestartContainerOptionsBuilder, StopContainerOptionsBuilder};

use crate::engine::retry;
use crate::error::ContainerError;
use crate::error::{Error, Result};
use crate::helper::{DockerHelper, ResourceKind};
use crate::http::ContainerHttpClient;
use crate::ports::{PublishedPort, PublishedPorts};
use crate::runtime;
use crate::status::ContainerStatus;
use crate::sync::lock;

/// A created container: its ID and name, the helper that created it, and everything that can be
/// asked of it while it exists.
///
/// Get it from a set-up definition with
/// `ContainerDefinition::handle`. The definition has the
/// same methods (it delegates to its handle); the handle is for code that only needs the running
/// container, such as a helper function that should not be able to set up or tear down. Clones
/// share the cached ports and the readiness time.
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// use seaworthy::{ContainerDefinition, ContainerHandle, DockerHelper};
///
/// async fn greeting(c: &ContainerHandle) -> seaworthy::Result<String> {
///     Ok(c.exec_ok(["cat", "/greeting"]).await?.stdout_str())
/// }
///
/// let helper = DockerHelper::connect().await?;
/// let c = ContainerDefinition::new("greeter", "seaworthy-test/busybox")
///     .command(["sh", "-c", "echo hi > /greeting; exec sleep 60"]);
/// c.setup(&helper).await?;
/// let handle = c.handle()?;
/// assert_eq!(handle.docker_name(), c.docker_name()?);
/// assert_eq!(greeting(&handle).await?, "hi\n");
/// c.teardown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ContainerHandle {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    id: String,
    docker_name: String,
    helper: DockerHelper,
    /// The ports read at the last start; `None` while the container is not running.
    ports: Mutex<Option<PublishedPorts>>,
    ready_after: Mutex<Option<Duration>>,
    /// The log consumers' follows, awaited before removal.
    consumers: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Set when this is a container an earlier run (or a concurrent one) made and this run
    /// attached to (`SEAWORTHY_REUSE`).
    reused: std::sync::atomic::AtomicBool,
}

/// A start or stop repeated after a broken connection: 304 (already started, already stopped)
/// means the first attempt did it.
fn already_done(
    r: std::result::Result<(), bollard::errors::Error>,
    attempt: usize,
) -> std::result::Result<(), bollard::errors::Error> {
    match r {
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 304, ..
        }) if attempt > 0 => Ok(()),
        r => r,
    }
}

impl ContainerHandle {
    pub(crate) fn new(id: String, docker_name: String, helper: DockerHelper) -> Self {
        ContainerHandle {
            inner: Arc::new(Inner {
                id,
                docker_name,
                helper,
                ports: Mutex::new(None),
                ready_after: Mutex::new(None),
                consumers: Mutex::new(Vec::new()),
                reused: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// The container's ID.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The container's Docker name (`<namespace>_<name>_<suffix>`).
    pub fn docker_name(&self) -> &str {
        &self.inner.docker_name
    }

    /// The helper that created the container.
    pub fn helper(&self) -> &DockerHelper {
        &self.inner.helper
    }

    /// How long readiness took at the last start.
    pub fn ready_after(&self) -> Option<Duration> {
        *lock(&self.inner.ready_after)
    }

    /// Keeps a log consumer's follow, to be awaited before removal.
    pub(crate) fn keep_consumer(&self, task: tokio::task::JoinHandle<()>) {
        lock(&self.inner.consumers).push(task);
    }

    /// Whether this run attached to the container rather than creating it (reuse between runs:
    /// `SEAWORTHY_REUSE`).
    pub fn is_reused(&self) -> bool {
        self.inner.reused.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn set_reused(&self) {
        self.inner
            .reused
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn set_ready_after(&self, took: Duration) {
        *lock(&self.inner.ready_after) = Some(took);
    }

    /// Runs one bollard call for this container on the library's runtime; its error names the
    /// container (`failed to <verb> container `test_web_…`: …`) and, for a broken connection,
    /// the cause. A `repeatable` call is retried when the connection fails (see
    /// [`retry`](crate::engine::retry)); `f` is given the attempt number (0 first).
    pub(crate) async fn call<T, F, Fut>(&self, verb: &str, repeatable: bool, mut f: F) -> Result<T>
    where
        F: FnMut(bollard::Docker, String, usize) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = std::result::Result<T, bollard::errors::Error>>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let action = format!("{verb} container `{}`", self.docker_name());
        let target = self.helper().target();
        let (docker, id) = (self.helper().docker().clone(), self.id().to_string());
        runtime::run(async move {
            if repeatable {
                retry::read(&target, &action, |attempt| {
                    f(docker.clone(), id.clone(), attempt)
                })
                .await
            } else {
                f(docker, id, 0)
                    .await
                    .map_err(|e| retry::fail_once(&target, action, e))
            }
        })
        .await
    }

    /// Docker's full description of the container.
    pub async fn inspect(&self) -> Result<ContainerInspectResponse> {
        self.call("inspect", true, |d, id, _| async move {
            crate::engine::compat::inspect_container(&d, &id).await
        })
        .await
    }

    /// The container's status.
    pub async fn status(&self) -> Result<Option<ContainerStatus>> {
        Ok(self
            .inspect()
            .await?
            .state
            .and_then(|s| s.status)
            .and_then(|s| ContainerStatus::from_docker(s.as_ref())))
    }

    /// Starts the container and reads its published ports once (so that
    /// [`http_client`](Self::http_client) needs no await).
    pub(crate) async fn start(&self) -> Result<()> {
        // Repeated after a broken connection: the engine answers 304 when the first attempt
        // did start it.
        self.call("start", true, |d, id, attempt| async move {
            let r = d
                .start_container(
                    &id,
                    None::<bollard::query_parameters::StartContainerOptions>,
                )
                .await;
            already_done(r, attempt)
        })
        .await?;
        self.refresh_ports().await?;
        tracing::info!(target: "seaworthy", container = %self.docker_name(), "started");
        Ok(())
    }

    /// Stops the container: the stop signal, then SIGKILL after `timeout`. Returns the exit code.
    pub(crate) async fn stop(&self, timeout: Duration) -> Result<Option<i64>> {
        let t = i32::try_from(timeout.as_secs()).unwrap_or(i32::MAX);
        self.call("stop", true, move |d, id, attempt| async move {
            let r = d
                .stop_container(&id, Some(StopContainerOptionsBuilder::new().t(t).build()))
                .await;
            already_done(r, attempt)
        })
        .await?;
        *lock(&self.inner.ports) = None;
        tracing::info!(target: "seaworthy", container = %self.docker_name(), "stopped");
        Ok(self.inspect().await?.state.and_then(|s| s.exit_code))
    }

    /// Restarts the container (stop with `timeout`, then start); readiness is the caller's.
    pub(crate) async fn restart(&self, timeout: Duration) -> Result<()> {
        let t = i32::try_from(timeout.as_secs()).unwrap_or(i32::MAX);
        *lock(&self.inner.ports) = None;
        self.call("restart", false, move |d, id, _| async move {
            d.restart_container(
                &id,
                Some(RestartContainerOptionsBuilder::new().t(t).build()),
            )
            .await
        })
        .await?;
        self.refresh_ports().await.map(|_| ())
    }

    /// Removes the container (forcibly, with its anonymous volumes).
    pub(crate) async fn remove(&self) -> Result<()> {
        let consumers: Vec<_> = lock(&self.inner.consumers).drain(..).collect();
        if !consumers.is_empty() {
            // Stopped first, so that each follow reads the last lines and ends; then removed.
            self.stop(Duration::from_secs(0)).await.ok();
            for task in consumers {
                let _ = task.await;
            }
        }
        self.helper()
            .remove(ResourceKind::Container, self.id(), self.docker_name())
            .await
    }

    pub(crate) async fn refresh_ports(&self) -> Result<PublishedPorts> {
        let inspect = self.inspect().await?;
        let map = inspect
            .network_settings
            .as_ref()
            .and_then(|n| n.ports.clone())
            .unwrap_or_default();
        let (engine, docker) = (
            self.helper().engine().clone(),
            self.helper().docker().clone(),
        );
        let ports = PublishedPorts::from_port_map(&map);
        let ports = match engine.runner_container() {
            // The tests run in a container: reach this one on a network they share.
            Some(_) => {
                let e = engine.clone();
                let at =
                    runtime::run(async move { e.reach_container(&docker, &inspect).await }).await?;
                match at {
                    Some(ip) => ports.reached_at(&ip),
                    None => ports.reached_through(&engine),
                }
            }
            None => ports.reached_through(&engine),
        };
        *lock(&self.inner.ports) = Some(ports.clone());
        Ok(ports)
    }

    /// The container's ports: every exposed port, and where the published ones are reachable.
    pub async fn ports(&self) -> Result<PublishedPorts> {
        let cached = lock(&self.inner.ports).clone();
        match cached {
            Some(ports) => Ok(ports),
            None => self.refresh_ports().await,
        }
    }

    /// The port a container TCP port is published on, at
    /// [`published_host`](DockerHelper::published_host) (`127.0.0.1` for a local engine); the
    /// container port itself when the tests run in a container of the engine and reach this
    /// one at its IP address (see [`Engine::runner_container`](crate::engine::Engine::runner_container)).
    pub async fn host_port(&self, container_port: u16) -> Result<u16> {
        self.host_port_proto(container_port, "tcp").await
    }

    /// The port a container port of protocol `proto` (`tcp`, `udp`) is published on, at
    /// [`published_host`](DockerHelper::published_host).
    pub async fn host_port_proto(&self, container_port: u16, proto: &str) -> Result<u16> {
        let ports = self.ports().await?;
        Ok(self.lookup(&ports, container_port, proto)?.host_port)
    }

    /// The published port for `port`/`proto`, or the error saying why there is none.
    pub(crate) fn lookup(
        &self,
        ports: &PublishedPorts,
        port: u16,
        proto: &str,
    ) -> Result<PublishedPort> {
        if let Some(published) = ports.get(port, proto) {
            return Ok(published.clone());
        }
        let (container, spec) = (self.docker_name().to_string(), format!("{port}/{proto}"));
        Err(if ports.is_exposed(port, proto) {
            Error::from(ContainerError::PortNotPublished {
                container,
                spec,
                port,
            })
        } else {
            Error::from(ContainerError::PortNotExposed {
                container,
                spec,
                port,
            })
        })
    }

    pub(crate) fn first_of(&self, ports: &PublishedPorts) -> Result<PublishedPort> {
        ports.first().cloned().ok_or_else(|| {
            Error::from(ContainerError::NoPublishedPorts {
                container: self.docker_name().to_string(),
            })
        })
    }

    /// The host port of the numerically lowest published container port (TCP before UDP).
    pub async fn first_host_port(&self) -> Result<u16> {
        let ports = self.ports().await?;
        Ok(self.first_of(&ports)?.host_port)
    }

    /// An HTTP client for the lowest published port (see [`first_host_port`](Self::first_host_port)).
    ///
    /// Synchronous: it uses the ports read when the container last started. Name the container
    /// port with [`http_client_on`](Self::http_client_on).
    pub fn http_client(&self) -> Result<ContainerHttpClient> {
        let ports = lock(&self.inner.ports).clone().ok_or_else(|| {
            Error::from(ContainerError::ContainerNotRunning {
                container: self.docker_name().to_string(),
            })
        })?;
        let first = self.first_of(&ports)?;
        Ok(ContainerHttpClient::new(&first.host, first.host_port))
    }

    /// An HTTP client for the host port a container TCP port is published on.
    pub async fn http_client_on(&self, container_port: u16) -> Result<ContainerHttpClient> {
        let ports = self.ports().await?;
        let published = self.lookup(&ports, container_port, "tcp")?;
        Ok(ContainerHttpClient::new(
            &published.host,
            published.host_port,
        ))
    }
}
