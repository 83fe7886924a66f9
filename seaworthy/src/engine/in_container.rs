//! A test runner inside a container of the engine it uses: finding its own container, joining
//! the networks of the containers it tests, and leaving them before they are removed.
//!
//! From inside a container the engine host's `127.0.0.1` (where ports are published) is out
//! of reach. The runner reaches a container instead at its IP address on a network they share:
//! the harness's network of a test, or the network a lone container is on (the default
//! `bridge`), which the runner joins if it is not on it yet. The published ports stay
//! published on the engine host (for a person at that host) and are not used by the tests.

use std::collections::HashSet;
use std::sync::Mutex;

use bollard::models::{ContainerInspectResponse, NetworkConnectRequest, NetworkDisconnectRequest};
use bollard::Docker;
use once_cell::sync::Lazy;

use super::{compat, process_env, ENV_IN_CONTAINER};
use crate::error::EngineError;
use crate::error::{Error, Result};

/// The networks (IDs) this process's runner container is known to be on: its own at start and
/// those it joined. A container on one of them is reached without asking the engine again.
static JOINED: Lazy<Mutex<HashSet<String>>> = Lazy::new(Mutex::default);

fn joined() -> std::sync::MutexGuard<'static, HashSet<String>> {
    crate::sync::lock(&JOINED)
}

/// Whether to look for the runner's container: `Some(true)` when [`ENV_IN_CONTAINER`] is `1`
/// (not finding it is then an error), `Some(false)` when only the marker files say so, `None`
/// when the tests run on the engine's host.
fn looking() -> Option<bool> {
    match process_env(ENV_IN_CONTAINER).as_deref() {
        Some("0") => None,
        Some("1") => Some(true),
        _ if std::path::Path::new("/.dockerenv").exists()
            || std::path::Path::new("/run/.containerenv").exists() =>
        {
            Some(false)
        }
        _ => None,
    }
}

/// The ID of the container this process runs in on the engine at `address`, if it runs in
/// one; the error when [`ENV_IN_CONTAINER`] is `1` and it cannot be found.
///
/// The candidates, in order: the container ID in the paths of the files the engine mounts at
/// `/etc/hostname` and its siblings (`/proc/self/mountinfo`: Docker's
/// `/var/lib/docker/containers/<id>/hostname`, Podman's `…/overlay-containers/<id>/userdata/…`),
/// those in `/proc/self/cgroup` (cgroup v1), and the
/// hostname (a container's short ID unless `--hostname` changed it). A marker file without a
/// container found is a container of another engine (a Docker-in-Docker job, a remote engine):
/// the tests then reach published ports as from any other host.
pub(crate) async fn find(docker: &Docker, address: &str) -> Result<Option<String>> {
    let Some(forced) = looking() else {
        return Ok(None);
    };
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let mut candidates = ids_in_mountinfo(&read("/proc/self/mountinfo"));
    candidates.extend(ids_in_cgroup(&read("/proc/self/cgroup")));
    let hostname = crate::host::hostname();
    candidates.push(hostname.clone());
    let mut seen = Vec::new();
    for id in candidates {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id.clone());
        let Ok(inspect) = compat::inspect_container(docker, &id).await else {
            continue;
        };
        // Ours only if it has our hostname: a container merely named like this host is not.
        let its = inspect.config.as_ref().and_then(|c| c.hostname.as_deref());
        if its == Some(hostname.as_str()) {
            let own = own_networks(&inspect);
            joined().extend(own);
            return Ok(Some(inspect.id.unwrap_or(id)));
        }
    }
    if !forced {
        tracing::debug!(target: "seaworthy", "in a container, but not one of the engine at {address}");
        return Ok(None);
    }
    Err(Error::from(EngineError::RunnerContainerNotFound {
        address: address.to_string(),
        tried: seen.join(", "),
    }))
}

/// The IDs of the networks a container is on.
fn own_networks(inspect: &ContainerInspectResponse) -> Vec<String> {
    inspect
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .map(|n| n.values().filter_map(|e| e.network_id.clone()).collect())
        .unwrap_or_default()
}

/// The container IDs in the paths of the files an engine mounts at `/etc/hostname`,
/// `/etc/hosts` and `/etc/resolv.conf` of a container (mountinfo's root and mount point
/// fields). Only those: on an engine's host, mountinfo also lists other containers' mounts
/// (`…/containers/<id>/mounts/shm`, Podman's `…/userdata/shm`), which are not ours.
fn ids_in_mountinfo(mountinfo: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for line in mountinfo.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let (Some(root), Some(point)) = (fields.get(3), fields.get(4)) else {
            continue;
        };
        if matches!(*point, "/etc/hostname" | "/etc/hosts" | "/etc/resolv.conf") {
            push_ids(root, &["containers/"], &mut ids);
        }
    }
    ids
}

/// The container IDs in cgroup v1 paths (`/docker/<id>`, `docker-<id>.scope`,
/// `libpod-<id>.scope`).
fn ids_in_cgroup(cgroup: &str) -> Vec<String> {
    let mut ids = Vec::new();
    push_ids(cgroup, &["docker/", "docker-", "libpod-"], &mut ids);
    ids
}

