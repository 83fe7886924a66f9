//! The subset of the Compose file format seaworthy reads, as written in the file: every key it
//! knows and nothing else (an unknown key is an error naming it and its line).

use std::collections::BTreeMap;

use serde::de::{self, MapAccess, SeqAccess};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::shapes::{deserialize_shapes, items, long, KeyValues, Scalar, Shapes, Strings, Words};

/// A whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    /// Obsolete in the Compose specification; accepted and ignored.
    #[serde(default)]
    #[expect(dead_code, reason = "obsolete, accepted for older files")]
    pub(crate) version: Option<Scalar>,
    /// The project name (used in messages).
    #[serde(default)]
    pub(crate) name: Option<String>,
    pub(crate) services: BTreeMap<String, Spanned<RawService>>,
    #[serde(default)]
    pub(crate) volumes: BTreeMap<String, Option<RawVolume>>,
    #[serde(default)]
    pub(crate) networks: BTreeMap<String, Option<RawNetwork>>,
}

/// A top-level volume.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVolume {
    #[serde(default)]
    pub(crate) driver: Option<String>,
    #[serde(default)]
    pub(crate) driver_opts: BTreeMap<String, Scalar>,
    #[serde(default)]
    pub(crate) labels: KeyValues,
}

/// A top-level network.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetwork {
    #[serde(default)]
    pub(crate) driver: Option<String>,
    #[serde(default)]
    pub(crate) internal: bool,
    #[serde(default)]
    pub(crate) labels: KeyValues,
}

/// One service.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawService {
    #[serde(default)]
    pub(crate) image: Option<String>,
    #[serde(default)]
    pub(crate) build: Option<Build>,
    #[serde(default)]
    pub(crate) command: Option<Words>,
    #[serde(default)]
    pub(crate) entrypoint: Option<Words>,
    #[serde(default)]
    pub(crate) environment: KeyValues,
    #[serde(default)]
    pub(crate) env_file: Option<Spanned<Strings>>,
    #[serde(default)]
    pub(crate) ports: Vec<Spanned<Port>>,
    #[serde(default)]
    pub(crate) volumes: Vec<Spanned<ServiceVolume>>,
    #[serde(default)]
    pub(crate) networks: Option<ServiceNetworks>,
    #[serde(default)]
    pub(crate) depends_on: Option<Spanned<DependsOn>>,
    #[serde(default)]
    pub(crate) healthcheck: Option<Spanned<Healthcheck>>,
    #[serde(default)]
    pub(crate) user: Option<Scalar>,
    #[serde(default)]
    pub(crate) working_dir: Option<String>,
    #[serde(default)]
    pub(crate) profiles: Vec<String>,
    #[serde(default)]
    pub(crate) labels: KeyValues,
}

/// `build: ./dir` or `build: {context, dockerfile, args}`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Build {
    pub(crate) context: String,
    pub(crate) dockerfile: Option<String>,
    pub(crate) args: KeyValues,
}

/// `build`'s long form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BuildLong {
    #[serde(default = "dot")]
    context: String,
    #[serde(default)]
    dockerfile: Option<String>,
    #[serde(default)]
    args: KeyValues,
}

fn dot() -> String {
    ".".into()
}

impl Shapes for Build {
    const EXPECTING: &'static str = "a build context path or a mapping";

    fn scalar<E: de::Error>(context: String) -> Result<Self, E> {
        Ok(Build {
            context,
            ..Build::default()
        })
    }

    fn map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let b: BuildLong = long(map)?;
        Ok(Build {
            context: b.context,
            dockerfile: b.dockerfile,
            args: b.args,
        })
    }
}

/// `"8080:80"`, `80`, `"127.0.0.1:8080:80/udp"`, or the long form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Port {
    Short(String),
    Long(PortLong),
}

/// A port's long form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PortLong {
    pub(crate) target: u16,
    #[serde(default)]
    pub(crate) published: Option<Scalar>,
    #[serde(default)]
    pub(crate) host_ip: Option<String>,
    #[serde(default)]
    pub(crate) protocol: Option<String>,
}

