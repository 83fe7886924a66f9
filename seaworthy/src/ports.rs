//! [`PublishedPorts`]: which container ports a container exposes and where the host reaches them.
//!
//! Docker reports ports as a map from `"80/tcp"` to a list of host bindings (or `null` when the
//! port is exposed but not published). Everything that needs a host port (the HTTP client,
//! readiness checks, the harness's report lines) reads it through this one type, with one rule
//! for choosing among several bindings: the IPv4 loopback binding, else the first IPv4 one,
//! else the first. Where a binding is reached from the tests is the engine's answer
//! ([`Engine::reach`](crate::engine::Engine::reach)): `127.0.0.1` for a local engine, the
//! engine's address for a remote one.

use std::fmt;

use bollard::models::{PortBinding, PortMap};

/// A container port published on the host.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublishedPort {
    /// The port inside the container.
    pub container_port: u16,
    /// `tcp`, `udp` or `sctp`.
    pub proto: String,
    /// The address the engine bound it to (Docker's `HostIp`: the
    /// [publish address](crate::engine::Engine::publish_address) for ports seaworthy publishes).
    pub host_ip: String,
    /// The host port (the container port itself when the tests run in a container of the
    /// engine: see [`Engine::runner_container`](crate::engine::Engine::runner_container)).
    pub host_port: u16,
    /// The host the tests connect to it at: the engine's
    /// [published host](crate::engine::Engine::published_host) for ports seaworthy publishes,
    /// or the container's IP address when the tests run in a container of the engine.
    pub host: String,
}

impl PublishedPort {
    /// `127.0.0.1:49153`: the address to connect to from the tests.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.host_port)
        } else {
            format!("{}:{}", self.host, self.host_port)
        }
    }
}

/// Where a binding on `ip` is reached on the engine's own host: loopback for every interface.
fn local_host(ip: &str) -> String {
    match ip {
        "" | "0.0.0.0" => "127.0.0.1".to_string(),
        "::" => "::1".to_string(),
        ip => ip.to_string(),
    }
}

impl fmt::Display for PublishedPort {
    /// `80/tcp -> 127.0.0.1:49153`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} -> {}",
            self.container_port,
            self.proto,
            self.address()
        )
    }
}

/// The ports of a container, read from Docker's inspect: exposed ones, and for the published
/// ones the host port chosen among their bindings, reached where the engine says. Ordered
/// numerically by container port, TCP before UDP.
///
/// ```no_run
/// # async fn demo(web: &seaworthy::ContainerDefinition) -> seaworthy::Result<()> {
/// let ports = web.ports().await?;
/// if let Some(p) = ports.get(8000, "tcp") {
///     println!("{p}"); // 8000/tcp -> 127.0.0.1:49154
/// }
/// assert!(ports.is_exposed(8000, "tcp"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishedPorts {
    /// Every exposed port, sorted by (port, proto), with its chosen binding if published.
    entries: Vec<(u16, String, Option<PublishedPort>)>,
}

impl PublishedPorts {
    /// Parses Docker's port map (`NetworkSettings.Ports`). Keys that are not `<port>/<proto>`
    /// (or a bare port, taken as TCP) are skipped.
    pub(crate) fn from_port_map(map: &PortMap) -> PublishedPorts {
        let mut entries: Vec<(u16, String, Option<PublishedPort>)> = map
            .iter()
            .filter_map(|(spec, bindings)| {
                let (port, proto) = spec.split_once('/').unwrap_or((spec.as_str(), "tcp"));
                let port = port.parse::<u16>().ok()?;
                let published =
                    bindings
                        .as_deref()
                        .and_then(pick_binding)
                        .map(|(host_ip, host_port)| PublishedPort {
                            container_port: port,
                            proto: proto.to_string(),
                            host: local_host(&host_ip),
                            host_ip,
                            host_port,
                        });
                Some((port, proto.to_string(), published))
            })
            .collect();
        entries.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        PublishedPorts { entries }
    }

