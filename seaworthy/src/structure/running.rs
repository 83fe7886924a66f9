//! What dgoss checks of a *running* container: its files, users, groups and packages (read
//! through the archive API, as for an image), and the sockets it listens on (from
//! `/proc/net/{tcp,tcp6,udp,udp6}`, the kernel's own tables for the container's network
//! namespace). Its processes are [`ContainerHandle::processes`] and
//! [`ContainerHandle::process_tree`].

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::command::CommandCheck;
use super::error::{Failure, StructureError};
use super::files::ImageFiles;
use super::image::ImageStructure;
use crate::handle::ContainerHandle;

/// A socket's transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transport {
    /// TCP (a socket in the LISTEN state).
    Tcp,
    /// UDP (a bound socket that is not connected).
    Udp,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        })
    }
}

/// A socket a container listens on, as the kernel lists it.
///
/// `Display` reads like goss's addresses: `tcp:0.0.0.0:8080`, `tcp6:[::]:5432`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ListeningSocket {
    /// TCP or UDP.
    pub transport: Transport,
    /// The local address (`0.0.0.0` or `::` for every address).
    pub address: IpAddr,
    /// The local port.
    pub port: u16,
}

impl fmt::Display for ListeningSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.address {
            IpAddr::V4(a) => write!(f, "{}:{a}:{}", self.transport, self.port),
            IpAddr::V6(a) => write!(f, "{}6:[{a}]:{}", self.transport, self.port),
        }
    }
}

/// The kernel tables read, with the transport and the state that means "listening" (TCP's
/// LISTEN, UDP's unconnected 07).
const TABLES: [(&str, Transport, &str); 4] = [
    ("/proc/net/tcp", Transport::Tcp, "0A"),
    ("/proc/net/tcp6", Transport::Tcp, "0A"),
    ("/proc/net/udp", Transport::Udp, "07"),
    ("/proc/net/udp6", Transport::Udp, "07"),
];

/// The listening sockets of one `/proc/net/*` table.
pub(crate) fn parse_proc_net(
    text: &str,
    transport: Transport,
    listen_state: &str,
) -> Vec<ListeningSocket> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local, state) = (fields.get(1)?, fields.get(3)?);
            if *state != listen_state {
                return None;
            }
            let (address, port) = local.split_once(':')?;
            Some(ListeningSocket {
                transport,
                address: kernel_address(address)?,
                port: u16::from_str_radix(port, 16).ok()?,
            })
        })
        .collect()
}

/// The kernel prints addresses as hex of the in-memory words: each 32-bit word in host order
/// (little-endian on every architecture Docker runs containers on but s390x).
fn kernel_address(hex: &str) -> Option<IpAddr> {
    let words: Vec<u32> = (0..hex.len() / 8)
        .map(|i| u32::from_str_radix(hex.get(i * 8..i * 8 + 8)?, 16).ok())
        .collect::<Option<_>>()?;
    let bytes: Vec<u8> = words
        .iter()
        .flat_map(|w| w.swap_bytes().to_be_bytes())
        .collect();
    match bytes.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(
            bytes[0], bytes[1], bytes[2], bytes[3],
        ))),
        16 => {
            let octets: [u8; 16] = bytes.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(octets)))
        }
        _ => None,
    }
}

/// Sorted, without the duplicates a socket bound on both stacks can give.
fn tidy(mut sockets: Vec<ListeningSocket>) -> Vec<ListeningSocket> {
    sockets.sort();
    sockets.dedup();
    sockets
}

impl ContainerHandle {
    /// The container's filesystem, read through the engine's archive API as
    /// [`ImageStructure::files`] reads an image's, including what the container changed since
    /// it started. Works without a shell in the container; nothing is created, and
    /// [`close`](ImageFiles::close) leaves the container alone.
    ///
    /// Users, groups and installed packages come with it:
    /// [`users`](ImageFiles::users), [`groups`](ImageFiles::groups),
    /// [`packages`](ImageFiles::packages) (dpkg, apk and rpm databases, read from their files).
    pub async fn files(&self) -> Result<ImageFiles, StructureError> {
        let image = self.described().await?;
        Ok(ImageFiles::of_container(
            self.helper(),
            &image,
            self.id(),
            self.docker_name(),
        ))
    }