impl Shapes for Port {
    const EXPECTING: &'static str = "a port (`8080:80`) or a mapping with `target`";

    fn scalar<E: de::Error>(s: String) -> Result<Self, E> {
        Ok(Port::Short(s))
    }

    fn map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        long(map).map(Port::Long)
    }
}

/// `"data:/var/lib/x:ro"`, `"./dir:/app"`, `"/tmp"` (anonymous), or the long form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ServiceVolume {
    Short(String),
    Long(VolumeLong),
}

/// A service volume's long form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VolumeLong {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) source: Option<String>,
    pub(crate) target: String,
    #[serde(default)]
    pub(crate) read_only: bool,
}

impl Shapes for ServiceVolume {
    const EXPECTING: &'static str = "a volume (`name:/path`) or a mapping with `type` and `target`";

    fn scalar<E: de::Error>(s: String) -> Result<Self, E> {
        Ok(ServiceVolume::Short(s))
    }

    fn map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        long(map).map(ServiceVolume::Long)
    }
}

/// `networks: [a, b]` or `networks: {a: {aliases: [x]}, b:}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ServiceNetworks(pub(crate) Vec<(String, Vec<String>)>);

/// One network of a service, long form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceNetwork {
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
}

impl Shapes for ServiceNetworks {
    const EXPECTING: &'static str = "a list of network names or a mapping";

    fn seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        let names: Vec<String> = items(seq)?;
        Ok(ServiceNetworks(
            names.into_iter().map(|n| (n, Vec::new())).collect(),
        ))
    }

    fn map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut out = Vec::new();
        while let Some((name, net)) = map.next_entry::<String, Option<ServiceNetwork>>()? {
            out.push((name, net.unwrap_or_default().aliases));
        }
        Ok(ServiceNetworks(out))
    }
}

/// When a dependency counts as ready for the service that depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
pub(crate) enum Condition {
    /// Started (and, when the stack overrides its readiness, ready).
    #[default]
    #[serde(rename = "service_started")]
    Started,
    /// Its healthcheck reports `healthy`.
    #[serde(rename = "service_healthy")]
    Healthy,
    /// It ran to completion with exit code 0.
    #[serde(rename = "service_completed_successfully")]
    CompletedSuccessfully,
}

/// `depends_on: [a, b]` or `depends_on: {a: {condition: service_healthy}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DependsOn(pub(crate) Vec<(String, Condition)>);

/// One dependency, long form.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Dependency {
    #[serde(default)]
    condition: Condition,
}

impl Shapes for DependsOn {
    const EXPECTING: &'static str = "a list of service names or a mapping";

    fn seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        let names: Vec<String> = items(seq)?;
        Ok(DependsOn(
            names.into_iter().map(|n| (n, Condition::Started)).collect(),
        ))
    }

    fn map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut out = Vec::new();
        while let Some((name, dep)) = map.next_entry::<String, Dependency>()? {
            out.push((name, dep.condition));
        }
        Ok(DependsOn(out))
    }
}

/// `healthcheck:`, as Docker's HEALTHCHECK.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Healthcheck {
    #[serde(default)]
    pub(crate) test: Option<HealthTest>,
    #[serde(default)]
    pub(crate) interval: Option<String>,
    #[serde(default)]
    pub(crate) timeout: Option<String>,
    #[serde(default)]
    pub(crate) start_period: Option<String>,
    #[serde(default)]
    pub(crate) retries: Option<u32>,
    #[serde(default)]
    pub(crate) disable: bool,
}

/// `test: curl -f x` (`CMD-SHELL`) or `test: [CMD, curl, -f, x]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HealthTest(pub(crate) Vec<String>);

impl Shapes for HealthTest {
    const EXPECTING: &'static str =
        "a shell command or a list starting with CMD, CMD-SHELL or NONE";

    fn scalar<E: de::Error>(s: String) -> Result<Self, E> {
        Ok(HealthTest(vec!["CMD-SHELL".into(), s]))
    }

