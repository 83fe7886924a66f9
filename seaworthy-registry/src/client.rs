//! The [`Client`]: the connection state of each registry, and the one place where a request
//! is sent, authorised and its answer's status judged. The endpoints are in
//! [`manifest`](crate::manifest), [`blob`](crate::blob) and [`copy`](crate::copy).

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION};
use reqwest::{RequestBuilder, Response, StatusCode};

use crate::auth::{Access, Auth};
use crate::credentials::{Credential, DockerConfig};
use crate::error::{CertificateCause, Details, Error, Kind, Operation};
use crate::manifest::MANIFEST_TYPES;
use crate::reference::{api_host, Reference};
use crate::retry::{Attempts, RetryPolicy};

/// Where the docker CLI looks for per-registry CA certificates.
pub const DEFAULT_CERTS_DIR: &str = "/etc/docker/certs.d";

/// How a [`Client`] is set up.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Per-registry CA certificates, as the docker CLI reads them: every
    /// `CERTS_DIR/HOST:PORT/*.crt` is trusted for that registry (default
    /// [`DEFAULT_CERTS_DIR`]).
    pub certs_dir: PathBuf,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// How failed calls are retried (see [`RetryPolicy`]).
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            certs_dir: PathBuf::from(DEFAULT_CERTS_DIR),
            user_agent: concat!("seaworthy-registry/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
        }
    }
}

/// A Registry HTTP API v2 client for any number of registries, with the docker CLI's
/// credentials and CA certificates.
///
/// Authentication follows the registry: a `Basic` challenge gets the credentials as HTTP
/// basic auth; a `Bearer realm=…,service=…,scope=…` challenge gets a token from the realm
/// (with basic auth, or an identity token as an OAuth2 refresh token), cached per scope.
/// Credentials are looked up (and helpers run) only when a registry asks for them.
///
/// `https` is used, except that a loopback registry (`localhost`, `127.0.0.0/8`, `::1`) that
/// does not speak TLS is reached over plain `http`, as the docker engine does.
pub struct Client {
    pub(crate) options: ClientOptions,
    pub(crate) config: DockerConfig,
    pub(crate) hosts: HashMap<String, Host>,
}

