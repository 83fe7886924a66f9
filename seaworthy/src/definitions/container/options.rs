//! Typed host options of a container definition: memory and CPU limits, privileged mode,
//! capabilities, ulimits, shared memory, sysctls, extra hosts, a read-only root filesystem and
//! the user namespace mode. They are set on the create body before the raw `create_options`
//! layers, which stay the escape hatch and win over them.

use super::ContainerDefinition;

impl ContainerDefinition {
    /// The memory limit, in bytes (Docker's `--memory`; at least 6 MiB).
    pub fn memory(mut self, bytes: i64) -> Self {
        self.config.extras.options.memory = Some(bytes);
        self
    }

    /// The CPU limit, in CPUs (`0.5` is half a CPU; Docker's `--cpus`).
    pub fn cpus(mut self, cpus: f64) -> Self {
        let o = &mut self.config.extras.options;
        o.cpus = Some(cpus);
        o.nano_cpus = Some((cpus * 1e9) as i64);
        self
    }

    /// The most processes the container may have (`--pids-limit`).
    pub fn pids_limit(mut self, limit: i64) -> Self {
        self.config.extras.options.pids_limit = Some(limit);
        self
    }

    /// Runs the container privileged (`--privileged`): every capability and every device.
    pub fn privileged(mut self) -> Self {
        self.config.extras.options.privileged = true;
        self
    }

    /// Adds a Linux capability (`NET_ADMIN`, `SYS_PTRACE`, …; `--cap-add`).
    pub fn cap_add(mut self, capability: impl Into<String>) -> Self {
        self.config.extras.options.cap_add.push(capability.into());
        self
    }

    /// Drops a Linux capability (`ALL`, `CHOWN`, …; `--cap-drop`).
    pub fn cap_drop(mut self, capability: impl Into<String>) -> Self {
        self.config.extras.options.cap_drop.push(capability.into());
        self
    }

    /// A resource limit (`nofile`, `nproc`, `memlock`, …) with its soft and hard values
    /// (`--ulimit name=soft:hard`); a later call for the same name replaces it.
    pub fn ulimit(mut self, name: impl Into<String>, soft: i64, hard: i64) -> Self {
        let name = name.into();
        let u = &mut self.config.extras.options.ulimits;
        u.retain(|(n, _, _)| *n != name);
        u.push((name, soft, hard));
        self
    }

    /// The size of `/dev/shm`, in bytes (`--shm-size`; Docker's default is 64 MiB).
    pub fn shm_size(mut self, bytes: i64) -> Self {
        self.config.extras.options.shm_size = Some(bytes);
        self
    }

    /// A namespaced kernel parameter (`net.core.somaxconn`, …; `--sysctl`).
    pub fn sysctl(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config
            .extras
            .options
            .sysctls
            .push((key.into(), value.into()));
        self
    }

    /// An `/etc/hosts` entry: `name` resolves to `ip` (an address, or `host-gateway` for the
    /// engine's host; `--add-host`).
    pub fn extra_host(mut self, name: impl Into<String>, ip: impl Into<String>) -> Self {
        self.config
            .extras
            .options
            .extra_hosts
            .push((name.into(), ip.into()));
        self
    }

    /// Mounts the root filesystem read-only (`--read-only`); tmpfs mounts and volumes stay
    /// writable.
    pub fn read_only_rootfs(mut self) -> Self {
        self.config.extras.options.read_only = true;
        self
    }

    /// The user namespace mode (`host` to opt out of an engine's user-namespace remapping;
    /// `--userns`).
    pub fn userns_mode(mut self, mode: impl Into<String>) -> Self {
        self.config.extras.options.userns_mode = Some(mode.into());
        self
    }
}

#[cfg(test)]
mod should {
    use super::*;
    use bollard::models::{HostConfig, ResourcesUlimits};

    fn host(def: ContainerDefinition) -> HostConfig {
        let mut h = HostConfig::default();
        def.config.extras.options.apply(&mut h);
        h
    }

    #[test]
    fn set_each_option_on_the_host_config() {
        let h = host(
            ContainerDefinition::new("db", "x")
                .memory(256 << 20)
                .cpus(1.5)
                .pids_limit(64)
                .privileged()
                .cap_add("NET_ADMIN")
                .cap_drop("MKNOD")
                .ulimit("nofile", 1000, 2000)
                .ulimit("nofile", 1024, 4096)
                .shm_size(128 << 20)
                .sysctl("net.core.somaxconn", "1024")
                .extra_host("db.test", "10.0.0.5")
                .read_only_rootfs()
                .userns_mode("host"),
        );
        assert_eq!(h.memory, Some(256 << 20));
        assert_eq!(h.nano_cpus, Some(1_500_000_000));
        assert_eq!(h.pids_limit, Some(64));
        assert_eq!(h.privileged, Some(true));
        assert_eq!(h.cap_add, Some(vec!["NET_ADMIN".to_string()]));
        assert_eq!(h.cap_drop, Some(vec!["MKNOD".to_string()]));
        assert_eq!(
            h.ulimits,
            Some(vec![ResourcesUlimits {
                name: Some("nofile".into()),
                soft: Some(1024),
                hard: Some(4096)
            }])
        );
        assert_eq!(h.shm_size, Some(128 << 20));
        assert_eq!(h.sysctls.unwrap()["net.core.somaxconn"], "1024");
        assert_eq!(h.extra_hosts, Some(vec!["db.test:10.0.0.5".to_string()]));
        assert_eq!(h.readonly_rootfs, Some(true));
        assert_eq!(h.userns_mode.as_deref(), Some("host"));
        assert_eq!(
            host(ContainerDefinition::new("db", "x")),
            HostConfig::default()
        );
    }

    #[test]
    fn name_the_option_docker_would_refuse() {
        let problem = |d: ContainerDefinition| d.config.extras.options.problem().unwrap().0;
        let d = || ContainerDefinition::new("db", "x");
        assert_eq!(
            problem(d().memory(1000)),
            "memory limit 1000 bytes is below Docker's minimum of 6 MiB"
        );
        assert!(problem(d().cpus(0.0)).contains("CPU limit 0"));
        assert!(problem(d().ulimit("nofile", 10, 5)).contains("soft 10 / hard 5"));
        assert!(problem(d().extra_host("a", "not-an-ip")).contains("`a` → `not-an-ip`"));
        assert!(problem(d().sysctl("a=b", "1")).contains("\"a=b\""));
        assert_eq!(
            d().extra_host("h", "host-gateway")
                .config
                .extras
                .options
                .problem(),
            None
        );
    }
}
