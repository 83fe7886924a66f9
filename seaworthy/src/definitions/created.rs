//! [`CreatedState`]: what a network or volume definition created or adopted, and the one way both
//! adopt a shared object and tear it down.

use std::future::Future;

use crate::cell::SharedCell;
use crate::error::ContainerError;
use crate::error::{Error, Result};
use crate::helper::{DockerHelper, ResourceKind};
use crate::runtime;

/// A network or volume on the engine, as its definition holds it.
#[derive(Debug, Clone)]
pub(crate) struct Created {
    /// The ID (a volume's is its name).
    pub(crate) id: String,
    pub(crate) docker_name: String,
    pub(crate) helper: DockerHelper,
}

/// The state of a network or volume definition, shared by its clones: unset until it is set up
/// (or adopted), unset again after its teardown.
#[derive(Debug, Clone)]
pub(crate) struct CreatedState {
    object: Object,
    cell: SharedCell<Created>,
}

/// The kinds of object a [`CreatedState`] holds.
#[derive(Debug, Clone, Copy)]
enum Object {
    Network,
    Volume,
}

impl Object {
    fn kind(self) -> ResourceKind {
        match self {
            Object::Network => ResourceKind::Network,
            Object::Volume => ResourceKind::Volume,
        }
    }
}

impl CreatedState {
    /// The state of a network definition.
    pub(crate) fn network() -> Self {
        CreatedState {
            object: Object::Network,
            cell: SharedCell::default(),
        }
    }

    /// The state of a volume definition.
    pub(crate) fn volume() -> Self {
        CreatedState {
            object: Object::Volume,
            cell: SharedCell::default(),
        }
    }

    /// What is created; an error naming the definition `name` before its setup.
    pub(crate) fn get(&self, name: &str) -> Result<Created> {
        self.cell.get().ok_or_else(|| {
            Error::from(ContainerError::NotSetUp {
                kind: self.object.kind().as_str(),
                name: name.to_string(),
            })
        })
    }

    /// `true` once created.
    pub(crate) fn is_set(&self) -> bool {
        self.cell.is_set()
    }

    /// Creates the object with `create`, once for every clone; does nothing if already created.
    pub(crate) async fn setup<F, Fut>(&self, create: F) -> Result<()>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Created>>,
    {
        self.cell.get_or_try_init(create).await.map(|_| ())
    }

    /// Takes on the object `id` another process of the run created (a shared fixture), after
    /// checking it still exists; does nothing if already set up.
    pub(crate) async fn adopt(
        &self,
        helper: &DockerHelper,
        id: &str,
        docker_name: &str,
    ) -> Result<()> {
        let object = self.object;
        self.setup(|| async {
            let docker = helper.docker().clone();
            let (object_id, name) = (id.to_string(), docker_name.to_string());
            runtime::run(async move {
                let found = match object {
                    Object::Network => docker
                        .inspect_network(
                            &object_id,
                            None::<bollard::query_parameters::InspectNetworkOptions>,
                        )
                        .await
                        .map(|_| ()),
                    Object::Volume => docker.inspect_volume(&object_id).await.map(|_| ()),
                };
                found.map_err(|e| {
                    Error::docker(
                        format!("inspect shared {} `{name}`", object.kind().as_str()),
                        e,
                    )
                })
            })
            .await?;
            Ok(Created {
                id: id.to_string(),
                docker_name: docker_name.to_string(),
                helper: helper.clone(),
            })
        })
        .await
    }

    /// Removes the object if it exists. Idempotent.
    pub(crate) async fn teardown(&self) -> Result<()> {
        let kind = self.object.kind();
        self.cell
            .take_with(|c| async move { c.helper.remove(kind, &c.id, &c.docker_name).await })
            .await
    }
}
