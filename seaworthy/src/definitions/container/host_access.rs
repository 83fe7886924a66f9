//! The test process's host from a container: the engine's own name for the host.

use super::ContainerDefinition;
use crate::error::{ContainerError, Error, Result};
use crate::helper::DockerHelper;

impl ContainerDefinition {
    /// Makes the engine's host reachable from the container under the engine's name for it:
    /// `host.docker.internal` on Docker (20.10 or later, through `host-gateway`), and
    /// `host.containers.internal` on Podman, which adds it by itself. It reaches services
    /// listening on the host's bridge gateway or on every interface, not those bound to
    /// `127.0.0.1` only (see the guide's "The host from a container"). An engine without such
    /// a name fails `setup` before the container is created.
    pub fn with_host_access(mut self) -> Self {
        self.config.extras.host_access = true;
        self
    }

    /// The extra hosts the way to the host needs (checked before the container is created).
    pub(super) async fn host_access_entries(&self, helper: &DockerHelper) -> Result<Vec<String>> {
        if self.config.extras.host_access && gateway_name(helper, &self.config.name).await? {
            return Ok(vec!["host.docker.internal:host-gateway".to_string()]);
        }
        Ok(Vec::new())
    }
}

/// Whether the engine needs `host.docker.internal:host-gateway` (Docker 20.10 or later):
/// `false` on Podman (its `host.containers.internal` is there already); an error on an engine
/// that has neither.
async fn gateway_name(helper: &DockerHelper, container: &str) -> Result<bool> {
    let docker = helper.docker().clone();
    let version = crate::runtime::run(async move { docker.version().await })
        .await
        .map_err(|e| Error::docker("ask the engine its version (for `with_host_access`)", e))?;
    let components = version.components.unwrap_or_default();
    if components.iter().any(|c| c.name.contains("Podman")) {
        return Ok(false);
    }
    let v = version.version.unwrap_or_default();
    if crate::helper::version_lt(&v, "20.10") {
        return Err(Error::from(ContainerError::InvalidDefinition {
            kind: "container",
            name: container.to_string(),
            reason: format!(
                "`with_host_access`: the engine (Docker {v}) has no `host-gateway`, so no \
                 name for the host; Docker 20.10 or later has it"
            ),
            hint: "upgrade the engine to Docker 20.10 or later, or Podman 4.3 or later",
        }));
    }
    Ok(true)
}
