//! [`Engine`]: which Docker engine the library talks to, how it was found, and where the ports
//! it publishes are reached.
//!
//! Discovery follows the docker CLI: `DOCKER_HOST` (with `DOCKER_TLS_VERIFY` and
//! `DOCKER_CERT_PATH`), then the context named by `DOCKER_CONTEXT` or by `currentContext` in
//! `$DOCKER_CONFIG/config.json` (default `~/.docker`), then the default socket
//! `/var/run/docker.sock`, then the rootless socket `$XDG_RUNTIME_DIR/docker.sock`.
//!
//! Ports are published on the address the engine is reached at: `127.0.0.1` for a unix socket,
//! the (resolved) host of a `tcp://` engine otherwise. Never on all interfaces unless
//! [`ENV_PUBLISH_ADDRESS`] says so. [`ENV_PUBLISHED_HOST`] overrides where the tests connect to
//! them (a remote engine behind NAT, an SSH tunnel).

pub mod compat;
pub(crate) mod create;
mod discover;
mod docker_context;
pub(crate) mod error;
mod in_container;
pub(crate) mod retry;
mod tls;
pub(crate) mod transport;

use std::fmt;
use std::net::{IpAddr, ToSocketAddrs};
use std::path::PathBuf;

use bollard::{Docker, API_DEFAULT_VERSION};

use crate::error::{EngineError, UnreachableCause};
use crate::error::{Error, Result};

/// Where the tests connect to published ports, when discovery cannot know (a remote engine
/// behind NAT, an SSH tunnel): a host name or IP. It does not change where ports are published.
pub const ENV_PUBLISHED_HOST: &str = "SEAWORTHY_PUBLISHED_HOST";

/// The IP address the engine publishes ports on (Docker's `HostIp`), instead of the one the
/// engine is reached at. `0.0.0.0` publishes on every interface of the engine's host: only when
/// you mean it.
pub const ENV_PUBLISH_ADDRESS: &str = "SEAWORTHY_PUBLISH_ADDRESS";

/// `1` or `0`: the test process runs (or does not) in a container of the engine it uses. By
/// default this is detected (`/.dockerenv` or `/run/.containerenv`, then the process's own
/// container found on the engine); `1` makes not finding it an error. In one, the tests reach
/// each container at its IP address on a network they share (joining the container's network
/// if needed) instead of through published ports: see [`Engine::runner_container`].
pub const ENV_IN_CONTAINER: &str = "SEAWORTHY_IN_CONTAINER";

/// Seconds bollard waits for one request.
const REQUEST_TIMEOUT: u64 = 120;

/// The TLS directory of an engine: `ca.pem`, `cert.pem` and `key.pem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The directory (`DOCKER_CERT_PATH`, or the context's TLS directory).
    pub dir: PathBuf,
    /// Verify the engine's certificate against `ca.pem` (`DOCKER_TLS_VERIFY`).
    pub verify: bool,
}

/// How the engine is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A unix socket.
    Unix(PathBuf),
    /// TCP, plain or with TLS.
    Tcp {
        /// The host as given (name or IP).
        host: String,
        /// The port.
        port: u16,
        /// The TLS files, for a TLS engine.
        tls: Option<TlsFiles>,
    },
}

impl Endpoint {
    /// Whether the connection uses TLS.
    pub(crate) fn uses_tls(&self) -> bool {
        matches!(self, Endpoint::Tcp { tls: Some(_), .. })
    }
}

impl fmt::Display for Endpoint {
    /// `unix:///var/run/docker.sock` or `tcp://host:port`, as `DOCKER_HOST` spells it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
            Endpoint::Tcp { host, port, .. } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            Endpoint::Tcp { host, port, .. } => write!(f, "tcp://{host}:{port}"),
        }
    }
}

/// The engine a `DockerHelper` is connected to.
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// let helper = seaworthy::DockerHelper::connect().await?;
/// let engine = helper.engine();
/// println!("{} (API {}, found via {})", engine.address(), engine.api_version(), engine.found_via());
/// // Every published port of every container is reached at this host.
/// assert_eq!(engine.published_host(), "127.0.0.1");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engine {
    endpoint: Endpoint,
    found_via: String,
    docker_context: Option<String>,
    api_version: String,
    publish_address: String,
    published_host: String,
    runner: Option<String>,
}

impl Engine {
    /// The engine's address, as `DOCKER_HOST` spells it.
    pub fn address(&self) -> String {
        self.endpoint.to_string()
    }

    /// How the engine is reached.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// How discovery found it: `DOCKER_HOST`, a context, the default or the rootless socket.
    pub fn found_via(&self) -> &str {
        &self.found_via
    }

