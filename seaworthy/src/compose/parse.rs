//! From the file's text to a [`Project`]: every value checked and resolved (paths made
//! absolute against the file's directory, `env_file`s read, ports and durations parsed), each
//! error with the line of the value at fault.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_saphyr::Spanned;

use super::error::ComposeError;
use super::model::{Condition, Port, RawFile, RawNetwork, RawService, RawVolume, ServiceVolume};
use super::shapes::KeyValues;

/// A Compose file, checked and resolved.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    /// The file, as given (for messages).
    pub(crate) file: String,
    /// The `name:` of the file, else its directory's name.
    pub(crate) name: String,
    /// Services, by name.
    pub(crate) services: Vec<Service>,
    /// Top-level volumes (named volumes the stack creates).
    pub(crate) volumes: Vec<Volume>,
    /// Networks the stack creates: the declared ones, and `default` when a service uses it.
    pub(crate) networks: Vec<Network>,
}

/// A top-level volume.
#[derive(Debug, Clone)]
pub(crate) struct Volume {
    pub(crate) name: String,
    pub(crate) driver: Option<String>,
    pub(crate) driver_opts: Vec<(String, String)>,
    pub(crate) labels: Vec<(String, String)>,
}

/// A network the stack creates.
#[derive(Debug, Clone)]
pub(crate) struct Network {
    pub(crate) name: String,
    pub(crate) driver: Option<String>,
    pub(crate) internal: bool,
    pub(crate) labels: Vec<(String, String)>,
}

/// An image to build for a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuildSpec {
    pub(crate) context: PathBuf,
    pub(crate) dockerfile: Option<String>,
    pub(crate) args: Vec<(String, String)>,
}

/// A published port, always on the engine's loopback publish address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PortSpec {
    pub(crate) container: u16,
    pub(crate) host: Option<u16>,
    pub(crate) udp: bool,
}

/// A mount of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MountSpec {
    /// A top-level volume of the stack, at a path, read-only or not.
    Volume(String, String, bool),
    /// A host path.
    Bind(PathBuf, String, bool),
    /// An anonymous volume, removed with the container.
    Anonymous(String),
}

/// A service, checked and resolved.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub(crate) name: String,
    pub(crate) image: Option<String>,
    pub(crate) build: Option<BuildSpec>,
    pub(crate) command: Option<Vec<String>>,
    pub(crate) entrypoint: Option<Vec<String>>,
    /// `env_file`s first, then `environment`, later values replacing earlier ones.
    pub(crate) env: Vec<(String, String)>,
    pub(crate) ports: Vec<PortSpec>,
    pub(crate) mounts: Vec<MountSpec>,
    /// Network name and extra aliases (the service's name is always one).
    pub(crate) networks: Vec<(String, Vec<String>)>,
    pub(crate) depends_on: Vec<(String, Condition)>,
    /// The line of its `depends_on`.
    pub(crate) depends_line: u64,
    /// Docker's `Healthcheck` object, when the file sets one.
    pub(crate) healthcheck: Option<serde_json::Value>,
    pub(crate) user: Option<String>,
    pub(crate) working_dir: Option<String>,
    pub(crate) profiles: Vec<String>,
    pub(crate) labels: Vec<(String, String)>,
}

/// Reads and resolves a file.
pub(crate) fn load(path: &Path) -> Result<Project, ComposeError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ComposeError::Read {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    let dir = path
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    parse(&file, &text, &dir)
}

