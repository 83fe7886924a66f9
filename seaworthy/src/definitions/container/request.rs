//! Request translation: a container definition's configuration as Docker's create body.
//!
//! Pure apart from reading the IDs of the networks and volumes it refers to, so it is
//! unit-tested without Docker.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use bollard::models::{
    ContainerCreateBody, EndpointSettings, HostConfig, NetworkingConfig, PortBinding, PortMap,
};

use crate::definitions::{NetworkDefinition, VolumeDefinition};
use crate::error::ContainerError;
use crate::error::{Error, Result};
use crate::wait::Wait;

#[derive(Debug, Clone)]
pub(super) enum Mount {
    Volume(VolumeDefinition, String, Option<&'static str>),
    Named(String, String, Option<&'static str>),
    Host(PathBuf, String, Option<&'static str>),
}

#[derive(Debug, Clone)]
pub(super) struct Publish {
    pub(super) port: u16,
    pub(super) proto: &'static str,
    pub(super) host_port: Option<u16>,
}

/// Where a container is attached when the fixture harness sets it up.
#[derive(Debug, Clone, Default)]
pub struct Attachment {
    /// The network to attach to at creation (its Docker ID).
    pub network: Option<String>,
    /// Network aliases on it (the fixture name, …).
    pub aliases: Vec<String>,
}

/// Everything a `ContainerDefinition`'s builder collects.
#[derive(Debug, Clone)]
pub(super) struct Config {
    pub(super) name: String,
    pub(super) image: String,
    pub(super) command: Option<Vec<String>>,
    pub(super) entrypoint: Option<Vec<String>>,
    pub(super) env: Vec<(String, String)>,
    pub(super) user: Option<String>,
    pub(super) workdir: Option<String>,
    pub(super) mounts: Vec<Mount>,
    pub(super) tmpfs: Vec<(String, String)>,
    pub(super) network: Option<NetworkDefinition>,
    pub(super) aliases: Vec<String>,
    pub(super) labels: Vec<(String, String)>,
    pub(super) publish: Vec<Publish>,
    pub(super) publish_all: bool,
    /// One layer per `create_options` call, merged (and checked for conflicts) at setup.
    pub(super) create_options: Vec<serde_json::Value>,
    pub(super) wait: Option<Wait>,
    pub(super) wait_timeout: Duration,
    pub(super) stop_signal: Option<String>,
    pub(super) pull_policy: crate::images::PullPolicy,
    /// The settings added for testcontainers users (files, options, platform, …).
    pub(super) extras: super::extras::Extras,
}

/// `/data:ro` → (`/data`, `ro`); `/data:rw` → (`/data`, `rw`), kept so that Docker records the
/// mode asked for (without it, a volume's mode is `z`); no suffix → (`/data`, none): Docker's
/// default, read-write.
pub(super) fn split_mode(target: &str) -> (String, Option<&'static str>) {
    for mode in ["ro", "rw"] {
        if let Some(t) = target.strip_suffix(mode).and_then(|t| t.strip_suffix(':')) {
            return (t.to_string(), Some(mode));
        }
    }
    (target.to_string(), None)
}

impl Config {
    /// The container's name first, then the other aliases, each once.
    pub(super) fn aliases(&self) -> Vec<String> {
        let mut a = vec![self.name.clone()];
        for x in &self.aliases {
            if !a.contains(x) {
                a.push(x.clone());
            }
        }
        a
    }

    /// Networks to connect after creation (API 1.41 attaches only one at create time).
    pub(super) fn extra_networks(&self, attach: &Attachment) -> Result<Vec<(String, Vec<String>)>> {
        let mut out = Vec::new();
        if let (Some(_), Some(net)) = (&attach.network, &self.network) {
            out.push((net.id()?, self.aliases()));
        }
        Ok(out)
    }

    /// The create body: the builder's settings, `labels` (the helper's plus the definition's),
    /// ports published on `publish_ip` (every one of `image_ports` too with `publish_all`),
    /// then the `create_options` layers merged over it.
    pub(super) fn create_body(
        &self,
        mut labels: HashMap<String, String>,
        image_ports: &[String],
        attach: &Attachment,
        publish_ip: &str,
    ) -> Result<ContainerCreateBody> {
        labels.extend(self.labels.iter().cloned());
        let (exposed, port_bindings) = self.ports(image_ports, publish_ip);
        let binds = self.binds()?;
        let networking_config = self.networking(attach)?;
        let network_mode = networking_config
            .as_ref()
            .and_then(|n| n.endpoints_config.as_ref())
            .and_then(|e| e.keys().next().cloned());
        let mut host_config = HostConfig {
            port_bindings: (!port_bindings.is_empty()).then_some(port_bindings),
            binds: (!binds.is_empty()).then_some(binds),
            tmpfs: (!self.tmpfs.is_empty()).then(|| self.tmpfs.iter().cloned().collect()),
            network_mode,
            ..Default::default()
        };
        self.extras.options.apply(&mut host_config);
        let body = ContainerCreateBody {
            image: Some(self.image.clone()),
            cmd: self.command.clone(),
            entrypoint: self.entrypoint.clone(),
            env: (!self.env.is_empty())
                .then(|| self.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            user: self.user.clone(),
            working_dir: self.workdir.clone(),
            labels: Some(labels),
            exposed_ports: (!exposed.is_empty()).then_some(exposed),
            stop_signal: self.stop_signal.clone(),
            host_config: Some(host_config),
            networking_config,
            ..Default::default()
        };
        self.apply_create_options(body)
    }

    fn ports(&self, image_ports: &[String], publish_ip: &str) -> (Vec<String>, PortMap) {
        let mut port_bindings: PortMap = HashMap::new();
        let mut exposed: Vec<String> = Vec::new();
        let bind = |port: Option<u16>| {
            Some(vec![PortBinding {
                host_ip: Some(publish_ip.to_string()),
                host_port: Some(port.map(|p| p.to_string()).unwrap_or_default()),
            }])
        };
        if self.publish_all {
            for spec in image_ports {
                port_bindings.insert(spec.clone(), bind(None));
            }
        }
        for p in &self.publish {
            let spec = format!("{}/{}", p.port, p.proto);
            exposed.push(spec.clone());
            port_bindings.insert(spec, bind(p.host_port));
        }
        (exposed, port_bindings)
    }

    fn binds(&self) -> Result<Vec<String>> {
        let mut binds = Vec::new();
        for m in &self.mounts {
            let (source, target, mode) = match m {
                Mount::Volume(v, t, mode) => (v.docker_name()?, t, *mode),
                Mount::Named(n, t, mode) => (n.clone(), t, *mode),
                Mount::Host(p, t, mode) => (p.display().to_string(), t, *mode),
            };
            let suffix = mode.map(|m| format!(":{m}")).unwrap_or_default();
            binds.push(format!("{source}:{target}{suffix}"));
        }
        Ok(binds)
    }

    fn networking(&self, attach: &Attachment) -> Result<Option<NetworkingConfig>> {
        let mut aliases = self.aliases();
        for a in &attach.aliases {
            if !aliases.contains(a) {
                aliases.push(a.clone());
            }
        }
        let network_id = match (&attach.network, &self.network) {
            (Some(id), _) => Some(id.clone()),
            (None, Some(net)) => Some(net.id()?),
            (None, None) => None,
        };
        Ok(network_id.map(|id| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                id,
                EndpointSettings {
                    aliases: Some(aliases),
                    ..Default::default()
                },
            )])),
        }))
    }

    /// Merges the `create_options` layers (which must agree with each other) deep over `body`.
    fn apply_create_options(&self, body: ContainerCreateBody) -> Result<ContainerCreateBody> {
        if self.create_options.is_empty() {
            return Ok(body);
        }
        let merge_error = |source| {
            Error::from(ContainerError::CreateOptions {
                container: self.name.clone(),
                source,
            })
        };
        let invalid = |reason: String| {
            Error::from(ContainerError::InvalidCreateOptions {
                container: self.name.clone(),
                reason,
            })
        };
        let options =
            crate::merge::merge_layers(self.create_options.iter().cloned()).map_err(merge_error)?;
        let mut value = serde_json::to_value(&body).map_err(|e| invalid(e.to_string()))?;
        crate::merge::deep_merge(&mut value, options).map_err(merge_error)?;
        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
    }
}