/// One registry's connection state.
pub(crate) struct Host {
    pub(crate) http: reqwest::Client,
    /// `https://host` or, for a loopback registry without TLS, `http://host`; `None` until
    /// the first request tells.
    pub(crate) base: Option<String>,
    /// The registry's credential, once looked up (`Some(None)`: there is none).
    pub(crate) credential: Option<Option<Credential>>,
    pub(crate) auth: Auth,
    /// Bearer tokens by scope list.
    pub(crate) tokens: HashMap<String, String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("options", &self.options)
            .field("registries", &self.hosts.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client using `config` for credentials.
    pub fn new(options: ClientOptions, config: DockerConfig) -> Self {
        Self {
            options,
            config,
            hosts: HashMap::new(),
        }
    }

    /// `domain`'s connection state, made (with its CA certificates) on first use.
    pub(crate) fn host(&mut self, domain: &str) -> Result<&mut Host, Error> {
        if !self.hosts.contains_key(domain) {
            let mut builder = reqwest::Client::builder().user_agent(&self.options.user_agent);
            for path in ca_files(&self.options.certs_dir, domain) {
                let certificate = |cause| Error::Certificate {
                    path: path.clone(),
                    cause,
                };
                let pem = std::fs::read(&path)
                    .map_err(|error| certificate(CertificateCause::Read(error)))?;
                let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                    .map_err(|error| certificate(CertificateCause::Parse(error)))?;
                for certificate in certificates {
                    builder = builder.add_root_certificate(certificate);
                }
            }
            let http = builder
                .build()
                .map_err(|error| Error::network(domain, error))?;
            self.hosts.insert(
                domain.to_owned(),
                Host {
                    http,
                    base: None,
                    credential: None,
                    auth: Auth::Unknown,
                    tokens: HashMap::new(),
                },
            );
        }
        Ok(self.hosts.get_mut(domain).expect("inserted above"))
    }

    /// `https://host`, or `http://host` for a loopback registry without TLS, once known.
    pub(crate) fn base(&mut self, domain: &str) -> Result<String, Error> {
        Ok(self
            .host(domain)?
            .base
            .clone()
            .unwrap_or_else(|| format!("https://{}", api_host(domain))))
    }

    /// Sends the request `build` makes (given the base URL) for `operation`, authorising it
    /// as the registry asks (a `401` is answered once), retrying it as the client's
    /// [`RetryPolicy`] allows (see [`retry`](crate::retry)), and judges the answer's status
    /// ([`check`](Self::check)). An error after more than one attempt, or after a `Retry-After`
    /// that did not fit the budget, is [`Error::GaveUp`].
    pub(crate) async fn send<F>(
        &mut self,
        domain: &str,
        scopes: &[Access],
        operation: Operation,
        build: F,
    ) -> Result<Response, Error>
    where
        F: Fn(&reqwest::Client, &str) -> RequestBuilder,
    {
        let mut attempts = Attempts::new(self.options.retry);
        loop {
            let result = self.send_authorised(domain, scopes, &build).await;
            if let Some(wait) = attempts.again(&result, operation.idempotent()) {
                drop(result);
                tokio::time::sleep(wait).await;
                continue;
            }
            let result = match result {
                Ok(response) => self.check(domain, scopes, operation, response).await,
                Err(error) => Err(error),
            };
            return result.map_err(|error| attempts.finish(domain, error));
        }
    }

    /// One attempt: the request, and the answer to a `401` challenge.
    async fn send_authorised<F>(
        &mut self,
        domain: &str,
        scopes: &[Access],
        build: &F,
    ) -> Result<Response, Error>
    where
        F: Fn(&reqwest::Client, &str) -> RequestBuilder,
    {
        let mut response = self.send_once(domain, scopes, build).await?;
        if response.status() == StatusCode::UNAUTHORIZED {
            self.answer_challenge(domain, scopes, &response).await?;
            response = self.send_once(domain, scopes, build).await?;
        }
        Ok(response)
    }

    /// The one status check of every answer: a status `operation` accepts gives the
    /// response back; `401` and `403` are [`Error::Unauthorized`]; anything else is the
    /// operation's error, with what the body says.
    pub(crate) async fn check(
        &self,
        domain: &str,
        scopes: &[Access],
        operation: Operation,
        response: Response,
    ) -> Result<Response, Error> {
        let status = response.status();
        if operation.accepts(status) {
            return Ok(response);
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(self.unauthorized(domain, scopes));
        }
        let details = Details::read(response).await;
        Err(operation.refused(domain, status, details))
    }

    async fn send_once<F>(
        &mut self,
        domain: &str,
        scopes: &[Access],
        build: &F,
    ) -> Result<Response, Error>
    where
        F: Fn(&reqwest::Client, &str) -> RequestBuilder,
    {
        self.prepare_token(domain, scopes).await?;
        let authorization = self.authorization(domain, scopes);
        let api = api_host(domain).to_owned();
        let host = self.host(domain)?;
        let bases: Vec<String> = match &host.base {
            Some(base) => vec![base.clone()],
            None if is_loopback(&api) => vec![format!("https://{api}"), format!("http://{api}")],
            None => vec![format!("https://{api}")],
        };
        let mut last_error = None;
        for base in bases {
            let mut request = build(&host.http, &base);
            if let Some(value) = &authorization {
                request = request.header(AUTHORIZATION, value.clone());
            }
            match request.send().await {
                // A TLS server answers plain HTTP with Go's bare `HTTP/1.0 400`: the https
                // error is the one to report.
                Ok(response)
                    if last_error.is_some()
                        && response.status() == StatusCode::BAD_REQUEST
                        && response.version() == reqwest::Version::HTTP_10 => {}
                Ok(response) => {
                    host.base = Some(base);
                    return Ok(response);
                }
                Err(error) => {
                    if last_error.is_none() {
                        last_error = Some(error);
                    }
                }
            }
        }
        let error = last_error.expect("at least one base URL was tried");
        Err(Error::network(domain, error))
    }

    /// `HEAD /v2/REPO/KIND/DIGEST`: 200 is true, 404 false, anything else an error.
    pub(crate) async fn exists(
        &mut self,
        repository: &Reference,
        kind: Kind,
        digest: &str,
    ) -> Result<bool, Error> {
        let response = self.head(repository, kind, digest).await?;
        Ok(response.status() == StatusCode::OK)
    }

    /// `HEAD /v2/REPO/KIND/REFERENCE` (a digest, or a manifest's tag); the answer is 200 or
    /// 404, anything else an error.
    pub(crate) async fn head(
        &mut self,
        repository: &Reference,
        kind: Kind,
        reference: &str,
    ) -> Result<Response, Error> {
        let path = format!("/v2/{}/{}/{reference}", repository.path(), kind.segment());
        let operation = Operation::Exists {
            kind,
            digest: reference.to_owned(),
            repository: repository.name(),
        };
        let scopes = [Access::pull(repository.path())];
        self.send(repository.domain(), &scopes, operation, |http, base| {
            http.head(format!("{base}{path}"))
                .header(ACCEPT, MANIFEST_TYPES.join(", "))
        })
        .await
    }
}

/// The `*.crt` files trusted for `domain`.
fn ca_files(certs_dir: &Path, domain: &str) -> Vec<PathBuf> {
    let dir = certs_dir.join(domain);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "crt"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Whether `host` (with an optional port) is on the loopback interface, where the docker
/// engine also accepts plain HTTP.
fn is_loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A header's value, if it is text.
pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback() {
        for host in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["reg.io", "10.0.0.1:5000", "localhost.example:5000"] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