/// Every 64-hex-digit ID right after one of `markers` in `text`, in order, once each.
fn push_ids(text: &str, markers: &[&str], ids: &mut Vec<String>) {
    for marker in markers {
        for (at, _) in text.match_indices(marker) {
            let rest = &text[at + marker.len()..];
            let id: String = rest.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
            if id.len() == 64 && !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
}

/// The IP address the runner container `runner` reaches `container` at, on a network they
/// share, joining one of the container's networks first if they share none: the ones the
/// runner is already on first, then user-defined networks (the harness's, where names
/// resolve too), the default `bridge` last. `None` for a container with no IP address on
/// any network (`host` or `none` network mode, or no longer running).
pub(crate) async fn reach(
    docker: &Docker,
    runner: &str,
    container: &ContainerInspectResponse,
) -> Result<Option<String>> {
    let mut networks: Vec<(String, String, String)> = container
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .map(|n| {
            n.iter()
                .filter_map(|(name, e)| {
                    let ip = e.ip_address.clone().filter(|ip| !ip.is_empty())?;
                    Some((name.clone(), e.network_id.clone().unwrap_or_default(), ip))
                })
                .collect()
        })
        .unwrap_or_default();
    networks.sort_by(|a, b| (a.0 == "bridge", &a.0).cmp(&(b.0 == "bridge", &b.0)));
    if let Some(shared) = shared(&networks) {
        return Ok(Some(shared));
    }
    // Not on a network we know of: the runner may have joined one since (another process, a
    // person); ask once before joining.
    if let Ok(inspect) = compat::inspect_container(docker, runner).await {
        joined().extend(own_networks(&inspect));
        if let Some(shared) = shared(&networks) {
            return Ok(Some(shared));
        }
    }
    let Some((name, id, ip)) = networks.into_iter().next() else {
        return Ok(None);
    };
    let request = NetworkConnectRequest {
        container: runner.to_string(),
        endpoint_config: None,
    };
    match docker.connect_network(&id, request).await {
        Ok(()) => {}
        // Another test of this process joined it first.
        Err(bollard::errors::Error::DockerResponseServerError { message, .. })
            if message.contains("already exists") => {}
        Err(e) => {
            return Err(Error::docker(
                format!("connect the test runner's container `{runner:.12}` to network `{name}`"),
                e,
            ))
        }
    }
    tracing::info!(target: "seaworthy", network = %name, "the test runner's container joined");
    joined().insert(id);
    Ok(Some(ip))
}

/// The IP on the first of `networks` (name, ID, IP) the runner is on.
fn shared(networks: &[(String, String, String)]) -> Option<String> {
    let on = joined();
    networks
        .iter()
        .find(|(_, id, _)| on.contains(id))
        .map(|(_, _, ip)| ip.clone())
}

/// Takes the runner container off the network `network` (an ID) before it is removed, if it
/// joined it: a network with an endpoint cannot be removed ("has active endpoints"). Failing
/// to is left to the removal to report.
pub(crate) async fn leave(docker: &Docker, runner: &str, network: &str) {
    if !joined().remove(network) {
        return;
    }
    let request = NetworkDisconnectRequest {
        container: runner.to_string(),
        force: Some(true),
    };
    if let Err(e) = docker.disconnect_network(network, request).await {
        tracing::debug!(target: "seaworthy", network, "the test runner's container did not leave: {e}");
    }
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn find_container_ids_in_mountinfo_and_cgroup_paths() {
        let (a, b) = ("a".repeat(64), "0123456789abcdef".repeat(4));
        let docker = format!(
            "612 590 0:50 / / rw master:1 - overlay overlay rw\n\
             625 612 254:1 /var/lib/docker/containers/{a}/hostname /etc/hostname rw - ext4 \
             /dev/vda1 rw\n\
             626 612 254:1 /var/lib/docker/containers/{a}/hosts /etc/hosts rw - ext4 /dev/vda1 rw\n"
        );
        assert_eq!(ids_in_mountinfo(&docker), vec![a.clone()]);
        let podman = format!(
            "700 600 0:60 /var/lib/containers/storage/overlay-containers/{b}/userdata/hostname \
             /etc/hostname rw - tmpfs tmpfs rw\n"
        );
        assert_eq!(ids_in_mountinfo(&podman), vec![b.clone()]);
        assert_eq!(
            ids_in_cgroup(&format!("12:memory:/docker/{a}\n")),
            vec![a.clone()]
        );
        assert_eq!(
            ids_in_cgroup(&format!("0::/system.slice/docker-{b}.scope\n")),
            vec![b.clone()]
        );
        // On an engine's host: other containers' shm mounts, no ID, a short one.
        let host = format!(
            "43 27 254:0 /var/lib/containers/storage/overlay /var/lib/containers/storage/overlay \
             rw - ext4 /dev/vda rw\n\
             90 43 0:70 / /var/lib/containers/storage/overlay-containers/{b}/userdata/shm rw - \
             tmpfs shm rw\n\
             91 43 0:71 / /var/lib/docker/containers/{a}/mounts/shm rw - tmpfs shm rw\n"
        );
        assert_eq!(ids_in_mountinfo(&host), Vec::<String>::new());
        assert_eq!(
            ids_in_cgroup("0::/\n4:memory:/process_api/897c2329\n"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn reach_a_container_on_a_network_the_runner_is_on_first() {
        joined().insert("net-joined".into());
        let networks = [
            (
                "bridge".to_string(),
                "net-bridge".to_string(),
                "172.17.0.5".to_string(),
            ),
            (
                "test_a-net".to_string(),
                "net-joined".to_string(),
                "172.20.0.2".to_string(),
            ),
        ];
        assert_eq!(shared(&networks), Some("172.20.0.2".to_string()));
        assert_eq!(shared(&networks[..1]), None);
        joined().remove("net-joined");
    }
}