/// Parses `text` (the file `file`, whose relative paths are relative to `dir`).
pub(crate) fn parse(file: &str, text: &str, dir: &Path) -> Result<Project, ComposeError> {
    let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| ComposeError::Parse {
        file: file.to_string(),
        reason: e.to_string(),
    })?;
    let invalid = |line: u64, reason: String| ComposeError::Invalid {
        file: file.to_string(),
        line,
        reason,
    };
    let name = raw.name.clone().unwrap_or_else(|| {
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "compose".into())
    });
    let mut services = Vec::new();
    for (name, s) in &raw.services {
        services.push(service(name, s, &raw, dir, &invalid)?);
    }
    for s in &services {
        for (dep, _) in &s.depends_on {
            if !raw.services.contains_key(dep) {
                return Err(invalid(
                    s.depends_line,
                    format!(
                        "service `{}` depends on `{dep}`, which is not a service of the file",
                        s.name
                    ),
                ));
            }
        }
    }
    let volumes = raw
        .volumes
        .iter()
        .map(|(name, v)| {
            let v = v.as_ref().map_or_else(RawVolume::default, |v| RawVolume {
                driver: v.driver.clone(),
                driver_opts: v.driver_opts.clone(),
                labels: v.labels.clone(),
            });
            Volume {
                name: name.clone(),
                driver: v.driver,
                driver_opts: v
                    .driver_opts
                    .into_iter()
                    .map(|(k, v)| (k, v.0.unwrap_or_default()))
                    .collect(),
                labels: pairs(&v.labels),
            }
        })
        .collect();
    let mut networks: Vec<Network> = raw
        .networks
        .iter()
        .map(|(name, n)| {
            let n = n.as_ref();
            Network {
                name: name.clone(),
                driver: n.and_then(|n| n.driver.clone()),
                internal: n.is_some_and(|n: &RawNetwork| n.internal),
                labels: n.map(|n| pairs(&n.labels)).unwrap_or_default(),
            }
        })
        .collect();
    let uses_default = services
        .iter()
        .any(|s| s.networks.iter().any(|(n, _)| n == "default"));
    if uses_default && !networks.iter().any(|n| n.name == "default") {
        networks.insert(
            0,
            Network {
                name: "default".into(),
                driver: None,
                internal: false,
                labels: Vec::new(),
            },
        );
    }
    Ok(Project {
        file: file.to_string(),
        name,
        services,
        volumes,
        networks,
    })
}

fn service(
    name: &str,
    spanned: &Spanned<RawService>,
    raw: &RawFile,
    dir: &Path,
    invalid: &dyn Fn(u64, String) -> ComposeError,
) -> Result<Service, ComposeError> {
    let s = &spanned.value;
    let line = spanned.referenced.line();
    if s.image.is_none() && s.build.is_none() {
        return Err(invalid(
            line,
            format!("service `{name}` has neither `image` nor `build`"),
        ));
    }
    let mut env: Vec<(String, String)> = Vec::new();
    let mut set = |k: String, v: String| match env.iter_mut().find(|(key, _)| *key == k) {
        Some(e) => e.1 = v,
        None => env.push((k, v)),
    };
    if let Some(files) = &s.env_file {
        for f in &files.value.0 {
            let path = dir.join(f);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                invalid(
                    files.referenced.line(),
                    format!(
                        "env_file `{f}` of service `{name}` cannot be read at `{}`: {e}",
                        path.display()
                    ),
                )
            })?;
            for (k, v) in crate::text::env_lines(&text) {
                set(k, v);
            }
        }
    }
    for (k, v) in &s.environment.0 {
        // `KEY` alone: the value from the test process's environment, if it has one.
        if let Some(v) = v.clone().or_else(|| std::env::var(k).ok()) {
            set(k.clone(), v);
        }
    }
    let ports = s
        .ports
        .iter()
        .map(|p| port(&p.value).map_err(|r| invalid(p.referenced.line(), r)))
        .collect::<Result<_, _>>()?;
    let mounts = s
        .volumes
        .iter()
        .map(|v| mount(&v.value, raw, dir).map_err(|r| invalid(v.referenced.line(), r)))
        .collect::<Result<_, _>>()?;
    let networks = match &s.networks {
        None => vec![("default".to_string(), Vec::new())],
        Some(n) => {
            for (net, _) in &n.0 {
                if net != "default" && !raw.networks.contains_key(net) {
                    return Err(invalid(
                        line,
                        format!("service `{name}` uses network `{net}`, which the top-level `networks` does not declare"),
                    ));
                }
            }
            n.0.clone()
        }
    };
    let healthcheck = match &s.healthcheck {
        None => None,
        Some(h) => Some(healthcheck(&h.value).map_err(|r| invalid(h.referenced.line(), r))?),
    };
    Ok(Service {
        name: name.to_string(),
        image: s.image.clone(),
        build: s.build.as_ref().map(|b| BuildSpec {
            context: dir.join(&b.context),
            dockerfile: b.dockerfile.clone(),
            args: pairs(&b.args),
        }),
        command: s.command.as_ref().map(|w| w.0.clone()),
        entrypoint: s.entrypoint.as_ref().map(|w| w.0.clone()),
        env,
        ports,
        mounts,
        networks,
        depends_on: s
            .depends_on
            .as_ref()
            .map(|d| d.value.0.clone())
            .unwrap_or_default(),
        depends_line: s.depends_on.as_ref().map_or(line, |d| d.referenced.line()),
        healthcheck,
        user: s.user.as_ref().and_then(|u| u.0.clone()),
        working_dir: s.working_dir.clone(),
        profiles: s.profiles.clone(),
        labels: pairs(&s.labels),
    })
}

