//! The typed host options a definition collects (see `options.rs` for the builder methods),
//! and how they are written into the create body's `HostConfig`.

use std::collections::HashMap;

use bollard::models::{HostConfig, ResourcesUlimits};

/// The typed host options a definition collected.
#[derive(Debug, Clone, Default)]
pub(super) struct HostOptions {
    pub(super) memory: Option<i64>,
    pub(super) nano_cpus: Option<i64>,
    pub(super) cpus: Option<f64>,
    pub(super) pids_limit: Option<i64>,
    pub(super) privileged: bool,
    pub(super) cap_add: Vec<String>,
    pub(super) cap_drop: Vec<String>,
    pub(super) ulimits: Vec<(String, i64, i64)>,
    pub(super) shm_size: Option<i64>,
    pub(super) sysctls: Vec<(String, String)>,
    pub(super) extra_hosts: Vec<(String, String)>,
    pub(super) read_only: bool,
    pub(super) userns_mode: Option<String>,
}

impl HostOptions {
    /// Sets every option given on `host`.
    pub(super) fn apply(&self, host: &mut HostConfig) {
        let some_vec = |v: &[String]| (!v.is_empty()).then(|| v.to_vec());
        host.memory = self.memory.or(host.memory);
        host.nano_cpus = self.nano_cpus.or(host.nano_cpus);
        host.pids_limit = self.pids_limit.or(host.pids_limit);
        if self.privileged {
            host.privileged = Some(true);
        }
        host.cap_add = some_vec(&self.cap_add).or(host.cap_add.take());
        host.cap_drop = some_vec(&self.cap_drop).or(host.cap_drop.take());
        if !self.ulimits.is_empty() {
            host.ulimits = Some(
                self.ulimits
                    .iter()
                    .map(|(name, soft, hard)| ResourcesUlimits {
                        name: Some(name.clone()),
                        soft: Some(*soft),
                        hard: Some(*hard),
                    })
                    .collect(),
            );
        }
        host.shm_size = self.shm_size.or(host.shm_size);
        if !self.sysctls.is_empty() {
            host.sysctls = Some(self.sysctls.iter().cloned().collect::<HashMap<_, _>>());
        }
        if !self.extra_hosts.is_empty() {
            host.extra_hosts = Some(
                self.extra_hosts
                    .iter()
                    .map(|(name, ip)| format!("{name}:{ip}"))
                    .collect(),
            );
        }
        if self.read_only {
            host.readonly_rootfs = Some(true);
        }
        host.userns_mode = self.userns_mode.clone().or(host.userns_mode.take());
    }

    /// The first option Docker would refuse or misread: (what is wrong, the hint).
    pub(super) fn problem(&self) -> Option<(String, &'static str)> {
        if let Some(m) = self.memory.filter(|m| *m < 6 * 1024 * 1024) {
            return Some((
                format!("memory limit {m} bytes is below Docker's minimum of 6 MiB"),
                "give `memory(…)` a value in bytes of at least 6291456",
            ));
        }
        if let Some(c) = self.cpus.filter(|c| !c.is_finite() || *c <= 0.0) {
            return Some((
                format!("CPU limit {c} is not a positive number of CPUs"),
                "give `cpus(…)` a value such as 0.5 or 2",
            ));
        }
        for (name, soft, hard) in &self.ulimits {
            if name.is_empty() || soft > hard {
                return Some((
                    format!("ulimit `{name}` soft {soft} / hard {hard}: a name is needed and the soft limit cannot exceed the hard one"),
                    "fix the `ulimit(…)` call",
                ));
            }
        }
        for (name, ip) in &self.extra_hosts {
            let ok_ip = ip == "host-gateway" || ip.parse::<std::net::IpAddr>().is_ok();
            if name.is_empty() || name.contains(':') || !ok_ip {
                return Some((
                    format!("extra host `{name}` → `{ip}`: a name without `:` and an IP address (or `host-gateway`) are needed"),
                    "fix the `extra_host(…)` call",
                ));
            }
        }
        for (key, _) in &self.sysctls {
            if key.is_empty() || key.contains('=') {
                return Some((
                    format!("sysctl {key:?} is not a sysctl name"),
                    "give `sysctl(…)` a name such as `net.ipv4.ip_forward`",
                ));
            }
        }
        None
    }
}
