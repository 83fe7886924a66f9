//! [`NginxContainer`].

use super::{container_wrapper, Customizations};
use crate::definitions::ContainerDefinition;
use crate::error::Result;
use crate::exec::{Exec, ExecOutput};
use crate::wait::Wait;

/// An nginx server from the official `nginx` image (or one with the same interface, such as
/// an image built `FROM nginx` with its own configuration).
///
/// Port 80 is published on a free port of 127.0.0.1 (read it with `host_port(80)`, or use
/// `http_client()`); the container is ready when a GET of `/` on it gets any HTTP response
/// (deadline 10 s).
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// use seaworthy::{containers::NginxContainer, DockerHelper};
///
/// let helper = DockerHelper::connect().await?;
/// let nginx = NginxContainer::default();
/// nginx.setup(&helper).await?;
/// let page = nginx.http_client()?.get("/").send().await.unwrap().text().await.unwrap();
/// assert!(page.contains("<title>Welcome to nginx!</title>"));
/// nginx.reload().await?;
/// nginx.teardown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct NginxContainer {
    def: ContainerDefinition,
    name: String,
    image: String,
    custom: Customizations,
}

container_wrapper!(NginxContainer);

impl super::AfterSetup for NginxContainer {}

impl NginxContainer {
    /// `nginx`.
    pub const DEFAULT_NAME: &'static str = "nginx";
    /// `nginx:latest`: the official image (`docker.io/library/nginx:latest`), pulled on first use when
    /// it is not present (see [`PullPolicy`](crate::PullPolicy)).
    pub const DEFAULT_IMAGE: &'static str = "nginx:latest";
    /// The port nginx listens on: 80.
    pub const PORT: u16 = 80;

    /// An nginx container named `name` (its network alias) from `nginx:latest`.
    pub fn new(name: impl Into<String>) -> Self {
        NginxContainer {
            def: ContainerDefinition::new("", ""),
            name: name.into(),
            image: Self::DEFAULT_IMAGE.into(),
            custom: Customizations::default(),
        }
        .rebuild()
    }

    fn base_definition(&self) -> ContainerDefinition {
        ContainerDefinition::new(&self.name, &self.image)
            .publish(Self::PORT)
            .wait_for(Wait::http("/").port(Self::PORT))
    }

    /// Runs `nginx ARGS…` in the container and returns its output whatever its exit code
    /// (nginx writes `-V`, `-v` and `-t` output to **stderr**).
    pub async fn exec_nginx<I, S>(&self, args: I) -> Result<ExecOutput>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cmd: Vec<String> = vec!["nginx".into()];
        cmd.extend(args.into_iter().map(Into::into));
        self.def.exec_with(Exec::new(cmd)).await
    }

    /// Sends the master a signal with `nginx -s SIGNAL` (`stop`, `quit`, `reopen`, `reload`);
    /// fails unless it exits 0.
    pub async fn exec_signal(&self, signal: &str) -> Result<()> {
        self.def
            .exec_ok_with(Exec::new(["nginx", "-s", signal]))
            .await?;
        Ok(())
    }

    /// Reloads the configuration (`nginx -s reload`). The old workers finish their requests
    /// first, so a changed configuration takes effect shortly after this returns.
    pub async fn reload(&self) -> Result<()> {
        self.exec_signal("reload").await
    }

    /// Nothing to reset: `clean` does nothing (nginx keeps no state between requests).
    async fn clean_impl(&self) -> Result<()> {
        Ok(())
    }
}
