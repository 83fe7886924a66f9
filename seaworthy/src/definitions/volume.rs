//! [`VolumeDefinition`]: a named volume, named and labelled by the helper.

use std::sync::{Arc, Mutex};

use bollard::models::VolumeCreateRequest;

use crate::error::{Error, Result};
use crate::helper::{DockerHelper, ResourceKind};
use crate::runtime;

#[derive(Debug, Clone)]
struct Created {
    docker_name: String,
    helper: DockerHelper,
}

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
    state: Arc<Mutex<Option<Created>>>,
}

impl VolumeDefinition {
    /// A volume named `name` (namespaced by the helper).
    pub fn new(name: impl Into<String>) -> Self {
        VolumeDefinition {
            name: name.into(),
            driver: "local".into(),
            driver_opts: Vec::new(),
            labels: Vec::new(),
            state: Arc::new(Mutex::new(None)),
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Created>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `true` once created.
    pub fn is_created(&self) -> bool {
        self.lock().is_some()
    }

    /// The volume's Docker name, once created.
    pub fn docker_name(&self) -> Result<String> {
        self.lock()
            .as_ref()
            .map(|c| c.docker_name.clone())
            .ok_or_else(|| Error::NotSetUp {
                kind: "volume",
                name: self.name.clone(),
            })
    }

    /// Creates the volume; does nothing if already created.
    pub async fn setup(&self, helper: &DockerHelper) -> Result<()> {
        if self.is_created() {
            return Ok(());
        }
        let docker_name = helper.resource_name(&self.name);
        let mut labels = helper.labels(&self.name);
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
        runtime::run(async move {
            docker
                .create_volume(request)
                .await
                .map_err(|e| Error::docker(format!("create volume `{name}`"), e))
        })
        .await?;
        helper.track(ResourceKind::Volume, &docker_name, &docker_name);
        *self.lock() = Some(Created {
            docker_name,
            helper: helper.clone(),
        });
        Ok(())
    }

    /// Removes the volume if it exists. Idempotent. Fails while a container still uses it.
    pub async fn teardown(&self) -> Result<()> {
        let Some(c) = self.lock().clone() else {
            return Ok(());
        };
        c.helper
            .remove(ResourceKind::Volume, &c.docker_name, &c.docker_name)
            .await?;
        *self.lock() = None;
        Ok(())
    }

    /// Docker's description of the volume.
    pub async fn inspect(&self) -> Result<bollard::models::Volume> {
        let name = self.docker_name()?;
        let helper = self
            .lock()
            .as_ref()
            .map(|c| c.helper.clone())
            .ok_or_else(|| Error::NotSetUp {
                kind: "volume",
                name: self.name.clone(),
            })?;
        let docker = helper.docker().clone();
        runtime::run(async move {
            docker
                .inspect_volume(&name)
                .await
                .map_err(|e| Error::docker(format!("inspect volume `{name}`"), e))
        })
        .await
    }
}