    /// These ports, each reached where `engine` says a binding on its address is reached.
    pub(crate) fn reached_through(mut self, engine: &crate::engine::Engine) -> PublishedPorts {
        for p in self.entries.iter_mut().filter_map(|e| e.2.as_mut()) {
            p.host = engine.reach(&p.host_ip);
        }
        self
    }

    /// These ports, each reached at the container's own address `ip` and port (for tests that
    /// run in a container on a network shared with it: see
    /// [`Engine::runner_container`](crate::engine::Engine::runner_container)).
    pub(crate) fn reached_at(mut self, ip: &str) -> PublishedPorts {
        for p in self.entries.iter_mut().filter_map(|e| e.2.as_mut()) {
            p.host = ip.to_string();
            p.host_port = p.container_port;
        }
        self
    }

    /// `true` when the container exposes `port`/`proto` (published or not).
    pub fn is_exposed(&self, port: u16, proto: &str) -> bool {
        self.entry(port, proto).is_some()
    }

    /// The published port for `port`/`proto`, if it is published.
    pub fn get(&self, port: u16, proto: &str) -> Option<&PublishedPort> {
        self.entry(port, proto).and_then(|e| e.2.as_ref())
    }

    /// The host port `port`/`proto` is published on.
    pub fn host_port(&self, port: u16, proto: &str) -> Option<u16> {
        self.get(port, proto).map(|p| p.host_port)
    }

    /// The published port with the numerically lowest container port (TCP before UDP).
    pub fn first(&self) -> Option<&PublishedPort> {
        self.iter().next()
    }

    /// The published ports, numerically by container port, TCP before UDP.
    pub fn iter(&self) -> impl Iterator<Item = &PublishedPort> {
        self.entries.iter().filter_map(|e| e.2.as_ref())
    }

    /// Every exposed port as `(port, proto)`, in the same order, published or not.
    pub fn exposed(&self) -> impl Iterator<Item = (u16, &str)> {
        self.entries.iter().map(|e| (e.0, e.1.as_str()))
    }

    /// `true` when nothing is published.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    fn entry(&self, port: u16, proto: &str) -> Option<&(u16, String, Option<PublishedPort>)> {
        self.entries.iter().find(|e| e.0 == port && e.1 == proto)
    }
}

/// The IPv4 loopback binding, else the first IPv4 one, else the first; as (ip, port).
fn pick_binding(bindings: &[PortBinding]) -> Option<(String, u16)> {
    let ipv4 = |b: &&PortBinding| b.host_ip.as_deref().is_some_and(|ip| !ip.contains(':'));
    let chosen = bindings
        .iter()
        .find(|b| b.host_ip.as_deref() == Some("127.0.0.1"))
        .or_else(|| bindings.iter().find(ipv4))
        .or_else(|| bindings.first())?;
    let port = chosen.host_port.as_deref()?.parse::<u16>().ok()?;
    Some((chosen.host_ip.clone().unwrap_or_default(), port))
}

#[cfg(test)]
mod should {
    use super::*;
    use std::collections::HashMap;

    fn binding(ip: &str, port: &str) -> PortBinding {
        PortBinding {
            host_ip: Some(ip.into()),
            host_port: Some(port.into()),
        }
    }

    fn published(port: u16, proto: &str, ip: &str, host: u16) -> PublishedPort {
        PublishedPort {
            container_port: port,
            proto: proto.into(),
            host_ip: ip.into(),
            host_port: host,
            host: local_host(ip),
        }
    }

