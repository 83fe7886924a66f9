//! [`VolumeDefinition`]: a named volume, named and labelled by the helper.

use bollard::models::VolumeCreateRequest;

use super::created::{Created, CreatedState};
use crate::engine::retry;
use crate::error::Result;
use crate::helper::{DockerHelper, ResourceKind};
use crate::runtime;

/// A named volume, to share files between containers or keep them across a restart.
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// use seaworthy::{ContainerDefinition, DockerHelper, VolumeDefinition};
///
/// let helper = DockerHelper::connect().await?;
/// let data = VolumeDefinition::new("data");
/// data.setup(&helper).await?;
/// let writer = ContainerDefinition::new("writer", "seaworthy-test/busybox")
///     .command(["sh", "-c", "echo hi > /data/f"])
///     .volume(&data, "/data");
/// writer.setup(&helper).await?;
/// writer.teardown().await?;
/// data.teardown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct VolumeDefinition {
    name: String,
    driver: String,
    driver_opts: Vec<(String, String)>,
    labels: Vec<(String, String)>,
    state: CreatedState,
}

impl VolumeDefinition {
    /// A volume named `name` (namespaced by the helper).
    pub fn new(name: impl Into<String>) -> Self {
        VolumeDefinition {
            name: name.into(),
            driver: "local".into(),
            driver_opts: Vec::new(),
            labels: Vec::new(),
            state: CreatedState::volume(),
        }
    }

    /// The volume driver (default `local`).
    pub fn driver(mut self, driver: impl Into<String>) -> Self {
        self.driver = driver.into();
        self
    }

    /// A driver option, e.g. `("type", "tmpfs")`.
    pub fn driver_opt(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.driver_opts.push((key.into(), value.into()));
        self
    }

    /// A label besides the `seaworthy.*` ones.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.push((key.into(), value.into()));
        self
    }

    /// The definition's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn created(&self) -> Result<Created> {
        self.state.get(&self.name)
    }

    /// `true` once created.
    pub fn is_created(&self) -> bool {
        self.state.is_set()
    }

    /// The volume's Docker name, once created.
    pub fn docker_name(&self) -> Result<String> {
        Ok(self.created()?.docker_name)
    }

    /// Creates the volume; does nothing if already created. Clones share the volume:
    /// concurrent setups of clones create it once.
    pub async fn setup(&self, helper: &DockerHelper) -> Result<()> {
        self.state.setup(|| self.create(helper)).await
    }

    async fn create(&self, helper: &DockerHelper) -> Result<Created> {
        helper.before_create().await;
        let (docker_name, mut labels) = match helper.reuse_identity() {
            // Kept between runs: named from the hash of what defines it. Creating an existing
            // volume answers it, so concurrent runs share one.
            Some(identity) => {
                let hash = crate::cleanup::reuse::digest([
                    identity,
                    "volume",
                    &self.driver,
                    &format!("{:?}", self.driver_opts),
                    &format!("{:?}", self.labels),
                ]);
                super::reused::reused_name_and_labels(helper, &self.name, &hash)
            }
            None => (helper.resource_name(&self.name), helper.labels(&self.name)),
        };
        labels.extend(self.labels.iter().cloned());
        let request = VolumeCreateRequest {
            name: Some(docker_name.clone()),
            driver: Some(self.driver.clone()),
            driver_opts: (!self.driver_opts.is_empty())
                .then(|| self.driver_opts.iter().cloned().collect()),
            labels: Some(labels),
            ..Default::default()
        };
        let docker = helper.docker().clone();
        let name = docker_name.clone();
        let target = helper.target();
        runtime::run(async move {
            // Volume names are unique and creating an existing one answers it: a create whose
            // connection broke may be repeated.
            let action = format!("create volume `{name}`");
            retry::read(&target, &action, |_| docker.create_volume(request.clone())).await
        })
        .await?;
        helper.track(ResourceKind::Volume, &docker_name, &docker_name);
        Ok(Created {
            id: docker_name.clone(),
            docker_name,
            helper: helper.clone(),
        })
    }

    /// Takes on the volume `docker_name` another process of the run created (a shared fixture),
    /// after checking it still exists; does nothing if already set up.
    pub(crate) async fn adopt(&self, helper: &DockerHelper, docker_name: &str) -> Result<()> {
        self.state.adopt(helper, docker_name, docker_name).await
    }

    /// Removes the volume if it exists. Idempotent. Fails while a container still uses it.
    pub async fn teardown(&self) -> Result<()> {
        self.state.teardown().await
    }

    /// Docker's description of the volume.
    pub async fn inspect(&self) -> Result<bollard::models::Volume> {
        let Created {
            docker_name,
            helper,
            ..
        } = self.created()?;
        let docker = helper.docker().clone();
        let target = helper.target();
        runtime::run(async move {
            let action = format!("inspect volume `{docker_name}`");
            retry::read(&target, &action, |_| docker.inspect_volume(&docker_name)).await
        })
        .await
    }
}
