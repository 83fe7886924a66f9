//! [`NetworkDefinition`]: a bridge network, named and labelled by the helper.

use bollard::models::{
    EndpointSettings, Ipam, IpamConfig, NetworkConnectRequest, NetworkCreateRequest,
    NetworkDisconnectRequest,
};

use super::created::{Created, CreatedState};
use crate::cleanup::labels::LABEL_RUN;
use crate::engine::create::create_once;
use crate::engine::retry;
use crate::error::{Error, Result};
use crate::helper::{DockerHelper, ResourceKind};
use crate::runtime;

/// A user-defined bridge network, on which containers reach each other by name.
///
/// Networks are always referred to by ID: Docker 20.10 accepts two networks with the same name.
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// use seaworthy::{DockerHelper, NetworkDefinition};
///
/// let helper = DockerHelper::connect().await?;
/// let net = NetworkDefinition::new("backend").internal(true);
/// net.setup(&helper).await?;
/// assert!(net.docker_name()?.starts_with("test_backend_"));
/// net.teardown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct NetworkDefinition {
    name: String,
    driver: String,
    internal: bool,
    labels: Vec<(String, String)>,
    /// IPAM pools: subnet, gateway, IP range.
    pools: Vec<IpamConfig>,
    ipam_driver: Option<String>,
    state: CreatedState,
}

impl NetworkDefinition {
    /// A bridge network named `name` (namespaced by the helper).
    pub fn new(name: impl Into<String>) -> Self {
        NetworkDefinition {
            name: name.into(),
            driver: "bridge".into(),
            internal: false,
            labels: Vec::new(),
            pools: Vec::new(),
            ipam_driver: None,
            state: CreatedState::network(),
        }
    }

    /// An internal network has no route to the outside.
    pub fn internal(mut self, internal: bool) -> Self {
        self.internal = internal;
        self
    }

    /// The network driver (default `bridge`).
    pub fn driver(mut self, driver: impl Into<String>) -> Self {
        self.driver = driver.into();
        self
    }

