//! [`ContainerDefinition`]: a container described by a builder and driven through its lifecycle.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, EndpointSettings, HostConfig, NetworkingConfig,
    PortBinding, PortMap,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, RestartContainerOptionsBuilder, StopContainerOptionsBuilder,
};

use crate::definitions::{NetworkDefinition, VolumeDefinition};
use crate::error::{Error, Result};
use crate::exec::{Exec, ExecOutput};
use crate::helper::{DockerHelper, ResourceKind};
use crate::http::ContainerHttpClient;
use crate::logs::{LogOptions, LogStream};
use crate::matchers::Matcher;
use crate::ps::{PsRow, PsTree};
use crate::runtime;
use crate::wait::Wait;

/// How long readiness may take unless the definition says otherwise (Seaworthy's default).
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(10);

/// The state Docker reports for a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContainerStatus {
    /// Created, never started.
    Created,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Restarting.
    Restarting,
    /// Being removed.
    Removing,
    /// Exited.
    Exited,
    /// Dead.
    Dead,
}

impl ContainerStatus {
    fn from_docker(s: &str) -> Option<ContainerStatus> {
        Some(match s {
            "created" => ContainerStatus::Created,
            "running" => ContainerStatus::Running,
            "paused" => ContainerStatus::Paused,
            "restarting" => ContainerStatus::Restarting,
            "removing" => ContainerStatus::Removing,
            "exited" => ContainerStatus::Exited,
            "dead" => ContainerStatus::Dead,
            _ => return None,
        })
    }

    /// Docker's word for the status: `created`, `running`, `exited`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerStatus::Created => "created",
            ContainerStatus::Running => "running",
            ContainerStatus::Paused => "paused",
            ContainerStatus::Restarting => "restarting",
            ContainerStatus::Removing => "removing",
            ContainerStatus::Exited => "exited",
            ContainerStatus::Dead => "dead",
        }
    }
}

impl std::fmt::Display for ContainerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone)]
enum Mount {
    Volume(VolumeDefinition, String, bool),
    Named(String, String, bool),
    Host(PathBuf, String, bool),
}

#[derive(Debug, Clone)]
struct Publish {
    port: u16,
    proto: &'static str,
    host_port: Option<u16>,
}

#[derive(Debug, Clone)]
struct Config {
    name: String,
    image: String,
    command: Option<Vec<String>>,
    entrypoint: Option<Vec<String>>,
    env: Vec<(String, String)>,
    user: Option<String>,
    workdir: Option<String>,
    mounts: Vec<Mount>,
    tmpfs: Vec<(String, String)>,
    network: Option<NetworkDefinition>,
    aliases: Vec<String>,
    labels: Vec<(String, String)>,
    publish: Vec<Publish>,
    publish_all: bool,
    create_options: Option<serde_json::Value>,
    wait: Option<Wait>,
    wait_timeout: Duration,
    stop_signal: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Created {
    pub(crate) id: String,
    pub(crate) docker_name: String,
    pub(crate) helper: DockerHelper,
    ports: Option<PortMap>,
    ready_after: Option<Duration>,
}

impl Created {
    /// Docker's full description of the container.
    pub(crate) async fn inspect(&self) -> Result<ContainerInspectResponse> {
        self.call("inspect", |d, id| async move {
            d.inspect_container(
                &id,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
        })
        .await
    }

    /// Runs one bollard call for this container on the library's runtime; its error names the
    /// container (`failed to <verb> container `test_web_…`: …`).
    pub(crate) async fn call<T, F, Fut>(&self, verb: &str, f: F) -> Result<T>
    where
        F: FnOnce(bollard::Docker, String) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = std::result::Result<T, bollard::errors::Error>>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let action = format!("{verb} container `{}`", self.docker_name);
        let (docker, id) = (self.helper.docker().clone(), self.id.clone());
        runtime::run(async move { f(docker, id).await.map_err(|e| Error::docker(action, e)) }).await
    }
}

/// Where a container is attached when the fixture harness sets it up.
#[derive(Debug, Clone, Default)]
pub struct Attachment {
    /// The network to attach to at creation (its Docker ID).
    pub network: Option<String>,
    /// Network aliases on it (the fixture name, …).
    pub aliases: Vec<String>,
}

/// A container: what to run and how to know it is ready, plus its lifecycle and inspection.
///
/// The definition is a builder; [`setup`](Self::setup) creates and starts the container and waits
/// until it is ready, [`teardown`](Self::teardown) removes it (forcibly, with its anonymous
/// volumes). Clones share the created container, so a definition handed to several tests is one
/// container.
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// use seaworthy::{ContainerDefinition, DockerHelper, Wait};
///
/// let helper = DockerHelper::connect().await?;
/// let web = ContainerDefinition::new("web", "seaworthy-test/busybox")
///     .command(["httpd", "-f", "-v", "-p", "8080", "-h", "/etc"])
///     .publish(8080)
///     .wait_for(Wait::http("/passwd").status(200));
/// web.setup(&helper).await?;
/// let body = web.http_client()?.get("/passwd").send().await.unwrap().text().await.unwrap();
/// assert!(body.starts_with("root:"));
/// web.teardown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ContainerDefinition {
    config: Config,
    state: Arc<Mutex<Option<Created>>>,
}

