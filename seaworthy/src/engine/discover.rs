//! Where the engine is, in the docker CLI's order: `DOCKER_HOST`, then the context named by
//! `DOCKER_CONTEXT` or the config's `currentContext`, then the default socket, then the rootless
//! socket (`$XDG_RUNTIME_DIR/docker.sock`).
//!
//! Pure apart from reading the config directory: the environment is passed in, so every rule
//! is unit-tested without touching the process's variables.

use std::path::{Path, PathBuf};

use super::docker_context;
use super::{Endpoint, TlsFiles};
use crate::error::EngineError;
use crate::error::{Error, Result};

/// The socket the docker CLI uses when nothing else is configured.
pub(crate) const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// One place to try, and how discovery came to it (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) endpoint: Endpoint,
    pub(crate) found_via: String,
    /// The context this endpoint comes from, if any.
    pub(crate) context: Option<String>,
}

/// The environment discovery reads: a variable lookup (empty values count as unset).
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn var(env: Env<'_>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.is_empty())
}

/// The docker CLI's config directory: `$DOCKER_CONFIG`, else `$HOME/.docker`.
pub(crate) fn config_dir(env: Env<'_>) -> Option<PathBuf> {
    var(env, "DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| var(env, "HOME").map(|h| Path::new(&h).join(".docker")))
}

/// The places to try, in order. `DOCKER_HOST` or a context name exactly one; otherwise the
/// default socket, then the rootless one.
pub(crate) fn candidates(env: Env<'_>) -> Result<Vec<Candidate>> {
    if let Some(host) = var(env, "DOCKER_HOST") {
        let tls = tls_from_env(env);
        return Ok(vec![Candidate {
            endpoint: parse_host(&host, tls, "DOCKER_HOST")?,
            found_via: "DOCKER_HOST".to_string(),
            context: None,
        }]);
    }
    let dir = config_dir(env);
    let named = match var(env, "DOCKER_CONTEXT") {
        Some(name) => Some((name, "DOCKER_CONTEXT".to_string())),
        None => dir.as_deref().and_then(|d| {
            docker_context::current_context(d).map(|name| {
                let via = format!("currentContext in {}", d.join("config.json").display());
                (name, via)
            })
        }),
    };
    if let Some((name, via)) = named.filter(|(name, _)| name != "default") {
        let dir = dir.ok_or_else(|| {
            Error::from(EngineError::DockerContext {
                name: name.clone(),
                reason: "neither DOCKER_CONFIG nor HOME is set, so there is no config directory"
                    .to_string(),
            })
        })?;
        let (host, tls) = docker_context::endpoint(&dir, &name)?;
        return Ok(vec![Candidate {
            endpoint: parse_host(&host, tls, &format!("context `{name}`")).map_err(|e| {
                Error::from(EngineError::DockerContext {
                    name: name.clone(),
                    reason: e.to_string(),
                })
            })?,
            found_via: format!("context `{name}` ({via})"),
            context: Some(name),
        }]);
    }
    let mut out = vec![Candidate {
        endpoint: Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET)),
        found_via: "the default socket".to_string(),
        context: None,
    }];
    if let Some(runtime) = var(env, "XDG_RUNTIME_DIR") {
        out.push(Candidate {
            endpoint: Endpoint::Unix(Path::new(&runtime).join("docker.sock")),
            found_via: "the rootless socket ($XDG_RUNTIME_DIR/docker.sock)".to_string(),
            context: None,
        });
    }
    Ok(out)
}

/// TLS as the CLI reads it from the environment: `DOCKER_TLS_VERIFY` (verify the engine) or
/// `DOCKER_TLS` (TLS without verification), with the files in `DOCKER_CERT_PATH`, else the config
/// directory.
fn tls_from_env(env: Env<'_>) -> Option<TlsFiles> {
    let verify = var(env, "DOCKER_TLS_VERIFY").is_some();
    if !verify && var(env, "DOCKER_TLS").is_none() {
        return None;
    }
    let dir = var(env, "DOCKER_CERT_PATH")
        .map(PathBuf::from)
        .or_else(|| config_dir(env))
        .unwrap_or_else(|| PathBuf::from(".docker"));
    Some(TlsFiles { dir, verify })
}