    /// The Docker context it comes from, if any.
    pub fn docker_context(&self) -> Option<&str> {
        self.docker_context.as_deref()
    }

    /// The old name of [`docker_context`](Self::docker_context) ("context" alone also names a
    /// build context and a test's context).
    #[deprecated(since = "0.1.0", note = "renamed docker_context")]
    pub fn context(&self) -> Option<&str> {
        self.docker_context()
    }

    /// The API version negotiated with the engine.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The IP address ports are published on (Docker's `HostIp`): `127.0.0.1` for a unix
    /// socket, the address of a `tcp://` engine, or [`ENV_PUBLISH_ADDRESS`].
    pub fn publish_address(&self) -> &str {
        &self.publish_address
    }

    /// The host published ports are reached at: the one answer every URL, readiness check,
    /// HTTP client and message uses. The publish address (`127.0.0.1` for a unix socket, the
    /// engine's address for a `tcp://` engine), or [`ENV_PUBLISHED_HOST`].
    pub fn published_host(&self) -> &str {
        &self.published_host
    }

    /// Where to connect to a port Docker reports bound on `binding_ip`: the
    /// [published host](Self::published_host) for ports on every interface (`0.0.0.0`, `::`,
    /// empty) or on the publish address, and whatever the user forced with
    /// [`ENV_PUBLISHED_HOST`]; otherwise the binding's own address.
    pub(crate) fn reach(&self, binding_ip: &str) -> String {
        let overridden = self.published_host != self.publish_address;
        match binding_ip {
            _ if overridden => self.published_host.clone(),
            "" | "0.0.0.0" | "::" => self.published_host.clone(),
            ip if ip == self.publish_address => self.published_host.clone(),
            ip => ip.to_string(),
        }
    }

    /// The ID of the container of this engine the tests run in ([`ENV_IN_CONTAINER`]), if they
    /// do. Then every container is reached at its IP address on a network it shares with that
    /// one (the test's network, or the network a lone container is on, which the runner joins
    /// first if needed) and at its own port: `PublishedPort::host`
    /// is that address and `PublishedPort::host_port` the
    /// container port, and so are the HTTP clients, readiness checks and printed URLs. Ports are
    /// still published on the [publish address](Self::publish_address) of the engine's host.
    pub fn runner_container(&self) -> Option<&str> {
        self.runner.as_deref()
    }

    /// The environment that points the docker CLI at this engine (for the cleanup watcher):
    /// `DOCKER_HOST`, and for TLS `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`.
    pub fn cli_env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("DOCKER_HOST", self.address())];
        if let Endpoint::Tcp { tls: Some(tls), .. } = &self.endpoint {
            env.push(("DOCKER_TLS_VERIFY", "1".to_string()));
            env.push(("DOCKER_CERT_PATH", tls.dir.display().to_string()));
        }
        env
    }

    /// The line `--nocapture` shows once per process.
    pub(crate) fn describe(&self) -> String {
        let tls = match &self.endpoint {
            Endpoint::Tcp { tls: Some(_), .. } => " over TLS",
            _ => "",
        };
        let runner = match &self.runner {
            Some(id) => format!(
                "; the tests run in its container {id:.12} and reach containers on their networks"
            ),
            None => String::new(),
        };
        format!(
            "engine {}{tls} (API {}, found via {}); ports published on {}, reached at {}{runner}",
            self.address(),
            self.api_version,
            self.found_via,
            self.publish_address,
            self.published_host
        )
    }

    /// Where the tests reach `container`: its IP address on a network shared with the
    /// [runner's container](Self::runner_container) (joining one if needed), or `None` to reach
    /// it through its published ports.
    pub(crate) async fn reach_container(
        &self,
        docker: &Docker,
        container: &bollard::models::ContainerInspectResponse,
    ) -> Result<Option<String>> {
        match &self.runner {
            Some(runner) => in_container::reach(docker, runner, container).await,
            None => Ok(None),
        }
    }

    /// Before the network `network` (an ID) is removed: the runner's container leaves it, if it
    /// joined it.
    pub(crate) async fn leave_network(&self, docker: &Docker, network: &str) {
        if let Some(runner) = &self.runner {
            in_container::leave(docker, runner, network).await;
        }
    }
}