    /// Docker's port map: every exposed port, the published ones with their binding, in order.
    #[test]
    fn read_a_port_map() {
        use bollard::models::PortBinding;
        use seaworthy::PublishedPorts;

        let map = [
            (
                "8000/tcp".to_string(),
                Some(vec![PortBinding {
                    host_ip: Some("127.0.0.1".into()),
                    host_port: Some("49154".into()),
                }]),
            ),
            ("80/tcp".to_string(), None),
            (
                "90/tcp".to_string(),
                Some(vec![PortBinding {
                    host_ip: Some("127.0.0.1".into()),
                    host_port: Some("49153".into()),
                }]),
            ),
        ]
        .into_iter()
        .collect();
        let ports = PublishedPorts::from_port_map(&map);
        assert_eq!(ports.host_port(90, "tcp"), Some(49153));
        assert!(ports.is_exposed(80, "tcp"));
        assert_eq!(ports.host_port(80, "tcp"), None);
        assert_eq!(ports.first().map(|p| p.container_port), Some(90));
        let lines: Vec<String> = ports.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            lines,
            ["90/tcp -> 127.0.0.1:49153", "8000/tcp -> 127.0.0.1:49154"]
        );
    }

    #[test]
    fn order_numerically_tcp_first_and_skip_unpublished() {
        let map: PortMap = HashMap::from([
            ("80/tcp".to_string(), None),
            (
                "8000/tcp".to_string(),
                Some(vec![binding("127.0.0.1", "32001")]),
            ),
            (
                "90/udp".to_string(),
                Some(vec![binding("127.0.0.1", "10702")]),
            ),
            (
                "90/tcp".to_string(),
                Some(vec![binding("127.0.0.1", "10701")]),
            ),
            ("bogus".to_string(), None),
        ]);
        let ports = PublishedPorts::from_port_map(&map);
        assert_eq!(
            ports.iter().cloned().collect::<Vec<_>>(),
            [
                published(90, "tcp", "127.0.0.1", 10701),
                published(90, "udp", "127.0.0.1", 10702),
                published(8000, "tcp", "127.0.0.1", 32001),
            ]
        );
        assert_eq!(ports.first().map(|p| p.host_port), Some(10701));
        assert_eq!(
            ports.exposed().collect::<Vec<_>>(),
            [(80, "tcp"), (90, "tcp"), (90, "udp"), (8000, "tcp")]
        );
        assert!(ports.is_exposed(80, "tcp"));
        assert!(!ports.is_exposed(80, "udp"));
        assert_eq!(ports.host_port(80, "tcp"), None);
        assert_eq!(ports.host_port(90, "udp"), Some(10702));
        assert!(!ports.is_empty());
    }

    #[test]
    fn treat_an_empty_map_as_nothing_published() {
        let ports = PublishedPorts::from_port_map(&HashMap::new());
        assert_eq!(ports.first(), None);
        assert!(ports.is_empty());
        assert_eq!(ports, PublishedPorts::default());
    }

    #[test]
    fn prefer_loopback_then_ipv4_then_the_first_binding() {
        let cases = [
            (
                vec![binding("::", "1"), binding("0.0.0.0", "2")],
                ("0.0.0.0", 2),
            ),
            (
                vec![binding("0.0.0.0", "2"), binding("127.0.0.1", "3")],
                ("127.0.0.1", 3),
            ),
            (vec![binding("::", "4")], ("::", 4)),
        ];
        for (bindings, (ip, port)) in cases {
            let map: PortMap = HashMap::from([("80/tcp".to_string(), Some(bindings))]);
            let ports = PublishedPorts::from_port_map(&map);
            assert_eq!(ports.get(80, "tcp"), Some(&published(80, "tcp", ip, port)));
        }
    }

    #[test]
    fn show_the_host_address_to_connect_to() {
        assert_eq!(
            published(80, "tcp", "0.0.0.0", 5).to_string(),
            "80/tcp -> 127.0.0.1:5"
        );
        assert_eq!(
            published(53, "udp", "127.0.0.1", 6).address(),
            "127.0.0.1:6"
        );
        assert_eq!(published(80, "tcp", "::", 7).address(), "[::1]:7");
    }
}