    /// The sockets the container listens on (TCP in LISTEN, unconnected UDP), sorted, read from
    /// the kernel's `/proc/net/{tcp,tcp6,udp,udp6}` with `cat` run in the container.
    ///
    /// A container without `cat` (a shell-less image) fails with a hint to use
    /// [`listening_sockets_via`](Self::listening_sockets_via).
    pub async fn listening_sockets(&self) -> Result<Vec<ListeningSocket>, StructureError> {
        let image = self.described().await?;
        let mut out = Vec::new();
        for (path, transport, state) in TABLES {
            let read = self.exec(["cat", path]).await;
            let read = read.map_err(|e| StructureError::engine(&image, e))?;
            match read.exit_code {
                0 => out.extend(parse_proc_net(&read.stdout_str(), transport, state)),
                // A missing IPv6 table: IPv6 is off in the container's namespace.
                1 if path.ends_with('6') => {}
                code => {
                    let found = format!("exit code {code}: {}", read.stdout_str().trim());
                    return Err(StructureError::failed(
                        image,
                        vec![Failure::new(
                            format!("`cat {path}` in container `{}`", self.docker_name()),
                            "exit code 0",
                            format!(
                                "{found}\n(hint: the image has no `cat`; read the tables from a \
                                 helper container that joins this one's namespaces: \
                                 `listening_sockets_via(\"an image with busybox\")`)"
                            ),
                        )],
                    ));
                }
            }
        }
        Ok(tidy(out))
    }

    /// Like [`listening_sockets`](Self::listening_sockets), for containers without `cat`: the
    /// tables are read by a short-lived container of `image` (any image with `sh` and `cat`,
    /// such as busybox) that joins this container's network and PID namespaces, then is
    /// removed.
    pub async fn listening_sockets_via(
        &self,
        image: &str,
    ) -> Result<Vec<ListeningSocket>, StructureError> {
        let script = TABLES
            .iter()
            .map(|(path, ..)| format!("echo '== {path}'; cat {path} 2>/dev/null;"))
            .collect::<Vec<_>>()
            .join(" ");
        let mut check = CommandCheck::new(["sh", "-c", &script]).entrypoint(Vec::<String>::new());
        check.join = Some(self.id().to_string());
        let helper = ImageStructure::inspect(self.helper(), image).await?;
        let outcome = helper.run(check).await?;
        let text = outcome.output.stdout_str();
        let mut out = Vec::new();
        for section in text.split("== ").skip(1) {
            let (path, table) = section.split_once('\n').unwrap_or((section, ""));
            if let Some((_, transport, state)) = TABLES.iter().find(|(p, ..)| *p == path.trim()) {
                out.extend(parse_proc_net(table, *transport, state));
            }
        }
        Ok(tidy(out))
    }

    /// The container's image as it was asked for, for messages.
    async fn described(&self) -> Result<String, StructureError> {
        let inspect = self
            .inspect()
            .await
            .map_err(|e| StructureError::engine(self.docker_name(), e))?;
        let image = inspect.config.and_then(|c| c.image).unwrap_or_default();
        Ok(format!("{image}` in container `{}", self.docker_name()))
    }
}

#[cfg(test)]
mod should {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 2 1 0 100 0 0 10 0
   2: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1538 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 4 1 0 100 0 0 10 0
   1: 00000000000000000000000001000000:0019 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 5 1 0 100 0 0 10 0
";

    #[test]
    fn read_listening_tcp_sockets_only() {
        let sockets = parse_proc_net(TCP, Transport::Tcp, "0A");
        let shown: Vec<String> = sockets.iter().map(ToString::to_string).collect();
        // The ESTABLISHED connection (state 01) is left out.
        assert_eq!(shown, ["tcp:0.0.0.0:8080", "tcp:127.0.0.1:3306"]);
        let v6: Vec<String> = parse_proc_net(TCP6, Transport::Tcp, "0A")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(v6, ["tcp6:[::]:5432", "tcp6:[::1]:25"]);
    }

    #[test]
    fn read_unconnected_udp_sockets() {
        let udp = "  sl  local_address rem_address   st\n  5: 00000000:0035 00000000:0000 07 0\n  6: 0100007F:0035 0101A8C0:0035 01 0\n";
        assert_eq!(
            parse_proc_net(udp, Transport::Udp, "07"),
            [ListeningSocket {
                transport: Transport::Udp,
                address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                port: 53
            }]
        );
    }

    #[test]
    fn skip_lines_that_are_not_sockets() {
        assert!(parse_proc_net(
            "header\n\n garbage line\n 0: zz:zz x 0A\n",
            Transport::Tcp,
            "0A"
        )
        .is_empty());
    }
}