/// `unix:///path`, `tcp://host[:port]` or `http://host[:port]` (`https://` too, with TLS).
pub(crate) fn parse_host(host: &str, tls: Option<TlsFiles>, from: &str) -> Result<Endpoint> {
    let invalid = |reason: &str| {
        Error::from(EngineError::InvalidEngineAddress {
            address: host.to_string(),
            from: from.to_string(),
            reason: reason.to_string(),
        })
    };
    if let Some(path) = host.strip_prefix("unix://") {
        if path.is_empty() {
            return Err(invalid("the socket path is empty"));
        }
        return Ok(Endpoint::Unix(PathBuf::from(path)));
    }
    let rest = ["tcp://", "http://", "https://"]
        .iter()
        .find_map(|scheme| host.strip_prefix(scheme));
    let Some(rest) = rest else {
        if host.starts_with("ssh://") {
            return Err(invalid(
                "ssh:// engines are not supported; forward the socket instead \
                 (`ssh -NL /tmp/docker.sock:/var/run/docker.sock user@host`) and set \
                 DOCKER_HOST=unix:///tmp/docker.sock",
            ));
        }
        return Err(invalid("expected unix://, tcp://, http:// or https://"));
    };
    let rest = rest.trim_end_matches('/');
    let (name, port) = split_host_port(rest).ok_or_else(|| invalid("the port is not a number"))?;
    if name.is_empty() {
        return Err(invalid("the host is empty"));
    }
    let port = port.unwrap_or(if tls.is_some() { 2376 } else { 2375 });
    Ok(Endpoint::Tcp {
        host: name.to_string(),
        port,
        tls,
    })
}

/// `host:port`, `[v6]:port`, `host` → (host, port); `None` for a port that is not a number.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if let Some(v6) = s.strip_prefix('[') {
        let (addr, after) = v6.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(p) => Some((addr, Some(p.parse().ok()?))),
            None => Some((addr, None)),
        };
    }
    match s.rsplit_once(':') {
        Some((h, p)) => Some((h, Some(p.parse().ok()?))),
        None => Some((s, None)),
    }
}

#[cfg(test)]
mod should {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    fn tcp(host: &str, port: u16, tls: Option<TlsFiles>) -> Endpoint {
        Endpoint::Tcp {
            host: host.into(),
            port,
            tls,
        }
    }

    #[test]
    fn take_docker_host_alone_with_the_tls_variables() {
        let env = with(&[
            ("DOCKER_HOST", "tcp://127.0.0.3"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/certs"),
            ("DOCKER_CONTEXT", "ignored"),
        ]);
        let found = candidates(&env).unwrap();
        let tls = TlsFiles {
            dir: "/certs".into(),
            verify: true,
        };
        assert_eq!(
            found,
            [Candidate {
                endpoint: tcp("127.0.0.3", 2376, Some(tls)),
                found_via: "DOCKER_HOST".into(),
                context: None,
            }]
        );
        let env = with(&[("DOCKER_HOST", "tcp://127.0.0.2:2375"), ("HOME", "/h")]);
        assert_eq!(
            candidates(&env).unwrap()[0].endpoint,
            tcp("127.0.0.2", 2375, None)
        );
        let env = with(&[
            ("DOCKER_HOST", "tcp://e:1"),
            ("DOCKER_TLS", "1"),
            ("HOME", "/h"),
        ]);
        let tls = TlsFiles {
            dir: "/h/.docker".into(),
            verify: false,
        };
        assert_eq!(
            candidates(&env).unwrap()[0].endpoint,
            tcp("e", 1, Some(tls))
        );
    }

    #[test]
    fn fall_back_to_the_default_then_the_rootless_socket() {
        let env = with(&[("DOCKER_HOST", ""), ("XDG_RUNTIME_DIR", "/run/user/1000")]);
        let found = candidates(&env).unwrap();
        let sockets: Vec<_> = found.iter().map(|c| c.endpoint.to_string()).collect();
        assert_eq!(
            sockets,
            [
                "unix:///var/run/docker.sock",
                "unix:///run/user/1000/docker.sock"
            ]
        );
        assert_eq!(found[0].found_via, "the default socket");
        assert_eq!(candidates(&with(&[])).unwrap().len(), 1);
    }

    #[test]
    fn parse_every_address_form_the_cli_accepts() {
        assert_eq!(
            parse_host("unix:///x.sock", None, "t").unwrap(),
            Endpoint::Unix("/x.sock".into())
        );
        assert_eq!(
            parse_host("http://docker:2375/", None, "t").unwrap(),
            tcp("docker", 2375, None)
        );
        assert_eq!(
            parse_host("tcp://[::1]:23", None, "t").unwrap(),
            tcp("::1", 23, None)
        );
        let e = parse_host("ssh://me@host", None, "DOCKER_HOST").unwrap_err();
        assert!(
            e.to_string().starts_with(
                "invalid Docker engine address `ssh://me@host` (from DOCKER_HOST): ssh:// engines \
                 are not supported"
            ),
            "{e}"
        );
        let e = parse_host("tcp://h:port", None, "DOCKER_HOST").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid Docker engine address `tcp://h:port` (from DOCKER_HOST): the port is not a \
             number"
        );
        assert!(parse_host("/var/run/docker.sock", None, "t").is_err());
    }
}