/// Key-value pairs with a value (a key without one takes the test process's variable).
fn pairs(kv: &KeyValues) -> Vec<(String, String)> {
    kv.0.iter()
        .filter_map(|(k, v)| {
            let v = v.clone().or_else(|| std::env::var(k).ok())?;
            Some((k.clone(), v))
        })
        .collect()
}

/// `[HOST_IP:][HOST:]CONTAINER[/PROTO]`; a host IP must be on 127.0.0.0/8.
pub(crate) fn port(p: &Port) -> Result<PortSpec, String> {
    let (ip, host, container, proto) = match p {
        Port::Long(l) => (
            l.host_ip.clone(),
            l.published.as_ref().and_then(|p| p.0.clone()),
            l.target.to_string(),
            l.protocol.clone().unwrap_or_else(|| "tcp".into()),
        ),
        Port::Short(s) => {
            let (rest, proto) = s.split_once('/').unwrap_or((s, "tcp"));
            let parts: Vec<&str> = rest.rsplitn(3, ':').collect();
            let (container, host, ip) = match parts.as_slice() {
                [c] => (*c, None, None),
                [c, h] => (*c, Some(*h), None),
                [c, h, ip] => (*c, Some(*h), Some(*ip)),
                _ => unreachable!("rsplitn(3) gives one to three parts"),
            };
            (
                ip.map(str::to_string),
                host.filter(|h| !h.is_empty()).map(str::to_string),
                container.to_string(),
                proto.to_string(),
            )
        }
    };
    let shown = match p {
        Port::Short(s) => format!("`{s}`"),
        Port::Long(l) => format!("with target {}", l.target),
    };
    if let Some(ip) = ip {
        if !ip.starts_with("127.") {
            return Err(format!(
                "port {shown} publishes on `{ip}`: seaworthy publishes ports on 127.0.0.1 only\n(hint: leave the address out)"
            ));
        }
    }
    let udp = match proto.as_str() {
        "tcp" => false,
        "udp" => true,
        other => return Err(format!("port {shown} has protocol `{other}`; tcp or udp")),
    };
    let number = |s: &str, what: &str| {
        s.parse::<u16>().map_err(|_| {
            format!("port {shown}: `{s}` is not a {what} port number (ranges are not supported)")
        })
    };
    let container = number(&container, "container")?;
    let host = host.map(|h| number(&h, "host")).transpose()?;
    if udp && host.is_some() {
        return Err(format!(
            "port {shown}: a UDP port is published on a free host port only"
        ));
    }
    Ok(PortSpec {
        container,
        host,
        udp,
    })
}

