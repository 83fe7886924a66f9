//! [`Resource`]: what the fixture harness sets up and tears down, and [`Tracked`]: what the
//! harness records of one (its IDs, and for a value shared across processes, what it created).

use std::any::Any;

use futures_util::future::BoxFuture;

use crate::compose::ComposeStack;
use crate::definitions::{
    Attachment, ContainerDefinition, ImageDefinition, NetworkDefinition, VolumeDefinition,
};
use crate::error::HarnessError;
use crate::error::{Error, Result};
use crate::helper::{DockerHelper, ResourceKind};

/// One Docker object a value shared across the processes of a run stands for: what its record
/// lists, for the other processes to [adopt](Tracked::adopt_created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Created {
    /// A container, network or volume.
    pub(crate) kind: ResourceKind,
    /// Its ID (a volume's name).
    pub(crate) id: String,
    /// Its Docker name.
    pub(crate) name: String,
}

fn find(created: &[Created], kind: ResourceKind) -> Result<&Created> {
    created.iter().find(|c| c.kind == kind).ok_or_else(|| {
        Error::from(HarnessError::Internal(format!(
            "the shared fixture's record lists no {}",
            kind.as_str()
        )))
    })
}

/// A Docker resource a fixture can return: the harness sets it up after the fixture's
/// dependencies and tears it down when the fixture's scope ends.
///
/// Every definition implements it. Implement it for your own types (say, a wrapper around a
/// [`ContainerDefinition`] with helper methods) by delegating to the definition inside; override
/// [`clean`](Resource::clean) to support `#[clean]` parameters.
///
/// Its methods are named apart from the definitions' own (`setup(&helper)`), so that with
/// `use seaworthy::prelude::*` a wrapper's `setup(&helper)` still reaches its definition.
///
/// ```no_run
/// use seaworthy::{Attachment, BoxFuture, ContainerDefinition, DockerHelper, Resource, Result};
///
/// struct Cache(ContainerDefinition);
///
/// impl Resource for Cache {
///     fn setup_attached<'a>(
///         &'a self,
///         helper: &'a DockerHelper,
///         attach: &'a Attachment,
///     ) -> BoxFuture<'a, Result<()>> {
///         self.0.setup_attached(helper, attach)
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
    fn setup_attached<'a>(
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

    /// Resets the resource's state between tests (for `#[clean]` parameters).
    fn clean(&self) -> BoxFuture<'_, Result<()>> {
        let name = self
            .container()
            .map(|c| c.name().to_string())
            .unwrap_or_else(|| std::any::type_name::<Self>().to_string());
        Box::pin(async move {
            Err(Error::from(HarnessError::CleanNotImplemented {
                resource: name,
            }))
        })
    }
}

/// What the harness records of every [`Resource`], which implementers never write: the Docker
/// objects it stands for are those of its [container](Resource::container), or of the volume or
/// network definition it is.
pub(crate) trait Tracked: Resource {
    /// The Docker IDs this resource stands for (a volume's name), for `SEAWORTHY_KEEP`.
    fn docker_ids(&self) -> Vec<String>;

    /// What this resource created, for the record of a value shared across processes.
    fn created(&self) -> Vec<Created>;

    /// Takes on what another process of the run created for this value (instead of
    /// [`setup_attached`](Resource::setup_attached)), checking it still exists.
    fn adopt_created<'a>(
        &'a self,
        helper: &'a DockerHelper,
        created: &'a [Created],
    ) -> BoxFuture<'a, Result<()>>;
}

impl<T: Resource> Tracked for T {
    fn docker_ids(&self) -> Vec<String> {
        let any: &dyn Any = self;
        if let Some(v) = any.downcast_ref::<VolumeDefinition>() {
            return v.docker_name().ok().into_iter().collect();
        }
        if let Some(n) = any.downcast_ref::<NetworkDefinition>() {
            return n.id().ok().into_iter().collect();
        }
        if let Some(stack) = any.downcast_ref::<ComposeStack>() {
            return stack.objects().into_iter().map(|(_, id, _)| id).collect();
        }
        self.container()
            .and_then(|c| c.id().ok())
            .into_iter()
            .collect()
    }

    fn created(&self) -> Vec<Created> {
        let any: &dyn Any = self;
        if let Some(stack) = any.downcast_ref::<ComposeStack>() {
            return stack
                .objects()
                .into_iter()
                .map(|(kind, id, name)| Created { kind, id, name })
                .collect();
        }
        let created = if let Some(v) = any.downcast_ref::<VolumeDefinition>() {
            v.docker_name().ok().map(|name| Created {
                kind: ResourceKind::Volume,
                id: name.clone(),
                name,
            })
        } else if let Some(n) = any.downcast_ref::<NetworkDefinition>() {
            n.id()
                .ok()
                .zip(n.docker_name().ok())
                .map(|(id, name)| Created {
                    kind: ResourceKind::Network,
                    id,
                    name,
                })
        } else {
            self.container()
                .and_then(|c| Some((c.id().ok()?, c.docker_name().ok()?)))
                .map(|(id, name)| Created {
                    kind: ResourceKind::Container,
                    id,
                    name,
                })
        };
        created.into_iter().collect()
    }

    fn adopt_created<'a>(
        &'a self,
        helper: &'a DockerHelper,
        created: &'a [Created],
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let any: &dyn Any = self;
            if let Some(v) = any.downcast_ref::<VolumeDefinition>() {
                let it = find(created, ResourceKind::Volume)?;
                return v.adopt(helper, &it.name).await;
            }
            if let Some(n) = any.downcast_ref::<NetworkDefinition>() {
                let it = find(created, ResourceKind::Network)?;
                return n.adopt(helper, &it.id, &it.name).await;
            }
            if let Some(stack) = any.downcast_ref::<ComposeStack>() {
                let objects: Vec<_> = created
                    .iter()
                    .map(|c| (c.kind, c.id.clone(), c.name.clone()))
                    .collect();
                return stack.adopt(helper, &objects).await;
            }
            match self.container() {
                Some(c) => {
                    let it = find(created, ResourceKind::Container)?;
                    c.adopt(helper, &it.id, &it.name).await
                }
                None => Ok(()),
            }
        })
    }
}

impl Resource for ContainerDefinition {
    fn setup_attached<'a>(
        &'a self,
        helper: &'a DockerHelper,
        attach: &'a Attachment,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(ContainerDefinition::setup_attached(self, helper, attach))
    }

    fn teardown(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(ContainerDefinition::teardown(self))
    }

    fn container(&self) -> Option<&ContainerDefinition> {
        Some(self)
    }
}

impl Resource for VolumeDefinition {
    fn setup_attached<'a>(
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
    fn setup_attached<'a>(
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
    fn setup_attached<'a>(
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

impl Resource for ComposeStack {
    fn setup_attached<'a>(
        &'a self,
        helper: &'a DockerHelper,
        attach: &'a Attachment,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(ComposeStack::setup_attached(self, helper, attach))
    }

    fn teardown(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(ComposeStack::teardown(self))
    }

    fn clean(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            if !self.cleans() {
                return Err(Error::from(HarnessError::CleanNotImplemented {
                    resource: format!("Compose stack `{}`", self.name()),
                }));
            }
            ComposeStack::clean(self).await
        })
    }
}