impl ContainerDefinition {
    /// A container named `name` (the network alias, and part of its Docker name) from `image`.
    pub fn new(name: impl Into<String>, image: impl Into<String>) -> Self {
        ContainerDefinition {
            config: Config {
                name: name.into(),
                image: image.into(),
                command: None,
                entrypoint: None,
                env: Vec::new(),
                user: None,
                workdir: None,
                mounts: Vec::new(),
                tmpfs: Vec::new(),
                network: None,
                aliases: Vec::new(),
                labels: Vec::new(),
                publish: Vec::new(),
                publish_all: false,
                create_options: None,
                wait: None,
                wait_timeout: DEFAULT_WAIT_TIMEOUT,
                stop_signal: None,
            },
            state: Arc::new(Mutex::new(None)),
        }
    }

    /// The command (Docker's `Cmd`), replacing the image's.
    pub fn command<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.command = Some(args.into_iter().map(Into::into).collect());
        self
    }

    /// The entrypoint, replacing the image's.
    pub fn entrypoint<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.entrypoint = Some(args.into_iter().map(Into::into).collect());
        self
    }

    /// An environment variable (a later value for the same key wins).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let key = key.into();
        self.config.env.retain(|(k, _)| *k != key);
        self.config.env.push((key, value.into()));
        self
    }

    /// The user (`name`, `uid` or `uid:gid`) the container's process runs as.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.config.user = Some(user.into());
        self
    }

    /// The working directory.
    pub fn workdir(mut self, dir: impl Into<String>) -> Self {
        self.config.workdir = Some(dir.into());
        self
    }

    /// Mounts a volume definition at `target`; append `:ro` to mount it read-only. The volume
    /// must be set up first (as a fixture dependency, it is).
    pub fn volume(mut self, volume: &VolumeDefinition, target: impl AsRef<str>) -> Self {
        let (target, ro) = split_mode(target.as_ref());
        self.config
            .mounts
            .push(Mount::Volume(volume.clone(), target, ro));
        self
    }

    /// Mounts an existing named Docker volume at `target` (`:ro` for read-only).
    pub fn named_volume(mut self, name: impl Into<String>, target: impl AsRef<str>) -> Self {
        let (target, ro) = split_mode(target.as_ref());
        self.config
            .mounts
            .push(Mount::Named(name.into(), target, ro));
        self
    }

    /// Bind-mounts a host path at `target` (`:ro` for read-only).
    pub fn bind(mut self, host_path: impl Into<PathBuf>, target: impl AsRef<str>) -> Self {
        let (target, ro) = split_mode(target.as_ref());
        self.config
            .mounts
            .push(Mount::Host(host_path.into(), target, ro));
        self
    }

    /// Mounts a tmpfs at `path` with mount options such as `uid=999,gid=999`.
    pub fn tmpfs(mut self, path: impl Into<String>, options: impl Into<String>) -> Self {
        self.config.tmpfs.push((path.into(), options.into()));
        self
    }

    /// Attaches the container to a network definition (set up first), with its name as alias.
    pub fn network(mut self, network: &NetworkDefinition) -> Self {
        self.config.network = Some(network.clone());
        self
    }

    /// Another network alias besides the container's name.
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.config.aliases.push(alias.into());
        self
    }

    /// A label (besides the `seaworthy.*` labels every container carries).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.labels.push((key.into(), value.into()));
        self
    }

    /// Publishes a TCP port on a free port of 127.0.0.1 (never on all interfaces).
    pub fn publish(mut self, container_port: u16) -> Self {
        self.config.publish.push(Publish {
            port: container_port,
            proto: "tcp",
            host_port: None,
        });
        self
    }

    /// Publishes a UDP port on a free port of 127.0.0.1.
    pub fn publish_udp(mut self, container_port: u16) -> Self {
        self.config.publish.push(Publish {
            port: container_port,
            proto: "udp",
            host_port: None,
        });
        self
    }

    /// Publishes a TCP port on a given port of 127.0.0.1.
    pub fn publish_to(mut self, container_port: u16, host_port: u16) -> Self {
        self.config.publish.push(Publish {
            port: container_port,
            proto: "tcp",
            host_port: Some(host_port),
        });
        self
    }

    /// Publishes every port the image exposes, each on a free port of 127.0.0.1.
    pub fn publish_all(mut self) -> Self {
        self.config.publish_all = true;
        self
    }

    /// Raw create options in Docker's JSON shape (`{"HostConfig": {"Memory": 1e8}}`), merged
    /// deep over what the builder produces (objects merge, everything else is replaced), like
    /// Seaworthy's `create_kwargs`. Later calls merge over earlier ones.
    pub fn create_options(mut self, options: serde_json::Value) -> Self {
        match &mut self.config.create_options {
            None => self.config.create_options = Some(options),
            Some(existing) => {
                // An error here is reported at setup, where it can be returned.
                if crate::merge::deep_merge(existing, options.clone()).is_err() {
                    self.config.create_options = Some(options);
                }
            }
        }
        self
    }

    /// How to know the container is ready; checked after every start by `setup`.
    pub fn wait_for(mut self, wait: Wait) -> Self {
        self.config.wait = Some(wait);
        self
    }

    /// The single deadline for readiness (default 10 s).
    pub fn wait_timeout(mut self, timeout: Duration) -> Self {
        self.config.wait_timeout = timeout;
        self
    }

    /// The signal `stop` sends first (default: the image's, usually SIGTERM).
    pub fn stop_signal(mut self, signal: impl Into<String>) -> Self {
        self.config.stop_signal = Some(signal.into());
        self
    }

    /// The definition's name (not namespaced; the network alias).
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The image reference.
    pub fn image(&self) -> &str {
        &self.config.image
    }

    /// The readiness check, if any.
    pub fn readiness(&self) -> Option<&Wait> {
        self.config.wait.as_ref()
    }

    /// The readiness deadline.
    pub fn readiness_timeout(&self) -> Duration {
        self.config.wait_timeout
    }

    /// The value of an environment variable set on the definition.
    pub fn env_value(&self, key: &str) -> Option<&str> {
        self.config
            .env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Created>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn created(&self) -> Result<Created> {
        self.lock().clone().ok_or_else(|| Error::NotSetUp {
            kind: "container",
            name: self.config.name.clone(),
        })
    }

    /// `true` once the container is created (and until it is removed).
    pub fn is_created(&self) -> bool {
        self.lock().is_some()
    }

    /// The container's ID, once created.
    pub fn id(&self) -> Result<String> {
        Ok(self.created()?.id)
    }

    /// The container's Docker name (`<namespace>_<name>_<suffix>`), once created.
    pub fn docker_name(&self) -> Result<String> {
        Ok(self.created()?.docker_name)
    }

    /// How long readiness took at the last setup.
    pub fn ready_after(&self) -> Option<Duration> {
        self.lock().as_ref().and_then(|c| c.ready_after)
    }

    /// The helper that created the container.
    pub fn helper(&self) -> Result<DockerHelper> {
        Ok(self.created()?.helper)
    }

    /// Creates, starts and waits for readiness; does nothing if already created.
    ///
    /// If readiness fails the container is left in place (to be inspected) and the error carries
    /// its last log lines; [`teardown`](Self::teardown) removes it.
    pub async fn setup(&self, helper: &DockerHelper) -> Result<()> {
        self.setup_attached(helper, &Attachment::default()).await
    }

    /// Like [`setup`](Self::setup), attached to a network chosen by the caller (the fixture
    /// harness uses this to put the containers of one test on one network).
    pub async fn setup_attached(&self, helper: &DockerHelper, attach: &Attachment) -> Result<()> {
        if self.is_created() {
            return Ok(());
        }
        self.create_attached(helper, attach).await?;
        self.start().await?;
        self.wait_until_ready().await
    }

    /// Removes the container if it exists (forcibly, with its anonymous volumes). Idempotent.
    pub async fn teardown(&self) -> Result<()> {
        if self.is_created() {
            self.remove().await?;
        }
        Ok(())
    }

    /// Creates the container without starting it.
    pub async fn create(&self, helper: &DockerHelper) -> Result<()> {
        self.create_attached(helper, &Attachment::default()).await
    }

    async fn create_attached(&self, helper: &DockerHelper, attach: &Attachment) -> Result<()> {
        if self.is_created() {
            return Err(Error::AlreadyCreated {
                kind: "container",
                name: self.config.name.clone(),
            });
        }
        let image = helper.ensure_image(&self.config.image).await?;
        let docker_name = helper.resource_name(&self.config.name);
        let body = self.create_body(helper, &image.exposed_ports, attach)?;
        let extra_networks = self.extra_networks(attach)?;
        let docker = helper.docker().clone();
        let name = docker_name.clone();
        let image_ref = self.config.image.clone();
        let id = runtime::run(async move {
            let created = docker
                .create_container(
                    Some(CreateContainerOptionsBuilder::new().name(&name).build()),
                    body,
                )
                .await;
            match created {
                Ok(r) => Ok(r.id),
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 409, ..
                }) => Err(Error::NameConflict {
                    kind: "container",
                    name,
                }),
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404,
                    message,
                }) if message.contains("image") => Err(Error::ImageNotFound {
                    image: image_ref,
                    reason: message,
                }),
                Err(e) => Err(Error::docker(format!("create container `{name}`"), e)),
            }
        })
        .await?;
        helper.track(ResourceKind::Container, &id, &docker_name);
        *self.lock() = Some(Created {
            id: id.clone(),
            docker_name: docker_name.clone(),
            helper: helper.clone(),
            ports: None,
            ready_after: None,
        });
        for (net, aliases) in extra_networks {
            crate::definitions::network::connect(helper, &net, &id, &aliases).await?;
        }
        Ok(())
    }

    fn aliases(&self) -> Vec<String> {
        let mut a = vec![self.config.name.clone()];
        for x in &self.config.aliases {
            if !a.contains(x) {
                a.push(x.clone());
            }
        }
        a
    }

    /// Networks to connect after creation (API 1.41 attaches only one at create time).
    fn extra_networks(&self, attach: &Attachment) -> Result<Vec<(String, Vec<String>)>> {
        let mut out = Vec::new();
        if let (Some(_), Some(net)) = (&attach.network, &self.config.network) {
            out.push((net.id()?, self.aliases()));
        }
        Ok(out)
    }

    fn create_body(
        &self,
        helper: &DockerHelper,
        image_ports: &[String],
        attach: &Attachment,
    ) -> Result<ContainerCreateBody> {
        let c = &self.config;
        let mut labels = helper.labels(&c.name);
        labels.extend(c.labels.iter().cloned());

        let mut port_bindings: PortMap = HashMap::new();
        let mut exposed: Vec<String> = Vec::new();
        let bind = |port: Option<u16>| {
            Some(vec![PortBinding {
                host_ip: Some("127.0.0.1".to_string()),
                host_port: Some(port.map(|p| p.to_string()).unwrap_or_default()),
            }])
        };
        if c.publish_all {
            for spec in image_ports {
                port_bindings.insert(spec.clone(), bind(None));
            }
        }
        for p in &c.publish {
            let spec = format!("{}/{}", p.port, p.proto);
            exposed.push(spec.clone());
            port_bindings.insert(spec, bind(p.host_port));
        }

        let mut binds = Vec::new();
        for m in &c.mounts {
            let (source, target, ro) = match m {
                Mount::Volume(v, t, ro) => (v.docker_name()?, t, *ro),
                Mount::Named(n, t, ro) => (n.clone(), t, *ro),
                Mount::Host(p, t, ro) => (p.display().to_string(), t, *ro),
            };
            binds.push(format!("{source}:{target}{}", if ro { ":ro" } else { "" }));
        }

        let mut aliases = self.aliases();
        for a in &attach.aliases {
            if !aliases.contains(a) {
                aliases.push(a.clone());
            }
        }
        let network_id = match (&attach.network, &c.network) {
            (Some(id), _) => Some(id.clone()),
            (None, Some(net)) => Some(net.id()?),
            (None, None) => None,
        };
        let networking_config = network_id.map(|id| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                id,
                EndpointSettings {
                    aliases: Some(aliases),
                    ..Default::default()
                },
            )])),
        });

        let body = ContainerCreateBody {
            image: Some(c.image.clone()),
            cmd: c.command.clone(),
            entrypoint: c.entrypoint.clone(),
            env: (!c.env.is_empty())
                .then(|| c.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            user: c.user.clone(),
            working_dir: c.workdir.clone(),
            labels: Some(labels),
            exposed_ports: (!exposed.is_empty()).then_some(exposed),
            stop_signal: c.stop_signal.clone(),
            host_config: Some(HostConfig {
                port_bindings: (!port_bindings.is_empty()).then_some(port_bindings),
                binds: (!binds.is_empty()).then_some(binds),
                tmpfs: (!c.tmpfs.is_empty()).then(|| c.tmpfs.iter().cloned().collect()),
                network_mode: network_id_mode(&networking_config),
                ..Default::default()
            }),
            networking_config,
            ..Default::default()
        };
        match &c.create_options {
            None => Ok(body),
            Some(extra) => {
                let invalid = |reason: String| Error::InvalidCreateOptions {
                    container: c.name.clone(),
                    reason,
                };
                let mut value = serde_json::to_value(&body).map_err(|e| invalid(e.to_string()))?;
                crate::merge::deep_merge(&mut value, extra.clone())?;
                serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
            }
        }
    }

    /// Starts the (created) container.
    pub async fn start(&self) -> Result<()> {
        let c = self.created()?;
        c.call("start", |d, id| async move {
            d.start_container(
                &id,
                None::<bollard::query_parameters::StartContainerOptions>,
            )
            .await
        })
        .await?;
        self.invalidate_ports();
        // Read the published ports once now, so `http_client()` needs no await.
        self.ports().await?;
        tracing::info!(target: "seaworthy", container = %c.docker_name, "started");
        Ok(())
    }

    /// Waits until the readiness check passes (nothing to wait for without one).
    pub async fn wait_until_ready(&self) -> Result<()> {
        let started = Instant::now();
        if let Some(wait) = &self.config.wait {
            crate::wait::wait_ready(self, wait, self.config.wait_timeout).await?;
        }
        let elapsed = started.elapsed();
        if let Some(c) = self.lock().as_mut() {
            c.ready_after = Some(elapsed);
        }
        tracing::info!(target: "seaworthy", container = %self.docker_name().unwrap_or_default(), ms = elapsed.as_millis() as u64, "ready");
        Ok(())
    }

    /// Stops the container: the stop signal, then SIGKILL after `timeout`. Returns the exit code.
    pub async fn stop(&self, timeout: Duration) -> Result<Option<i64>> {
        let c = self.created()?;
        let t = i32::try_from(timeout.as_secs()).unwrap_or(i32::MAX);
        c.call("stop", move |d, id| async move {
            d.stop_container(&id, Some(StopContainerOptionsBuilder::new().t(t).build()))
                .await
        })
        .await?;
        self.invalidate_ports();
        tracing::info!(target: "seaworthy", container = %c.docker_name, "stopped");
        Ok(self.inspect().await?.state.and_then(|s| s.exit_code))
    }

    /// Restarts the container (stop with `timeout`, then start) and waits for readiness again.
    pub async fn restart(&self, timeout: Duration) -> Result<()> {
        let c = self.created()?;
        let t = i32::try_from(timeout.as_secs()).unwrap_or(i32::MAX);
        c.call("restart", move |d, id| async move {
            d.restart_container(
                &id,
                Some(RestartContainerOptionsBuilder::new().t(t).build()),
            )
            .await
        })
        .await?;
        self.invalidate_ports();
        self.ports().await?;
        self.wait_until_ready().await
    }

    /// Removes the container (forcibly, with its anonymous volumes).
    pub async fn remove(&self) -> Result<()> {
        let c = self.created()?;
        c.helper
            .remove(ResourceKind::Container, &c.id, &c.docker_name)
            .await?;
        *self.lock() = None;
        Ok(())
    }

    /// The container's status, or `None` when it is not created.
    pub async fn status(&self) -> Result<Option<ContainerStatus>> {
        if !self.is_created() {
            return Ok(None);
        }
        let inspect = self.inspect().await?;
        Ok(inspect
            .state
            .and_then(|s| s.status)
            .and_then(|s| ContainerStatus::from_docker(s.as_ref())))
    }

    /// Docker's full description of the container.
    pub async fn inspect(&self) -> Result<ContainerInspectResponse> {
        self.created()?.inspect().await
    }

    fn invalidate_ports(&self) {
        if let Some(c) = self.lock().as_mut() {
            c.ports = None;
        }
    }

    /// The container's port map (`"80/tcp"` to its host bindings, `None` when not published).
    pub async fn ports(&self) -> Result<PortMap> {
        if let Some(ports) = self.lock().as_ref().and_then(|c| c.ports.clone()) {
            return Ok(ports);
        }
        let ports = self
            .inspect()
            .await?
            .network_settings
            .and_then(|n| n.ports)
            .unwrap_or_default();
        if let Some(c) = self.lock().as_mut() {
            c.ports = Some(ports.clone());
        }
        Ok(ports)
    }

    /// The 127.0.0.1 port a container TCP port is published on.
    pub async fn host_port(&self, container_port: u16) -> Result<u16> {
        self.host_port_proto(container_port, "tcp").await
    }

    /// The 127.0.0.1 port a container port of protocol `proto` (`tcp`, `udp`) is published on.
    pub async fn host_port_proto(&self, container_port: u16, proto: &str) -> Result<u16> {
        let ports = self.ports().await?;
        let spec = format!("{container_port}/{proto}");
        let container = self.docker_name()?;
        match ports.get(&spec) {
            None => Err(Error::PortNotExposed {
                container,
                spec,
                port: container_port,
            }),
            Some(bindings) => pick_binding(bindings.as_deref().unwrap_or_default()).ok_or(
                Error::PortNotPublished {
                    container,
                    spec,
                    port: container_port,
                },
            ),
        }
    }

    /// The host port of the numerically lowest published container port (TCP before UDP).
    pub async fn first_host_port(&self) -> Result<u16> {
        let ports = self.ports().await?;
        first_published(&ports).ok_or(Error::NoPublishedPorts {
            container: self.docker_name()?,
        })
    }

    /// An HTTP client for the lowest published port (see [`first_host_port`](Self::first_host_port)).
    ///
    /// This is a synchronous shortcut that uses the ports read at the last inspection; call
    /// [`http_client_for`](Self::http_client_for) to name a port.
    pub fn http_client(&self) -> Result<ContainerHttpClient> {
        let c = self.created()?;
        let ports = c.ports.ok_or_else(|| {
            Error::Other(format!(
                "container `{}` is not running, so it has no published ports\n(hint: start it first)",
                c.docker_name
            ))
        })?;
        let port = first_published(&ports).ok_or(Error::NoPublishedPorts {
            container: c.docker_name.clone(),
        })?;
        Ok(ContainerHttpClient::new("127.0.0.1", port))
    }

    /// An HTTP client for the host port a container TCP port is published on.
    pub async fn http_client_for(&self, container_port: u16) -> Result<ContainerHttpClient> {
        let port = self.host_port(container_port).await?;
        Ok(ContainerHttpClient::new("127.0.0.1", port))
    }

    /// The container's logs so far, both streams, as text.
    pub async fn logs(&self) -> Result<String> {
        self.logs_with(LogOptions::default()).await
    }

    /// The container's logs with options (streams, tail, timestamps, since).
    pub async fn logs_with(&self, options: LogOptions) -> Result<String> {
        let c = self.created()?;
        crate::logs::fetch(&c, options).await
    }

    /// The last `n` log lines, both streams.
    pub async fn last_log_lines(&self, n: usize) -> Result<Vec<String>> {
        let text = self.logs_with(LogOptions::default().tail(n)).await?;
        Ok(crate::output::output_lines(text.as_bytes()))
    }

    /// Follows the logs as a stream of lines until the container stops or `timeout` passes (then
    /// the stream yields [`Error::StreamTimeout`] and ends).
    pub fn stream_logs(&self, options: LogOptions, timeout: Duration) -> Result<LogStream> {
        let c = self.created()?;
        Ok(crate::logs::stream(&c, options, timeout))
    }

    /// Waits until a log line (either stream, from the start of the logs) satisfies `matcher`,
    /// and returns it. Lines are rebuilt per stream and trailing whitespace is trimmed.
    pub async fn wait_for_logs_matching(
        &self,
        matcher: &mut dyn Matcher,
        timeout: Duration,
    ) -> Result<String> {
        let c = self.created()?;
        crate::logs::wait_for_match(&c, matcher, LogOptions::default(), timeout).await
    }

    /// Runs a command in the container and collects its exit code and output.
    pub async fn exec<I, S>(&self, cmd: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exec_with(Exec::new(cmd)).await
    }

    /// Runs a command described by an [`Exec`] (user, env, working directory).
    pub async fn exec_with(&self, exec: Exec) -> Result<ExecOutput> {
        let c = self.created()?;
        crate::exec::run(&c, exec).await
    }

    /// Runs a command and fails with its output when it exits non-zero.
    pub async fn exec_ok<I, S>(&self, cmd: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let c = self.created()?;
        let exec = Exec::new(cmd);
        let command = exec.command_line();
        let out = crate::exec::run(&c, exec).await?;
        if out.exit_code != 0 {
            return Err(Error::ExecFailed {
                container: c.docker_name,
                command,
                exit_code: out.exit_code,
                stdout: out.stdout_str(),
                stderr: out.stderr_str(),
            });
        }
        Ok(out)
    }

    /// The processes in the container, from `ps` run inside it (the container's PID namespace).
    pub async fn processes(&self) -> Result<Vec<PsRow>> {
        let out = self.exec_ok(crate::ps::PS_COMMAND).await?;
        Ok(crate::ps::parse_ps_output(&out.stdout_str())?)
    }

    /// The container's processes as a tree rooted at PID 1.
    ///
    /// Commands run with `exec` (by this test or, for a shared container, by another one at the
    /// same moment) also have parent PID 0 inside the container; they and their children are
    /// left out, so the tree is the container's own.
    pub async fn process_tree(&self) -> Result<PsTree> {
        let rows = own_processes(self.processes().await?);
        Ok(crate::ps::build_process_tree(&rows)?)
    }
}

