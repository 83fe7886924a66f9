//! Removing one resource, and the record of what a cleanup removed.

use bollard::query_parameters::RemoveContainerOptionsBuilder;
use bollard::Docker;

use crate::engine::retry::{self, retrying, Failed, Target};
use crate::error::Error;

pub(crate) use crate::resource_kind::ResourceKind;

/// What `DockerHelper::teardown` or
/// `DockerHelper::sweep` removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Removed {
    /// Names of the containers removed.
    pub containers: Vec<String>,
    /// Names of the networks removed.
    pub networks: Vec<String>,
    /// Names of the volumes removed.
    pub volumes: Vec<String>,
}

impl Removed {
    /// The total number of resources removed.
    pub fn total(&self) -> usize {
        self.containers.len() + self.networks.len() + self.volumes.len()
    }

    pub(crate) fn push(&mut self, kind: ResourceKind, name: String) {
        match kind {
            ResourceKind::Container => self.containers.push(name),
            ResourceKind::Network => self.networks.push(name),
            ResourceKind::Volume => self.volumes.push(name),
        }
    }

    /// The counts for a message, kinds with none left out: `2 containers, 1 network`; `None`
    /// when nothing was removed.
    pub(crate) fn counts(&self) -> Option<String> {
        let parts: Vec<String> = [
            (self.containers.len(), ResourceKind::Container),
            (self.networks.len(), ResourceKind::Network),
            (self.volumes.len(), ResourceKind::Volume),
        ]
        .into_iter()
        .filter(|&(n, _)| n > 0)
        .map(|(n, kind)| crate::text::plural(n, kind.as_str(), &format!("{}s", kind.as_str())))
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// Removes one resource (a container forcibly, with its anonymous volumes); `Ok(true)` if it
/// existed, `Ok(false)` if it was already gone. A broken connection is retried (removal may be
/// repeated: a resource the first attempt removed answers 404, which is done).
pub(crate) async fn remove_resource(
    docker: &Docker,
    kind: ResourceKind,
    id: &str,
) -> std::result::Result<bool, Failed> {
    retrying(|attempt| async move {
        let r = match kind {
            ResourceKind::Container => {
                docker
                    .remove_container(
                        id,
                        Some(
                            RemoveContainerOptionsBuilder::new()
                                .force(true)
                                .v(true)
                                .build(),
                        ),
                    )
                    .await
            }
            ResourceKind::Network => docker.remove_network(id).await,
            ResourceKind::Volume => {
                docker
                    .remove_volume(id, None::<bollard::query_parameters::RemoveVolumeOptions>)
                    .await
            }
        };
        match r {
            Ok(()) => Ok(true),
            // Gone: a 404 after a broken attempt is the first attempt's work, so it still
            // counts as removed by us.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(attempt > 0),
            // A container already being removed (409 "removal in progress") is gone for our
            // purposes.
            Err(bollard::errors::Error::DockerResponseServerError { message, .. })
                if message.contains("already in progress") =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    })
    .await
}

/// What removing a resource is called in messages: "remove container `test_web_ab1`".
pub(crate) fn removal_action(kind: ResourceKind, name: &str) -> String {
    format!("remove {} `{name}`", kind.as_str())
}

/// The error of a removal that failed, which names what is left on the engine.
pub(crate) fn removal_failed(target: &Target, kind: ResourceKind, name: &str, f: Failed) -> Error {
    left_behind(
        retry::fail(target, removal_action(kind, name), f),
        vec![(kind, name.to_string())],
    )
}

/// `error`, saying that `left` is still on the engine and how to remove it.
pub(crate) fn left_behind(error: Error, left: Vec<(ResourceKind, String)>) -> Error {
    Error::LeftBehind {
        left,
        source: Box::new(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn removed(containers: usize, networks: usize, volumes: usize) -> Removed {
        let names = |n: usize| (0..n).map(|i| format!("r{i}")).collect();
        Removed {
            containers: names(containers),
            networks: names(networks),
            volumes: names(volumes),
        }
    }

    #[test]
    fn counts_name_only_the_kinds_removed_in_singular_or_plural() {
        assert_eq!(removed(0, 0, 0).counts(), None);
        assert_eq!(removed(1, 0, 0).counts().as_deref(), Some("1 container"));
        assert_eq!(
            removed(2, 1, 0).counts().as_deref(),
            Some("2 containers, 1 network")
        );
        assert_eq!(
            removed(0, 2, 3).counts().as_deref(),
            Some("2 networks, 3 volumes")
        );
        assert_eq!(
            removed(1, 1, 1).counts().as_deref(),
            Some("1 container, 1 network, 1 volume")
        );
    }
}