#[cfg(test)]
mod should {
    use super::*;
    use crate::ContainerDefinition;
    use serde_json::json;

    fn body(def: &ContainerDefinition) -> Result<ContainerCreateBody> {
        let labels = HashMap::from([("seaworthy.run".to_string(), "r1".to_string())]);
        def.config.create_body(
            labels,
            &["80/tcp".to_string()],
            &Attachment::default(),
            "127.0.0.1",
        )
    }

    fn host_config(def: &ContainerDefinition) -> HostConfig {
        body(def).unwrap().host_config.unwrap()
    }

    #[test]
    fn pass_image_command_env_user_and_workdir() {
        let def = ContainerDefinition::new("web", "busybox")
            .entrypoint(["sh", "-c"])
            .command(["echo hi"])
            .env("A", "1")
            .env("B", "2")
            .env("A", "3")
            .user("app")
            .workdir("/srv")
            .stop_signal("SIGINT");
        let b = body(&def).unwrap();
        assert_eq!(b.image.as_deref(), Some("busybox"));
        assert_eq!(b.entrypoint, Some(vec!["sh".to_string(), "-c".to_string()]));
        assert_eq!(b.cmd, Some(vec!["echo hi".to_string()]));
        assert_eq!(b.env, Some(vec!["B=2".to_string(), "A=3".to_string()]));
        assert_eq!(b.user.as_deref(), Some("app"));
        assert_eq!(b.working_dir.as_deref(), Some("/srv"));
        assert_eq!(b.stop_signal.as_deref(), Some("SIGINT"));
        assert_eq!(b.networking_config, None);
        let plain = body(&ContainerDefinition::new("web", "busybox")).unwrap();
        assert_eq!((plain.env, plain.cmd, plain.user), (None, None, None));
    }