/// The process's environment, for discovery.
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Finds the engine as the docker CLI would, connects, and negotiates the API version. The
/// error of an unreachable engine lists every place that was tried.
pub(crate) async fn connect() -> Result<(Docker, Engine)> {
    let candidates = discover::candidates(&process_env)?;
    let mut tried: Vec<String> = Vec::new();
    let mut last: Option<(String, String, String, bool, bollard::errors::Error)> = None;
    for candidate in candidates {
        let address = candidate.endpoint.to_string();
        match connect_to(&candidate.endpoint, &address).await {
            Ok((docker, api_version)) => {
                let runner = in_container::find(&docker, &address).await?;
                let (publish_address, published_host) =
                    published_addresses(&candidate.endpoint, &process_env)?;
                let engine = Engine {
                    endpoint: candidate.endpoint,
                    found_via: candidate.found_via,
                    docker_context: candidate.context,
                    api_version,
                    publish_address,
                    published_host,
                    runner,
                };
                return Ok((docker, engine));
            }
            Err(Attempt::Fatal(e)) => return Err(e),
            Err(Attempt::Failed(source)) => {
                let reason = chain(&source);
                if let Some((addr, via, why, ..)) = last.take() {
                    tried.push(format!("\n  tried {addr} (found via {via}): {why}"));
                }
                let tls = candidate.endpoint.uses_tls();
                last = Some((address, candidate.found_via, reason, tls, source));
            }
        }
    }
    let Some((address, found_via, reason, tls, source)) = last else {
        unreachable!("discovery always returns at least one candidate")
    };
    Err(Error::from(EngineError::DockerUnreachable {
        address,
        found_via,
        reason,
        tried: tried.concat(),
        tls,
        cause: UnreachableCause::of(&source),
        source: Box::new(source),
    }))
}

/// The engine a client the user connected reaches at `endpoint`: its API version is the
/// client's, as the engine reports it.
pub(crate) async fn from_client(docker: &Docker, endpoint: Endpoint) -> Result<Engine> {
    let address = endpoint.to_string();
    let version = docker.version().await.map_err(|source| {
        Error::from(EngineError::DockerUnreachable {
            address: address.clone(),
            found_via: FROM_CLIENT.to_string(),
            reason: chain(&source),
            tried: String::new(),
            tls: endpoint.uses_tls(),
            cause: UnreachableCause::of(&source),
            source: Box::new(source),
        })
    })?;
    let runner = in_container::find(docker, &address).await?;
    let (publish_address, published_host) = published_addresses(&endpoint, &process_env)?;
    Ok(Engine {
        endpoint,
        found_via: FROM_CLIENT.to_string(),
        docker_context: None,
        api_version: version.api_version.unwrap_or_default(),
        publish_address,
        published_host,
        runner,
    })
}

/// How an engine given as a client was found.
const FROM_CLIENT: &str = "a bollard client given to `DockerHelper::from_docker`";

enum Attempt {
    /// Not reachable: try the next candidate.
    Failed(bollard::errors::Error),
    /// A configuration error: stop.
    Fatal(Error),
}

async fn connect_to(
    endpoint: &Endpoint,
    address: &str,
) -> std::result::Result<(Docker, String), Attempt> {
    let docker = match endpoint {
        Endpoint::Unix(path) => Docker::connect_with_unix(
            &path.display().to_string(),
            REQUEST_TIMEOUT,
            API_DEFAULT_VERSION,
        ),
        Endpoint::Tcp {
            host,
            port,
            tls: None,
        } => Docker::connect_with_http(
            &format!("{}:{port}", url_host(host)),
            REQUEST_TIMEOUT,
            API_DEFAULT_VERSION,
        ),
        Endpoint::Tcp {
            host,
            port,
            tls: Some(files),
        } => {
            let m = tls::material(files, address).map_err(Attempt::Fatal)?;
            Docker::connect_with_ssl(
                &format!("{}:{port}", url_host(host)),
                &m.key,
                &m.cert,
                &m.ca,
                REQUEST_TIMEOUT,
                API_DEFAULT_VERSION,
            )
        }
    }
    .map_err(Attempt::Failed)?;
    let docker = docker.negotiate_version().await.map_err(Attempt::Failed)?;
    let version = docker.version().await.map_err(Attempt::Failed)?;
    Ok((docker, version.api_version.unwrap_or_default()))
}

fn url_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// An error and every cause under it, joined by `: ` (hyper's own message says only
/// "client error (Connect)"; the cause says which certificate was refused).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// (publish address, published host) for an engine reached at `endpoint`, with the overrides.
fn published_addresses(endpoint: &Endpoint, env: discover::Env<'_>) -> Result<(String, String)> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    let publish = match var(ENV_PUBLISH_ADDRESS) {
        Some(ip) => {
            ip.parse::<IpAddr>().map_err(|_| {
                Error::from(EngineError::InvalidEngineAddress {
                    address: ip.clone(),
                    from: ENV_PUBLISH_ADDRESS.to_string(),
                    reason: "Docker publishes ports on an IP address, not a name".to_string(),
                })
            })?;
            ip
        }
        None => match endpoint {
            Endpoint::Unix(_) => "127.0.0.1".to_string(),
            Endpoint::Tcp { host, port, .. } => resolve(host, *port),
        },
    };
    let reached = var(ENV_PUBLISHED_HOST).unwrap_or_else(|| match publish.as_str() {
        "0.0.0.0" => "127.0.0.1".to_string(),
        "::" => "::1".to_string(),
        ip => ip.to_string(),
    });
    Ok((publish, reached))
}