    /// A label besides the `seaworthy.*` ones.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.push((key.into(), value.into()));
        self
    }

    /// An IPAM pool: the network's `subnet` (`172.28.0.0/16`), with an optional gateway
    /// address; call it again for another pool (an IPv6 one, say).
    pub fn subnet(mut self, subnet: impl Into<String>, gateway: Option<&str>) -> Self {
        self.pools.push(IpamConfig {
            subnet: Some(subnet.into()),
            gateway: gateway.map(str::to_string),
            ..Default::default()
        });
        self
    }

    /// The range containers' addresses are taken from, within the last pool's subnet
    /// (`172.28.5.0/24`); without a pool, it starts one with that range only.
    pub fn ip_range(mut self, range: impl Into<String>) -> Self {
        match self.pools.last_mut() {
            Some(pool) => pool.ip_range = Some(range.into()),
            None => self.pools.push(IpamConfig {
                ip_range: Some(range.into()),
                ..Default::default()
            }),
        }
        self
    }

    /// The IPAM driver (default: the engine's, `default`).
    pub fn ipam_driver(mut self, driver: impl Into<String>) -> Self {
        self.ipam_driver = Some(driver.into());
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

    /// The network's ID, once created.
    pub fn id(&self) -> Result<String> {
        Ok(self.created()?.id)
    }

    /// The network's Docker name, once created.
    pub fn docker_name(&self) -> Result<String> {
        Ok(self.created()?.docker_name)
    }

    /// Creates the network; does nothing if already created. Clones share the network:
    /// concurrent setups of clones create it once.
    pub async fn setup(&self, helper: &DockerHelper) -> Result<()> {
        self.state.setup(|| self.create(helper)).await
    }

    async fn create(&self, helper: &DockerHelper) -> Result<Created> {
        helper.before_create().await;
        let docker_name = helper.resource_name(&self.name);
        let mut labels = helper.labels(&self.name);
        labels.extend(self.labels.iter().cloned());
        let request = NetworkCreateRequest {
            name: docker_name.clone(),
            driver: Some(self.driver.clone()),
            internal: Some(self.internal),
            labels: Some(labels),
            ipam: (!self.pools.is_empty() || self.ipam_driver.is_some()).then(|| Ipam {
                driver: self.ipam_driver.clone(),
                config: (!self.pools.is_empty()).then(|| self.pools.clone()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let docker = helper.docker().clone();
        let name = docker_name.clone();
        let (target, run) = (helper.target(), helper.run_id().to_string());
        let id = runtime::run(async move {
            // After a broken connection, the network is looked up by its name and this run's
            // label before it is created again (Docker would make a second one of that name).
            create_once(
                || async { docker.create_network(request.clone()).await.map(|r| r.id) },
                || network_of_run(&docker, &name, &run),
            )
            .await
            .map_err(|f| retry::fail(&target, format!("create network `{name}`"), f))
        })
        .await?;
        helper.track(ResourceKind::Network, &id, &docker_name);
        Ok(Created {
            id,
            docker_name,
            helper: helper.clone(),
        })
    }

    /// Takes on the network `id` another process of the run created (a shared fixture), after
    /// checking it still exists; does nothing if already set up.
    pub(crate) async fn adopt(
        &self,
        helper: &DockerHelper,
        id: &str,
        docker_name: &str,
    ) -> Result<()> {
        self.state.adopt(helper, id, docker_name).await
    }

    /// Removes the network if it exists. Idempotent.
    pub async fn teardown(&self) -> Result<()> {
        self.state.teardown().await
    }

    /// Docker's description of the network.
    pub async fn inspect(&self) -> Result<bollard::models::NetworkInspect> {
        let c = self.created()?;
        let docker = c.helper.docker().clone();
        let target = c.helper.target();
        runtime::run(async move {
            let action = format!("inspect network `{}`", c.docker_name);
            retry::read(&target, &action, |_| {
                docker.inspect_network(
                    &c.id,
                    None::<bollard::query_parameters::InspectNetworkOptions>,
                )
            })
            .await
        })
        .await
    }
}

/// The ID of the network named `name` that this run created (its `seaworthy.run` label is
/// `run`), if there is one.
async fn network_of_run(
    docker: &bollard::Docker,
    name: &str,
    run: &str,
) -> std::result::Result<Option<String>, bollard::errors::Error> {
    let filters = std::collections::HashMap::from([
        ("name".to_string(), vec![name.to_string()]),
        ("label".to_string(), vec![format!("{LABEL_RUN}={run}")]),
    ]);
    let networks = docker
        .list_networks(Some(
            bollard::query_parameters::ListNetworksOptionsBuilder::new()
                .filters(&filters)
                .build(),
        ))
        .await?;
    // The name filter matches parts of names: keep the exact one.
    Ok(networks
        .into_iter()
        .find(|n| n.name.as_deref() == Some(name))
        .and_then(|n| n.id))
}

/// Connects a container to a network with aliases.
pub(crate) async fn connect(
    helper: &DockerHelper,
    network_id: &str,
    container_id: &str,
    aliases: &[String],
) -> Result<()> {
    let docker = helper.docker().clone();
    let request = NetworkConnectRequest {
        container: container_id.to_string(),
        endpoint_config: Some(EndpointSettings {
            aliases: Some(aliases.to_vec()),
            ..Default::default()
        }),
    };
    let net = network_id.to_string();
    runtime::run(async move {
        match docker.connect_network(&net, request).await {
            // Already on it (a container kept between runs, joined by a concurrent run).
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 403,
                message,
            }) if message.contains("already exists") => Ok(()),
            r => r.map_err(|e| Error::docker(format!("connect container to network `{net}`"), e)),
        }
    })
    .await
}

/// Disconnects a container from a network (forcibly); a missing container or network is fine.
pub(crate) async fn disconnect(
    helper: &DockerHelper,
    network_id: &str,
    container_id: &str,
) -> Result<()> {
    let docker = helper.docker().clone();
    let request = NetworkDisconnectRequest {
        container: container_id.to_string(),
        force: Some(true),
    };
    let net = network_id.to_string();
    runtime::run(async move {
        match docker.disconnect_network(&net, request).await {
            Ok(()) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(Error::docker(
                format!("disconnect container from network `{net}`"),
                e,
            )),
        }
    })
    .await
}