/// A service volume: `name:/path[:ro]` (a top-level volume), `./dir:/path[:ro]` (bind, relative
/// to the file), `/path` (anonymous), or the long form.
pub(crate) fn mount(v: &ServiceVolume, raw: &RawFile, dir: &Path) -> Result<MountSpec, String> {
    let (kind, source, target, read_only) = match v {
        ServiceVolume::Long(l) => (
            l.kind.clone(),
            l.source.clone(),
            l.target.clone(),
            l.read_only,
        ),
        ServiceVolume::Short(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            let (source, target, mode) = match parts.as_slice() {
                [t] => (None, *t, None),
                [s, t] => (Some(*s), *t, None),
                [s, t, m] => (Some(*s), *t, Some(*m)),
                _ => return Err(format!("volume `{s}` is not SOURCE:TARGET[:MODE]")),
            };
            let read_only = match mode {
                None | Some("rw") => false,
                Some("ro") => true,
                Some(m) => {
                    return Err(format!(
                        "volume `{s}` has mode `{m}`; seaworthy supports `ro` and `rw`"
                    ))
                }
            };
            let kind = match source {
                None => "volume",
                Some(src) if src.starts_with(['.', '/', '~']) => "bind",
                Some(_) => "volume",
            };
            (
                kind.to_string(),
                source.map(str::to_string),
                target.to_string(),
                read_only,
            )
        }
    };
    match (kind.as_str(), source) {
        ("volume", None) => Ok(MountSpec::Anonymous(target)),
        ("volume", Some(name)) => {
            if !raw.volumes.contains_key(&name) {
                return Err(format!(
                    "volume `{name}` is not declared in the top-level `volumes`"
                ));
            }
            Ok(MountSpec::Volume(name, target, read_only))
        }
        ("bind", Some(src)) => {
            let path = match src.strip_prefix("~/") {
                Some(rest) => std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_default()
                    .join(rest),
                None => dir.join(&src),
            };
            Ok(MountSpec::Bind(path, target, read_only))
        }
        ("bind", None) => Err(format!("bind mount at `{target}` has no `source`")),
        (other, _) => Err(format!(
            "volume type `{other}` is not supported; `volume` or `bind`"
        )),
    }
}

/// Docker's `Healthcheck` object (durations in nanoseconds).
fn healthcheck(h: &super::model::Healthcheck) -> Result<serde_json::Value, String> {
    let mut out = serde_json::Map::new();
    let test = if h.disable {
        vec!["NONE".to_string()]
    } else {
        h.test.as_ref().map(|t| t.0.clone()).unwrap_or_default()
    };
    if !test.is_empty() {
        out.insert("Test".into(), test.into());
    }
    for (key, value) in [
        ("Interval", &h.interval),
        ("Timeout", &h.timeout),
        ("StartPeriod", &h.start_period),
    ] {
        if let Some(v) = value {
            let d = duration(v)?;
            out.insert(key.into(), (d.as_nanos() as u64).into());
        }
    }
    if let Some(r) = h.retries {
        out.insert("Retries".into(), r.into());
    }
    Ok(serde_json::Value::Object(out))
}