    fn seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        let v: Vec<String> = items(seq)?;
        match v.first().map(String::as_str) {
            Some("CMD" | "CMD-SHELL" | "NONE") => Ok(HealthTest(v)),
            _ => Err(de::Error::custom(format!(
                "healthcheck test {v:?} must start with CMD, CMD-SHELL or NONE"
            ))),
        }
    }
}

deserialize_shapes!(Build);
deserialize_shapes!(Port);
deserialize_shapes!(ServiceVolume);
deserialize_shapes!(ServiceNetworks);
deserialize_shapes!(DependsOn);
deserialize_shapes!(HealthTest);

#[cfg(test)]
mod should {
    use super::*;

    fn file(text: &str) -> Result<RawFile, String> {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn name_an_unknown_key_and_its_line() {
        let e = file("services:\n  web:\n    image: x\n    restart: always\n").unwrap_err();
        assert!(e.contains("restart") && e.contains("line 4"), "{e}");
        // Inside a long form too.
        let e = file(
            "services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: service_healthy\n        restart: true\n  db:\n    image: y\n",
        )
        .unwrap_err();
        assert!(e.contains("restart") && e.contains("line 7"), "{e}");
    }

    #[test]
    fn name_an_unknown_condition() {
        let e = file("services:\n  web:\n    image: x\n    depends_on:\n      db:\n        condition: service_ready\n")
            .unwrap_err();
        assert!(
            e.contains("service_ready") && e.contains("service_healthy") && e.contains("line 6"),
            "{e}"
        );
    }

    #[test]
    fn read_every_short_and_long_form() {
        let f = file(
            r#"
services:
  web:
    build: ./web
    command: python -m http.server
    ports: ["8080:80", 9000, {target: 53, protocol: udp}]
    volumes: [data:/data, "./conf:/etc/conf:ro", {type: bind, source: ., target: /src, read_only: true}]
    networks: {front: {aliases: [www]}, back: }
    depends_on: {db: {condition: service_healthy}, init: {condition: service_completed_successfully}}
    healthcheck: {test: curl -f localhost, interval: 1s, retries: 3}
    user: 1000
  db:
    image: postgres
    depends_on: [init]
  init:
    image: busybox
volumes:
  data:
networks:
  front:
  back: {internal: true}
"#,
        )
        .unwrap();
        let web = &f.services["web"].value;
        assert_eq!(web.build.as_ref().unwrap().context, "./web");
        assert_eq!(
            web.command.as_ref().unwrap().0,
            ["python", "-m", "http.server"]
        );
        let ports: Vec<_> = web.ports.iter().map(|p| p.value.clone()).collect();
        assert_eq!(ports[0], Port::Short("8080:80".into()));
        assert_eq!(ports[1], Port::Short("9000".into()));
        assert!(matches!(&ports[2], Port::Long(l) if l.target == 53));
        assert_eq!(web.ports[1].referenced.line(), 6);
        assert!(matches!(&web.volumes[2].value, ServiceVolume::Long(l) if l.read_only));
        assert_eq!(
            web.networks.as_ref().unwrap().0,
            [
                ("front".into(), vec!["www".into()]),
                ("back".into(), vec![])
            ]
        );
        assert_eq!(
            web.depends_on.as_ref().unwrap().value.0,
            [
                ("db".into(), Condition::Healthy),
                ("init".into(), Condition::CompletedSuccessfully)
            ]
        );
        let health = &web.healthcheck.as_ref().unwrap().value;
        assert_eq!(
            health.test.as_ref().unwrap().0,
            ["CMD-SHELL", "curl -f localhost"]
        );
        assert_eq!(web.user, Some(Scalar(Some("1000".into()))));
        assert_eq!(
            f.services["db"].value.depends_on.as_ref().unwrap().value.0,
            [("init".into(), Condition::Started)]
        );
        assert!(f.networks["back"].as_ref().unwrap().internal);
        assert!(f.volumes["data"].is_none());
    }
}
