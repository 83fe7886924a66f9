//! [`Resource`]: what the fixture harness sets up and tears down.

use futures_util::future::BoxFuture;

use crate::definitions::{
    Attachment, ContainerDefinition, ImageDefinition, NetworkDefinition, VolumeDefinition,
};
use crate::error::{Error, Result};
use crate::helper::{DockerHelper, ResourceKind};

/// One Docker object a value shared across the processes of a run stands for: what its record
/// lists, for the other processes to [adopt](Resource::__adopt).
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct __Created {
    /// A container, network or volume.
    pub kind: ResourceKind,
    /// Its ID (a volume's name).
    pub id: String,
    /// Its Docker name.
    pub name: String,
}

fn find(created: &[__Created], kind: ResourceKind) -> Result<&__Created> {
    created.iter().find(|c| c.kind == kind).ok_or_else(|| {
        Error::Internal(format!(
            "the shared fixture's record lists no {}",
            kind.as_str()
        ))
    })
}

/// A Docker resource a fixture can return: the harness sets it up after the fixture's
/// dependencies and tears it down when the fixture's scope ends.
///
/// Every definition implements it. Implement it for your own types (say, a wrapper around a
/// [`ContainerDefinition`] with helper methods) by delegating to the definition inside; override
/// [`clean`](Resource::clean) to support `#[clean]` parameters.
///
/// ```no_run
/// use futures_util::future::BoxFuture;
/// use seaworthy::{Attachment, ContainerDefinition, DockerHelper, Resource, Result};
///
/// struct Cache(ContainerDefinition);
///
/// impl Resource for Cache {
///     fn setup<'a>(&'a self, helper: &'a DockerHelper, attach: &'a Attachment) -> BoxFuture<'a, Result<()>> {
///         Resource::setup(&self.0, helper, attach)
///     }
///     fn teardown(&self) -> BoxFuture<'_, Result<()>> {
///         Resource::teardown(&self.0)
///     }
///     fn container(&self) -> Option<&ContainerDefinition> {
///         Some(&self.0)
///     }
///     fn clean(&self) -> BoxFuture<'_, Result<()>> {
///         Box::pin(async move {
///             self.0.exec_ok(["redis-cli", "FLUSHALL"]).await?;
///             Ok(())
///         })
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Docker resource the harness can set up",
    note = "implement `seaworthy::Resource` for it, delegating to the definition it wraps"
)]
pub trait Resource: Send + Sync + 'static {
    /// Creates the resource (and for a container: starts it and waits until it is ready),
    /// attached to the network the harness chose. Must be idempotent.
    fn setup<'a>(
        &'a self,
        helper: &'a DockerHelper,
        attach: &'a Attachment,
    ) -> BoxFuture<'a, Result<()>>;

    /// Removes the resource. Must be idempotent.
    fn teardown(&self) -> BoxFuture<'_, Result<()>>;

    /// The container inside, if this resource is (or wraps) one: the harness puts it on its
    /// scope's network, reports its logs on failure and its ports when it starts.
    fn container(&self) -> Option<&ContainerDefinition> {
        None
    }

    /// The Docker IDs this resource stands for (a volume's name), for `SEAWORTHY_KEEP`.
    #[doc(hidden)]
    fn __ids(&self) -> Vec<String> {
        self.container()
            .and_then(|c| c.id().ok())
            .into_iter()
            .collect()
    }

    /// What this resource created, for the record of a value shared across processes.
    #[doc(hidden)]
    fn __created(&self) -> Vec<__Created> {
        self.container()
            .and_then(|c| Some((c.id().ok()?, c.docker_name().ok()?)))
            .map(|(id, name)| __Created {
                kind: ResourceKind::Container,
                id,
                name,
            })
            .into_iter()
            .collect()
    }

    /// Takes on what another process of the run created for this value (instead of
    /// [`setup`](Resource::setup)), checking it still exists.
    #[doc(hidden)]
    fn __adopt<'a>(
        &'a self,
        helper: &'a DockerHelper,
        created: &'a [__Created],
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match self.container() {
                Some(c) => {
                    let it = find(created, ResourceKind::Container)?;
                    c.adopt(helper, &it.id, &it.name).await
                }
                None => Ok(()),
            }
        })
    }

    /// Resets the resource's state between tests (for `#[clean]` parameters).
    fn clean(&self) -> BoxFuture<'_, Result<()>> {
        let name = self
            .container()
            .map(|c| c.name().to_string())
            .unwrap_or_else(|| std::any::type_name::<Self>().to_string());
        Box::pin(async move { Err(Error::CleanNotImplemented { resource: name }) })
    }
}

impl Resource for ContainerDefinition {
    fn setup<'a>(
        &'a self,
        helper: &'a DockerHelper,
        attach: &'a Attachment,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.setup_attached(helper, attach))
    }

    fn teardown(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(ContainerDefinition::teardown(self))
    }

    fn container(&self) -> Option<&ContainerDefinition> {
        Some(self)
    }
}

impl Resource for VolumeDefinition {
    fn __ids(&self) -> Vec<String> {
        self.docker_name().ok().into_iter().collect()
    }

    fn __created(&self) -> Vec<__Created> {
        self.docker_name()
            .ok()
            .map(|name| __Created {
                kind: ResourceKind::Volume,
                id: name.clone(),
                name,
            })
            .into_iter()
            .collect()
    }

    fn __adopt<'a>(
        &'a self,
        helper: &'a DockerHelper,
        created: &'a [__Created],
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let it = find(created, ResourceKind::Volume)?;
            self.adopt(helper, &it.name).await
        })
    }

    fn setup<'a>(
        &'a self,
        helper: &'a DockerHelper,
        _: &'a Attachment,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(VolumeDefinition::setup(self, helper))
    }

    fn teardown(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(VolumeDefinition::teardown(self))
    }
}

impl Resource for NetworkDefinition {
    fn __ids(&self) -> Vec<String> {
        self.id().ok().into_iter().collect()
    }

    fn __created(&self) -> Vec<__Created> {
        self.id()
            .ok()
            .zip(self.docker_name().ok())
            .map(|(id, name)| __Created {
                kind: ResourceKind::Network,
                id,
                name,
            })
            .into_iter()
            .collect()
    }

    fn __adopt<'a>(
        &'a self,
        helper: &'a DockerHelper,
        created: &'a [__Created],
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let it = find(created, ResourceKind::Network)?;
            self.adopt(helper, &it.id, &it.name).await
        })
    }

    fn setup<'a>(
        &'a self,
        helper: &'a DockerHelper,
        _: &'a Attachment,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(NetworkDefinition::setup(self, helper))
    }

    fn teardown(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(NetworkDefinition::teardown(self))
    }
}

impl Resource for ImageDefinition {
    fn setup<'a>(
        &'a self,
        helper: &'a DockerHelper,
        _: &'a Attachment,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(ImageDefinition::setup(self, helper))
    }

    fn teardown(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(ImageDefinition::teardown(self))
    }
}