/// PID 1 and its descendants: drops other roots (exec'd commands) and everything under them.
fn own_processes(rows: Vec<PsRow>) -> Vec<PsRow> {
    let mut keep: std::collections::HashSet<u32> = std::collections::HashSet::from([1]);
    // Parents precede children in `ps` order almost always; iterate to a fixed point anyway.
    loop {
        let before = keep.len();
        for r in &rows {
            if keep.contains(&r.ppid) && r.ppid != 0 {
                keep.insert(r.pid);
            }
        }
        if keep.len() == before {
            break;
        }
    }
    if !rows.iter().any(|r| r.pid == 1) {
        // No PID 1 (a --pid=host container, say): let the tree builder report what it sees.
        return rows;
    }
    rows.into_iter().filter(|r| keep.contains(&r.pid)).collect()
}

fn network_id_mode(net: &Option<NetworkingConfig>) -> Option<String> {
    net.as_ref()
        .and_then(|n| n.endpoints_config.as_ref())
        .and_then(|e| e.keys().next().cloned())
}

fn split_mode(target: &str) -> (String, bool) {
    match target.strip_suffix(":ro") {
        Some(t) => (t.to_string(), true),
        None => (
            target.strip_suffix(":rw").unwrap_or(target).to_string(),
            false,
        ),
    }
}

