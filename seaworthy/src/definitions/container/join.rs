//! Networks made elsewhere (by compose, another tool or the test itself): a definition joins
//! them by name or ID, with aliases, after it is created and before it starts.

use super::ContainerDefinition;
use crate::error::ContainerError;
use crate::error::{Error, Result};
use crate::helper::DockerHelper;
use crate::runtime;

impl ContainerDefinition {
    /// Joins an existing network (by name or ID) that the harness did not create, with the
    /// container's name as alias. The network is looked up before the container is created: a
    /// missing one fails `setup` with nothing created. The harness never removes it.
    pub fn join_network(self, network: impl Into<String>) -> Self {
        self.join_network_as(network, Vec::<String>::new())
    }

    /// Like [`join_network`](Self::join_network), with more aliases besides the name.
    pub fn join_network_as<I, S>(mut self, network: impl Into<String>, aliases: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.extras.joins.push((
            network.into(),
            aliases.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// The joined networks' IDs with their aliases; fails naming a network that does not exist.
    pub(super) async fn resolve_joins(
        &self,
        helper: &DockerHelper,
    ) -> Result<Vec<(String, Vec<String>)>> {
        let mut out = Vec::new();
        for (network, extra) in &self.config.extras.joins {
            let docker = helper.docker().clone();
            let net = network.clone();
            let found = runtime::run(async move {
                docker
                    .inspect_network(
                        &net,
                        None::<bollard::query_parameters::InspectNetworkOptions>,
                    )
                    .await
            })
            .await;
            let id = match found {
                Ok(n) => n.id.unwrap_or_else(|| network.clone()),
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => {
                    return Err(Error::from(ContainerError::InvalidDefinition {
                        kind: "container",
                        name: self.config.name.clone(),
                        reason: format!("network `{network}` to join does not exist"),
                        hint: "create it first, or check its name with `docker network ls`",
                    }))
                }
                Err(e) => return Err(Error::docker(format!("inspect network `{network}`"), e)),
            };
            let mut aliases = vec![self.config.name.clone()];
            aliases.extend(extra.iter().filter(|a| **a != self.config.name).cloned());
            out.push((id, aliases));
        }
        Ok(out)
    }
}
