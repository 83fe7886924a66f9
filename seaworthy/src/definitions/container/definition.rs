//! [`ContainerDefinition`]: the builder, and what it can tell before and after setup.

use std::path::PathBuf;
use std::time::Duration;

use super::request::{split_mode, Config, Mount, Publish};
use crate::cell::SharedCell;
use crate::definitions::{NetworkDefinition, VolumeDefinition};
use crate::error::ContainerError;
use crate::error::{Error, Result};
use crate::handle::ContainerHandle;
use crate::helper::DockerHelper;
use crate::images::PullPolicy;
use crate::wait::Wait;

/// How long readiness may take unless the definition says otherwise (Seaworthy's default).
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(10);

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
    pub(super) config: Config,
    pub(super) state: SharedCell<ContainerHandle>,
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
                create_options: Vec::new(),
                wait: None,
                wait_timeout: DEFAULT_WAIT_TIMEOUT,
                stop_signal: None,
                pull_policy: PullPolicy::Missing,
                extras: Default::default(),
            },
            state: SharedCell::default(),
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

    /// Mounts a volume definition at `target`; append `:ro` to mount it read-only (`:rw`,
    /// read-write, is the default, and is passed on to Docker when written). The volume must be
    /// set up first (as a fixture dependency, it is).
    pub fn volume(mut self, volume: &VolumeDefinition, target: impl AsRef<str>) -> Self {
        let (target, mode) = split_mode(target.as_ref());
        self.config
            .mounts
            .push(Mount::Volume(volume.clone(), target, mode));
        self
    }

    /// Mounts an existing named Docker volume at `target` (`:ro` for read-only, `:rw` kept).
    pub fn named_volume(mut self, name: impl Into<String>, target: impl AsRef<str>) -> Self {
        let (target, mode) = split_mode(target.as_ref());
        self.config
            .mounts
            .push(Mount::Named(name.into(), target, mode));
        self
    }

    /// Bind-mounts a host path at `target` (`:ro` for read-only, `:rw` kept).
    pub fn bind(mut self, host_path: impl Into<PathBuf>, target: impl AsRef<str>) -> Self {
        let (target, mode) = split_mode(target.as_ref());
        self.config
            .mounts
            .push(Mount::Host(host_path.into(), target, mode));
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

    /// Publishes a TCP port on a free port of the engine's publish address (127.0.0.1 for a local
    /// engine, never all interfaces unless `SEAWORTHY_PUBLISH_ADDRESS` says so).
    pub fn publish(mut self, container_port: u16) -> Self {
        self.config.publish.push(Publish {
            port: container_port,
            proto: "tcp",
            host_port: None,
        });
        self
    }

    /// Publishes a UDP port on a free port of the engine's publish address.
    pub fn publish_udp(mut self, container_port: u16) -> Self {
        self.config.publish.push(Publish {
            port: container_port,
            proto: "udp",
            host_port: None,
        });
        self
    }

    /// Publishes a TCP port on a given port of the engine's publish address.
    pub fn publish_to(mut self, container_port: u16, host_port: u16) -> Self {
        self.config.publish.push(Publish {
            port: container_port,
            proto: "tcp",
            host_port: Some(host_port),
        });
        self
    }

    /// Publishes every port the image exposes, each on a free port of the publish address.
    pub fn publish_all(mut self) -> Self {
        self.config.publish_all = true;
        self
    }

    /// Raw create options in Docker's JSON shape (`{"HostConfig": {"Memory": 1e8}}`), merged
    /// deep over what the builder produces (objects merge, everything else is replaced), like
    /// Seaworthy's `create_kwargs`.
    ///
    /// Each call adds a layer; the layers add up and must agree. Two layers that set one value
    /// differently make `setup` fail with [`ContainerError::CreateOptions`](crate::ContainerError::CreateOptions) naming both values (say
    /// `HostConfig.Memory: 1000 vs 2000`), before anything is created.
    pub fn create_options(mut self, options: serde_json::Value) -> Self {
        self.config.create_options.push(options);
        self
    }

    /// How to know the container is ready; checked after every start by `setup`.
    pub fn wait_for(mut self, wait: impl Into<Wait>) -> Self {
        self.config.wait = Some(wait.into());
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

    /// When the image is pulled from its registry (default [`PullPolicy::Missing`]: only when
    /// it is not present). `SEAWORTHY_PULL`, when set, overrides it.
    ///
    /// ```
    /// use seaworthy::{ContainerDefinition, PullPolicy};
    ///
    /// let web = ContainerDefinition::new("web", "nginx:1.27").pull_policy(PullPolicy::Always);
    /// assert_eq!(web.get_pull_policy(), PullPolicy::Always);
    /// ```
    pub fn pull_policy(mut self, policy: PullPolicy) -> Self {
        self.config.pull_policy = policy;
        self
    }

    /// The pull policy set with [`pull_policy`](Self::pull_policy).
    pub fn get_pull_policy(&self) -> PullPolicy {
        self.config.pull_policy
    }

    /// The definition's name (not namespaced; the network alias).
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The image reference.
    pub fn image(&self) -> &str {
        &self.config.image
    }

    /// The readiness check set with [`wait_for`](Self::wait_for), if any.
    pub fn get_wait_for(&self) -> Option<&Wait> {
        self.config.wait.as_ref()
    }

    /// The readiness deadline set with [`wait_timeout`](Self::wait_timeout) (default
    /// [`DEFAULT_WAIT_TIMEOUT`](crate::DEFAULT_WAIT_TIMEOUT)).
    pub fn get_wait_timeout(&self) -> Duration {
        self.config.wait_timeout
    }

    /// The value of an environment variable set with [`env`](Self::env).
    pub fn get_env(&self, key: &str) -> Option<&str> {
        self.config
            .env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The running container's handle: what exec, logs, ports and readiness work on. Every
    /// method of the definition that needs the container delegates to it; take it to hand the
    /// running container to code that must not set it up or tear it down.
    ///
    /// Fails with [`ContainerError::NotSetUp`](crate::ContainerError::NotSetUp) before [`setup`](Self::setup) (or [`create`](Self::create))
    /// and after [`teardown`](Self::teardown).
    ///
    /// ```no_run
    /// # async fn demo(helper: &seaworthy::DockerHelper) -> seaworthy::Result<()> {
    /// use seaworthy::ContainerDefinition;
    ///
    /// let c = ContainerDefinition::new("box", "seaworthy-test/busybox").command(["sleep", "60"]);
    /// assert!(c.handle().is_err());
    /// c.setup(helper).await?;
    /// let handle = c.handle()?;
    /// assert_eq!(handle.id(), c.id()?);
    /// assert_eq!(handle.exec_ok(["echo", "hi"]).await?.stdout_str(), "hi\n");
    /// c.teardown().await?;
    /// # Ok(()) }
    /// ```
    pub fn handle(&self) -> Result<ContainerHandle> {
        self.state.get().ok_or_else(|| {
            Error::from(ContainerError::NotSetUp {
                kind: "container",
                name: self.config.name.clone(),
            })
        })
    }

    /// `true` once the container is created (and until it is removed).
    pub fn is_created(&self) -> bool {
        self.state.is_set()
    }

    /// The container's ID, once created.
    pub fn id(&self) -> Result<String> {
        Ok(self.handle()?.id().to_string())
    }

    /// The container's Docker name (`<namespace>_<name>_<suffix>`), once created.
    pub fn docker_name(&self) -> Result<String> {
        Ok(self.handle()?.docker_name().to_string())
    }

    /// How long readiness took at the last setup.
    pub fn ready_after(&self) -> Option<Duration> {
        self.state.get().and_then(|h| h.ready_after())
    }

    /// The helper that created the container.
    pub fn helper(&self) -> Result<DockerHelper> {
        Ok(self.handle()?.helper().clone())
    }
}