/// The IP address of `host` (IPv4 first); loopback for an unspecified one.
fn resolve(host: &str, port: u16) -> String {
    let ip = match host.parse::<IpAddr>() {
        Ok(ip) => Some(ip),
        Err(_) => (host, port).to_socket_addrs().ok().and_then(|addrs| {
            let addrs: Vec<_> = addrs.map(|a| a.ip()).collect();
            addrs
                .iter()
                .find(|a| a.is_ipv4())
                .or(addrs.first())
                .copied()
        }),
    };
    match ip {
        Some(ip) if ip.is_unspecified() => "127.0.0.1".to_string(),
        Some(ip) => ip.to_string(),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod should {
    use super::discover::DEFAULT_SOCKET;
    use super::*;

    fn engine(endpoint: Endpoint, vars: &[(&str, &str)]) -> Engine {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let (publish_address, published_host) = published_addresses(&endpoint, &env).unwrap();
        Engine {
            endpoint,
            found_via: "test".into(),
            docker_context: None,
            api_version: "1.41".into(),
            publish_address,
            published_host,
            runner: None,
        }
    }

    fn tcp(host: &str) -> Endpoint {
        Endpoint::Tcp {
            host: host.into(),
            port: 2375,
            tls: None,
        }
    }

    #[test]
    fn publish_on_loopback_for_a_socket_and_on_the_engine_address_for_tcp() {
        let local = engine(Endpoint::Unix(DEFAULT_SOCKET.into()), &[]);
        assert_eq!(
            (local.publish_address(), local.published_host()),
            ("127.0.0.1", "127.0.0.1")
        );
        assert_eq!(local.reach("0.0.0.0"), "127.0.0.1");
        assert_eq!(local.reach("10.1.2.3"), "10.1.2.3");
        let remote = engine(tcp("127.0.0.2"), &[]);
        assert_eq!(
            (remote.publish_address(), remote.published_host()),
            ("127.0.0.2", "127.0.0.2")
        );
        assert_eq!(remote.reach("127.0.0.2"), "127.0.0.2");
        assert_eq!(remote.reach(""), "127.0.0.2");
        assert_eq!(engine(tcp("localhost"), &[]).publish_address(), "127.0.0.1");
        assert_eq!(engine(tcp("0.0.0.0"), &[]).publish_address(), "127.0.0.1");
    }

    #[test]
    fn let_the_variables_override_where_ports_are_published_and_reached() {
        let nat = engine(tcp("127.0.0.2"), &[(ENV_PUBLISHED_HOST, "gateway.example")]);
        assert_eq!(
            (nat.publish_address(), nat.published_host()),
            ("127.0.0.2", "gateway.example")
        );
        assert_eq!(nat.reach("127.0.0.2"), "gateway.example");
        assert_eq!(nat.reach("10.0.0.9"), "gateway.example");
        let all = engine(
            Endpoint::Unix(DEFAULT_SOCKET.into()),
            &[(ENV_PUBLISH_ADDRESS, "0.0.0.0")],
        );
        assert_eq!(
            (all.publish_address(), all.published_host()),
            ("0.0.0.0", "127.0.0.1")
        );
        let env = |k: &str| (k == ENV_PUBLISH_ADDRESS).then(|| "docker".to_string());
        let e = published_addresses(&tcp("h"), &env).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid Docker engine address `docker` (from SEAWORTHY_PUBLISH_ADDRESS): Docker \
             publishes ports on an IP address, not a name"
        );
    }

    #[test]
    fn point_the_cli_at_the_same_engine() {
        let tls = Endpoint::Tcp {
            host: "127.0.0.3".into(),
            port: 2376,
            tls: Some(TlsFiles {
                dir: "/certs".into(),
                verify: true,
            }),
        };
        assert_eq!(
            engine(tls, &[]).cli_env(),
            [
                ("DOCKER_HOST", "tcp://127.0.0.3:2376".to_string()),
                ("DOCKER_TLS_VERIFY", "1".to_string()),
                ("DOCKER_CERT_PATH", "/certs".to_string()),
            ]
        );
        assert_eq!(
            engine(Endpoint::Unix("/run/podman.sock".into()), &[]).cli_env(),
            [("DOCKER_HOST", "unix:///run/podman.sock".to_string())]
        );
    }
}