    #[test]
    fn add_the_definitions_labels_to_the_helpers() {
        let def = ContainerDefinition::new("web", "busybox").label("team", "core");
        let labels = body(&def).unwrap().labels.unwrap();
        assert_eq!(
            labels,
            HashMap::from([
                ("seaworthy.run".to_string(), "r1".to_string()),
                ("team".to_string(), "core".to_string()),
            ])
        );
    }

    #[test]
    fn translate_mounts_and_tmpfs() {
        let def = ContainerDefinition::new("web", "busybox")
            .named_volume("cache", "/cache:ro")
            .bind("/host/dir", "/mnt:rw")
            .bind("/etc/hosts", "/h")
            .tmpfs("/run", "size=1m");
        let host = host_config(&def);
        assert_eq!(
            host.binds,
            Some(vec![
                "cache:/cache:ro".to_string(),
                "/host/dir:/mnt:rw".to_string(),
                "/etc/hosts:/h".to_string(),
            ])
        );
        assert_eq!(
            host.tmpfs,
            Some(HashMap::from([("/run".to_string(), "size=1m".to_string())]))
        );
        let unset = crate::VolumeDefinition::new("data");
        let e =
            body(&ContainerDefinition::new("web", "busybox").volume(&unset, "/data")).unwrap_err();
        assert!(
            matches!(e, Error::Container(ContainerError::NotSetUp { kind: "volume", ref name }) if name == "data"),
            "{e:?}"
        );
    }

    #[test]
    fn publish_ports_on_loopback_only() {
        let binding = |port: &str| {
            Some(vec![PortBinding {
                host_ip: Some("127.0.0.1".into()),
                host_port: Some(port.into()),
            }])
        };
        let def = ContainerDefinition::new("web", "busybox")
            .publish(8080)
            .publish_udp(53)
            .publish_to(9090, 19090);
        let b = body(&def).unwrap();
        assert_eq!(
            b.exposed_ports,
            Some(vec![
                "8080/tcp".to_string(),
                "53/udp".to_string(),
                "9090/tcp".to_string(),
            ])
        );
        assert_eq!(
            b.host_config.unwrap().port_bindings,
            Some(HashMap::from([
                ("8080/tcp".to_string(), binding("")),
                ("53/udp".to_string(), binding("")),
                ("9090/tcp".to_string(), binding("19090")),
            ]))
        );
        let all = ContainerDefinition::new("web", "busybox").publish_all();
        assert_eq!(
            host_config(&all).port_bindings,
            Some(HashMap::from([("80/tcp".to_string(), binding(""))]))
        );
        assert_eq!(body(&all).unwrap().exposed_ports, None);
    }