/// The IPv4 loopback binding, else the first IPv4 one, else the first.
fn pick_binding(bindings: &[PortBinding]) -> Option<u16> {
    let port = |b: &PortBinding| b.host_port.as_deref().and_then(|p| p.parse::<u16>().ok());
    bindings
        .iter()
        .find(|b| b.host_ip.as_deref() == Some("127.0.0.1"))
        .or_else(|| {
            bindings
                .iter()
                .find(|b| b.host_ip.as_deref().is_some_and(|ip| !ip.contains(':')))
        })
        .or_else(|| bindings.first())
        .and_then(port)
}

/// The host port of the numerically lowest published spec, TCP before UDP.
pub(crate) fn first_published(ports: &PortMap) -> Option<u16> {
    let mut specs: Vec<(u16, &str, u16)> = ports
        .iter()
        .filter_map(|(spec, b)| {
            let (port, proto) = spec.split_once('/').unwrap_or((spec.as_str(), "tcp"));
            let port = port.parse::<u16>().ok()?;
            let host = pick_binding(b.as_deref()?)?;
            Some((port, proto, host))
        })
        .collect();
    specs.sort();
    specs.first().map(|(_, _, host)| *host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(ip: &str, port: &str) -> PortBinding {
        PortBinding {
            host_ip: Some(ip.into()),
            host_port: Some(port.into()),
        }
    }

    #[test]
    fn first_published_sorts_numerically_and_skips_unpublished() {
        let ports: PortMap = HashMap::from([
            ("80/tcp".to_string(), None),
            (
                "8000/tcp".to_string(),
                Some(vec![binding("127.0.0.1", "32001")]),
            ),
            (
                "90/udp".to_string(),
                Some(vec![binding("127.0.0.1", "10702")]),
            ),
            (
                "90/tcp".to_string(),
                Some(vec![binding("127.0.0.1", "10701")]),
            ),
        ]);
        assert_eq!(first_published(&ports), Some(10701));
        assert_eq!(first_published(&HashMap::new()), None);
    }

    #[test]
    fn ipv4_binding_preferred_over_ipv6() {
        let b = [binding("::", "1"), binding("0.0.0.0", "2")];
        assert_eq!(pick_binding(&b), Some(2));
        let b = [binding("0.0.0.0", "2"), binding("127.0.0.1", "3")];
        assert_eq!(pick_binding(&b), Some(3));
    }

    #[test]
    fn process_tree_keeps_pid_1_and_its_descendants_only() {
        let row = |pid, ppid, args: &str| PsRow {
            pid,
            ppid,
            ruser: "root".into(),
            args: args.into(),
        };
        let rows = vec![
            row(1, 0, "init"),
            row(7, 1, "worker"),
            row(9, 7, "child"),
            row(101, 0, "psql -c select"),
            row(102, 101, "pager"),
        ];
        let kept: Vec<u32> = own_processes(rows).iter().map(|r| r.pid).collect();
        assert_eq!(kept, vec![1, 7, 9]);
        let orphans = vec![row(5, 0, "a"), row(6, 0, "b")];
        assert_eq!(own_processes(orphans.clone()), orphans);
    }

    #[test]
    fn mount_mode_suffixes() {
        assert_eq!(split_mode("/a:ro"), ("/a".to_string(), true));
        assert_eq!(split_mode("/a:rw"), ("/a".to_string(), false));
        assert_eq!(split_mode("/a"), ("/a".to_string(), false));
    }
}