/// A Compose duration: `1m30s`, `10s`, `500ms`, `2h`, `100us`.
pub(crate) fn duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("`{s}` is not a duration (say `30s`, `1m30s` or `500ms`)");
    let mut total = Duration::ZERO;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(bad)?;
        let n: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let secs = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return Err(bad()),
        };
        total += Duration::from_secs_f64(n * secs);
        rest = &rest[unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod should {
    use super::*;

    fn project(text: &str) -> Result<Project, String> {
        parse("compose.yaml", text, Path::new("/srv/app")).map_err(|e| e.to_string())
    }

    #[test]
    fn resolve_a_service() {
        let p = project(
            "services:\n  web:\n    build: {context: ./web, args: {V: 1}}\n    environment: [A=1, B=2]\n    ports: [\"127.0.0.1:8080:80\", 9000/udp]\n    volumes: [data:/data:ro, ./conf:/conf, /cache]\nvolumes:\n  data:\n",
        )
        .unwrap();
        assert_eq!(p.name, "app");
        let web = &p.services[0];
        assert_eq!(
            web.build,
            Some(BuildSpec {
                context: PathBuf::from("/srv/app/./web"),
                dockerfile: None,
                args: vec![("V".into(), "1".into())],
            })
        );
        assert_eq!(
            web.env,
            [("A".into(), "1".into()), ("B".into(), "2".into())]
        );
        assert_eq!(
            web.ports,
            [
                PortSpec {
                    container: 80,
                    host: Some(8080),
                    udp: false
                },
                PortSpec {
                    container: 9000,
                    host: None,
                    udp: true
                },
            ]
        );
        assert_eq!(
            web.mounts,
            [
                MountSpec::Volume("data".into(), "/data".into(), true),
                MountSpec::Bind("/srv/app/./conf".into(), "/conf".into(), false),
                MountSpec::Anonymous("/cache".into()),
            ]
        );
        assert_eq!(web.networks, [("default".to_string(), vec![])]);
        assert_eq!(p.networks.len(), 1);
    }

    #[test]
    fn refuse_a_port_on_all_interfaces_naming_its_line() {
        let e = project("services:\n  web:\n    image: x\n    ports:\n      - \"0.0.0.0:80:80\"\n")
            .unwrap_err();
        assert!(e.contains("line 5") && e.contains("127.0.0.1 only"), "{e}");
        let e = project("services:\n  web:\n    image: x\n    ports: [\"8000-8001:80\"]\n")
            .unwrap_err();
        assert!(e.contains("`8000-8001` is not a host port number"), "{e}");
    }

    #[test]
    fn name_a_missing_env_file_with_its_line() {
        let e =
            project("services:\n  web:\n    image: x\n    env_file: missing.env\n").unwrap_err();
        assert!(
            e.contains("line 4")
                && e.contains("env_file `missing.env` of service `web`")
                && e.contains("/srv/app/missing.env"),
            "{e}"
        );
    }

    #[test]
    fn name_an_unknown_dependency_volume_or_network() {
        let e = project("services:\n  web:\n    image: x\n    depends_on: [db]\n").unwrap_err();
        assert!(e.contains("line 4") && e.contains("depends on `db`"), "{e}");
        let e =
            project("services:\n  web:\n    image: x\n    volumes: [\"data:/d\"]\n").unwrap_err();
        assert!(e.contains("volume `data` is not declared"), "{e}");
        let e = project("services:\n  web:\n    image: x\n    networks: [front]\n").unwrap_err();
        assert!(e.contains("network `front`"), "{e}");
        let e = project("services:\n  web:\n    command: x\n").unwrap_err();
        assert!(
            e.contains("line 3") && e.contains("neither `image` nor `build`"),
            "{e}"
        );
    }

    #[test]
    fn read_durations_and_healthchecks() {
        assert_eq!(duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(duration("soon")
            .unwrap_err()
            .contains("`soon` is not a duration"));
        let p = project("services:\n  db:\n    image: x\n    healthcheck:\n      test: [CMD, pg_isready]\n      interval: 1s\n      retries: 30\n").unwrap();
        assert_eq!(
            p.services[0].healthcheck,
            Some(
                serde_json::json!({"Test": ["CMD", "pg_isready"], "Interval": 1_000_000_000u64, "Retries": 30})
            )
        );
    }

    #[test]
    fn let_environment_override_an_env_file() {
        let dir = std::env::temp_dir().join(format!("seaworthy-compose-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.env"), "# comment\nA=from-file\nB=\"quoted\"\n").unwrap();
        let p = parse(
            "compose.yaml",
            "services:\n  web:\n    image: x\n    env_file: a.env\n    environment: {A: inline}\n",
            &dir,
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            p.unwrap().services[0].env,
            [("A".into(), "inline".into()), ("B".into(), "quoted".into())]
        );
    }
}