    #[test]
    fn attach_to_the_harness_network_with_every_alias() {
        let def = ContainerDefinition::new("web", "busybox").alias("www");
        let attach = Attachment {
            network: Some("net-id".into()),
            aliases: vec!["www".into(), "site".into()],
        };
        let b = def
            .config
            .create_body(HashMap::new(), &[], &attach, "127.0.0.1")
            .unwrap();
        assert_eq!(
            b.host_config.unwrap().network_mode.as_deref(),
            Some("net-id")
        );
        let endpoints = b.networking_config.unwrap().endpoints_config.unwrap();
        assert_eq!(
            endpoints["net-id"].aliases,
            Some(vec![
                "web".to_string(),
                "www".to_string(),
                "site".to_string()
            ])
        );
    }

    #[test]
    fn merge_create_options_layers_over_the_builder() {
        let def = ContainerDefinition::new("web", "busybox")
            .label("from-builder", "1")
            .publish(8080)
            .create_options(json!({"Labels": {"from-options": "2"}}))
            .create_options(json!({"HostConfig": {"Memory": 1000}}))
            .create_options(json!({"HostConfig": {"Memory": 1000, "Init": true}}));
        let b = body(&def).unwrap();
        let labels = b.labels.unwrap();
        assert_eq!(labels["from-builder"], "1");
        assert_eq!(labels["from-options"], "2");
        let host = b.host_config.unwrap();
        assert_eq!(host.memory, Some(1000));
        assert_eq!(host.init, Some(true));
        assert!(host.port_bindings.unwrap().contains_key("8080/tcp"));
        // Options replace what the builder set (arrays are not concatenated).
        let def = ContainerDefinition::new("web", "busybox")
            .command(["a"])
            .create_options(json!({"Cmd": ["b"]}));
        assert_eq!(body(&def).unwrap().cmd, Some(vec!["b".to_string()]));
    }

    #[test]
    fn report_conflicting_create_options_layers_with_both_values() {
        let def = ContainerDefinition::new("web", "busybox")
            .create_options(json!({"HostConfig": {"Memory": 1000}}))
            .create_options(json!({"Labels": {"a": "b"}}))
            .create_options(json!({"HostConfig": {"Memory": 2000}}));
        let e = body(&def).unwrap_err();
        assert!(
            matches!(
                &e,
                Error::Container(ContainerError::CreateOptions {
                    source: crate::merge::MergeError::Conflict { .. },
                    ..
                })
            ),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "invalid create options for container `web`: two layers set `HostConfig.Memory` \
             differently: 1000 vs 2000\n\
             (hint: set `HostConfig.Memory` in one layer only, or to the same value in each)"
        );
    }

    #[test]
    fn report_options_that_do_not_fit_the_builders_body() {
        let def = ContainerDefinition::new("web", "busybox")
            .bind("/tmp", "/t")
            .create_options(json!({"HostConfig": {"Binds": {"a": "b"}}}));
        let e = body(&def).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid create options for container `web`: cannot merge an object into \
             `HostConfig.Binds`, which is an array\n\
             (hint: replace the whole value at `HostConfig.Binds` in one layer, or make it an \
             object in both)"
        );
        let def = ContainerDefinition::new("web", "busybox")
            .create_options(json!({"HostConfig": {"Memory": "lots"}}));
        let e = body(&def).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Container(ContainerError::InvalidCreateOptions { .. })
            ),
            "{e:?}"
        );
    }

    #[test]
    fn split_mount_mode_suffixes() {
        assert_eq!(split_mode("/a:ro"), ("/a".to_string(), Some("ro")));
        assert_eq!(split_mode("/a:rw"), ("/a".to_string(), Some("rw")));
        assert_eq!(split_mode("/a"), ("/a".to_string(), None));
        assert_eq!(split_mode("/a/dirrw"), ("/a/dirrw".to_string(), None));
    }
}
