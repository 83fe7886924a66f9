//! Connecting a running container to a network, and disconnecting it, by name or ID.

use bollard::models::{EndpointSettings, NetworkConnectRequest, NetworkDisconnectRequest};

use crate::error::{Error, Result};
use crate::handle::ContainerHandle;
use crate::runtime;

impl ContainerHandle {
    /// Connects the container to the network `network` (name or ID) with `aliases`.
    pub async fn connect_network(&self, network: &str, aliases: &[&str]) -> Result<()> {
        let docker = self.helper().docker().clone();
        let request = NetworkConnectRequest {
            container: self.id().to_string(),
            endpoint_config: Some(EndpointSettings {
                aliases: Some(aliases.iter().map(|a| a.to_string()).collect()),
                ..Default::default()
            }),
        };
        let (net, name) = (network.to_string(), self.docker_name().to_string());
        runtime::run(async move {
            docker.connect_network(&net, request).await.map_err(|e| {
                Error::docker(format!("connect container `{name}` to network `{net}`"), e)
            })
        })
        .await
    }

    /// Disconnects the container from the network `network` (name or ID) while it runs; the
    /// engine's error (not connected, no such network) is returned as it is.
    pub async fn disconnect_network(&self, network: &str) -> Result<()> {
        let docker = self.helper().docker().clone();
        let request = NetworkDisconnectRequest {
            container: self.id().to_string(),
            force: Some(false),
        };
        let (net, name) = (network.to_string(), self.docker_name().to_string());
        runtime::run(async move {
            docker.disconnect_network(&net, request).await.map_err(|e| {
                Error::docker(
                    format!("disconnect container `{name}` from network `{net}`"),
                    e,
                )
            })
        })
        .await
    }
}
