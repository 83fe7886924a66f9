//! A Registry HTTP API v2 client: manifests, blobs, and copying an image between repositories.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE,
};
use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use thiserror::Error;

use crate::credentials::{login_command, Credential, CredentialError, DockerConfig};
use crate::reference::{api_host, Reference};

/// Docker's image manifest (schema 2).
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker's manifest list (multi-platform).
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// The OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// The OCI image index (multi-platform).
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Every manifest type the client asks for, in the `Accept` header.
pub const MANIFEST_TYPES: [&str; 4] = [
    OCI_INDEX,
    DOCKER_MANIFEST_LIST,
    OCI_MANIFEST,
    DOCKER_MANIFEST,
];

/// Where the docker CLI looks for per-registry CA certificates.
pub const DEFAULT_CERTS_DIR: &str = "/etc/docker/certs.d";

/// Why a registry operation failed: one line each, naming the registry and the reference;
/// never a credential.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The registry could not be reached (DNS, connection, TLS, timeout).
    #[error("cannot reach registry {registry}: {reason}")]
    Network {
        /// The registry domain.
        registry: String,
        /// The chain of causes, joined with `: `.
        reason: String,
    },
    /// The registry refused access.
    #[error("registry {registry} {refusal} {scope}: run `{login}`")]
    Unauthorized {
        /// The registry domain.
        registry: String,
        /// `refused the credentials for` or `requires credentials for`.
        refusal: &'static str,
        /// What was asked for: `pull,push access to REPO`.
        scope: String,
        /// The `docker login …` command to run.
        login: String,
    },
    /// The manifest does not exist.
    #[error("{reference} was not found in registry {registry}")]
    ManifestUnknown {
        /// The reference as given.
        reference: String,
        /// The registry domain.
        registry: String,
    },
    /// The registry refused a manifest (for example a type it does not support).
    #[error("registry {registry} rejected the {media_type} manifest for {reference}: {reason}")]
    ManifestRejected {
        /// The registry domain.
        registry: String,
        /// The manifest's media type.
        media_type: String,
        /// The reference being written.
        reference: String,
        /// The registry's error codes and messages.
        reason: String,
    },
    /// What the registry sent does not hash to the digest it should have.
    #[error(
        "digest mismatch for {what} in registry {registry}: expected {expected}, got {actual}"
    )]
    DigestMismatch {
        /// The registry domain.
        registry: String,
        /// What was checked.
        what: String,
        /// The digest it should have.
        expected: String,
        /// The digest it has.
        actual: String,
    },
    /// Any other unexpected answer.
    #[error("registry {registry} answered {status} to {operation}: {reason}")]
    Unexpected {
        /// The registry domain.
        registry: String,
        /// The HTTP status.
        status: StatusCode,
        /// `GET manifest REF` and so on.
        operation: String,
        /// The registry's error codes and messages, or the body's start.
        reason: String,
    },
    /// A manifest is not the JSON its media type says.
    #[error("the manifest of {reference} ({media_type}) cannot be read: {reason}")]
    BadManifest {
        /// The reference.
        reference: String,
        /// Its media type.
        media_type: String,
        /// serde's reason.
        reason: String,
    },
    /// A CA certificate in the certs directory cannot be used.
    #[error("cannot use the CA certificate {path}: {reason}")]
    Certificate {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Credentials could not be found.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
}

/// How a [`Client`] is set up.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Per-registry CA certificates, as the docker CLI reads them: every
    /// `CERTS_DIR/HOST:PORT/*.crt` is trusted for that registry (default
    /// [`DEFAULT_CERTS_DIR`]).
    pub certs_dir: PathBuf,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            certs_dir: PathBuf::from(DEFAULT_CERTS_DIR),
            user_agent: concat!("seaworthy-registry/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// A manifest as stored: its exact bytes, media type and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The `Content-Type` the registry gave (or the JSON's `mediaType`).
    pub media_type: String,
    /// The bytes, unchanged (a re-serialised manifest would have another digest).
    pub bytes: Bytes,
    /// `sha256:…` of the bytes.
    pub digest: String,
}

/// A content descriptor inside a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Its media type.
    #[serde(default)]
    pub media_type: String,
    /// Its digest.
    pub digest: String,
    /// Its size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Where a foreign (non-distributable) layer lives; such layers are not in the registry.
    #[serde(default)]
    pub urls: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestJson {
    media_type: Option<String>,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

/// What a manifest refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestContent {
    /// The config and layer blobs (an image manifest).
    pub blobs: Vec<Descriptor>,
    /// The child manifests (an index or manifest list).
    pub manifests: Vec<Descriptor>,
}

impl Manifest {
    /// Whether this is an index or manifest list.
    pub fn is_index(&self) -> bool {
        self.media_type == OCI_INDEX || self.media_type == DOCKER_MANIFEST_LIST
    }

    /// The blobs and child manifests it refers to. Foreign layers (with `urls`) are left out:
    /// registries do not hold them.
    pub fn content(&self, reference: &str) -> Result<ManifestContent, Error> {
        let json: ManifestJson =
            serde_json::from_slice(&self.bytes).map_err(|error| Error::BadManifest {
                reference: reference.to_owned(),
                media_type: self.media_type.clone(),
                reason: error.to_string(),
            })?;
        let mut blobs: Vec<Descriptor> = json.config.into_iter().collect();
        blobs.extend(
            json.layers
                .into_iter()
                .filter(|layer| layer.urls.is_empty()),
        );
        Ok(ManifestContent {
            blobs,
            manifests: json.manifests,
        })
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for byte in hash {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// What [`Client::ensure_blobs`] did for one blob or child manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transfer {
    /// The target already had it.
    Present {
        /// Its digest.
        digest: String,
    },
    /// The registry mounted it from the source repository.
    Mounted {
        /// Its digest.
        digest: String,
    },
    /// It was downloaded from the source and uploaded to the target.
    Copied {
        /// Its digest.
        digest: String,
        /// Its size.
        bytes: u64,
    },
    /// A child manifest of an index, written to the target by digest.
    Manifest {
        /// Its digest.
        digest: String,
    },
}

/// Result of a mount request.
enum Mount {
    Mounted,
    /// The registry opened an upload instead, at this URL.
    Upload(Url),
}

/// A `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm=…`.
    Basic,
    /// `Bearer realm=…,service=…,scope=…`.
    Bearer {
        /// The token server.
        realm: String,
        /// The `service` parameter, if any.
        service: Option<String>,
        /// The `scope` parameter, if any.
        scope: Option<String>,
    },
}

/// Parses a `WWW-Authenticate` header value (one challenge).
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut params: HashMap<String, String> = HashMap::new();
    let mut chars = rest.trim().chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
        if key.is_empty() || chars.next() != Some('=') {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect();
        }
        params.insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    Some(Challenge::Bearer {
        realm: params.remove("realm")?,
        service: params.remove("service"),
        scope: params.remove("scope"),
    })
}

/// How requests to one registry are authorised, once known.
#[derive(Debug, Clone)]
enum Auth {
    /// No challenge seen yet (or none needed).
    Unknown,
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

/// One registry's connection state.
struct Host {
    http: reqwest::Client,
    /// `https://host` or, for a loopback registry without TLS, `http://host`; `None` until
    /// the first request tells.
    base: Option<String>,
    credential: Option<Option<Credential>>,
    auth: Auth,
    /// Bearer tokens by scope list.
    tokens: HashMap<String, String>,
}

/// An access scope for the token server: `repository:PATH:ACTIONS`.
#[derive(Debug, Clone)]
struct Scope {
    path: String,
    actions: &'static str,
}

impl Scope {
    fn pull(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            actions: "pull",
        }
    }

    fn push(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            actions: "pull,push",
        }
    }
}

fn scope_key(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| format!("repository:{}:{}", s.path, s.actions))
        .collect::<Vec<_>>()
        .join(" ")
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

/// The error's chain of causes on one line.
fn causes(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// The registry's `{"errors":[{"code":…,"message":…}]}`, or the start of the body.
async fn error_reason(response: Response) -> String {
    #[derive(Deserialize)]
    struct Errors {
        errors: Vec<ErrorEntry>,
    }
    #[derive(Deserialize)]
    struct ErrorEntry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let body = response.bytes().await.unwrap_or_default();
    if let Ok(errors) = serde_json::from_slice::<Errors>(&body) {
        if !errors.errors.is_empty() {
            return errors
                .errors
                .iter()
                .map(|e| format!("{} ({})", e.code, e.message))
                .collect::<Vec<_>>()
                .join(", ");
        }
    }
    let text = String::from_utf8_lossy(&body);
    let line = text.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        "no details given".to_owned()
    } else {
        line.chars().take(200).collect()
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
    options: ClientOptions,
    config: DockerConfig,
    hosts: HashMap<String, Host>,
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

    fn host(&mut self, domain: &str) -> Result<&mut Host, Error> {
        if !self.hosts.contains_key(domain) {
            let mut builder = reqwest::Client::builder().user_agent(&self.options.user_agent);
            for path in Self::ca_files(&self.options.certs_dir, domain) {
                let pem = std::fs::read(&path).map_err(|error| Error::Certificate {
                    path: path.clone(),
                    reason: error.to_string(),
                })?;
                let certificates =
                    reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| {
                        Error::Certificate {
                            path: path.clone(),
                            reason: causes(&error),
                        }
                    })?;
                for certificate in certificates {
                    builder = builder.add_root_certificate(certificate);
                }
            }
            let http = builder.build().map_err(|error| Error::Network {
                registry: domain.to_owned(),
                reason: causes(&error),
            })?;
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

    fn credential(&mut self, domain: &str) -> Result<Option<Credential>, Error> {
        let config = &self.config;
        let host = self.hosts.get_mut(domain).expect("the host exists");
        if host.credential.is_none() {
            host.credential = Some(config.credential(domain)?);
        }
        Ok(host.credential.clone().flatten())
    }

    /// The `Authorization` header already earned for `scopes`, if any.
    fn authorization(&self, domain: &str, scopes: &[Scope]) -> Option<HeaderValue> {
        let host = self.hosts.get(domain)?;
        let value = match &host.auth {
            Auth::Unknown => return None,
            Auth::Basic => match host.credential.clone().flatten()? {
                Credential::Basic { username, password } => basic_header(&username, &password),
                Credential::IdentityToken(_) => return None,
            },
            Auth::Bearer { .. } => format!("Bearer {}", host.tokens.get(&scope_key(scopes))?),
        };
        let mut value = HeaderValue::from_str(&value).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// Sends the request `build` makes (given the base URL), authorising it as the registry
    /// asks; a loopback registry without TLS falls back to `http`.
    async fn send<F>(&mut self, domain: &str, scopes: &[Scope], build: F) -> Result<Response, Error>
    where
        F: Fn(&reqwest::Client, &str) -> RequestBuilder,
    {
        let mut retried_auth = false;
        loop {
            let response = self.send_once(domain, scopes, &build).await?;
            if response.status() != StatusCode::UNAUTHORIZED || retried_auth {
                if response.status() == StatusCode::UNAUTHORIZED
                    || response.status() == StatusCode::FORBIDDEN
                {
                    return Err(self.unauthorized(domain, scopes));
                }
                return Ok(response);
            }
            retried_auth = true;
            let challenge = response
                .headers()
                .get_all(WWW_AUTHENTICATE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find_map(parse_challenge);
            let credential = self.credential(domain)?;
            match challenge {
                Some(Challenge::Basic) => {
                    if !matches!(credential, Some(Credential::Basic { .. })) {
                        return Err(self.unauthorized(domain, scopes));
                    }
                    self.host(domain)?.auth = Auth::Basic;
                }
                Some(Challenge::Bearer { realm, service, .. }) => {
                    let token = self
                        .fetch_token(
                            domain,
                            &realm,
                            service.as_deref(),
                            scopes,
                            credential.as_ref(),
                        )
                        .await?;
                    let host = self.host(domain)?;
                    host.auth = Auth::Bearer { realm, service };
                    host.tokens.insert(scope_key(scopes), token);
                }
                None => return Err(self.unauthorized(domain, scopes)),
            }
        }
    }

    async fn send_once<F>(
        &mut self,
        domain: &str,
        scopes: &[Scope],
        build: &F,
    ) -> Result<Response, Error>
    where
        F: Fn(&reqwest::Client, &str) -> RequestBuilder,
    {
        // A Bearer registry with a new scope: get its token before the request.
        if let Auth::Bearer { realm, service } = self.host(domain)?.auth.clone() {
            if !self.host(domain)?.tokens.contains_key(&scope_key(scopes)) {
                let credential = self.credential(domain)?;
                let token = self
                    .fetch_token(
                        domain,
                        &realm,
                        service.as_deref(),
                        scopes,
                        credential.as_ref(),
                    )
                    .await?;
                self.host(domain)?.tokens.insert(scope_key(scopes), token);
            }
        }
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
        Err(Error::Network {
            registry: domain.to_owned(),
            reason: causes(&error),
        })
    }

    fn unauthorized(&self, domain: &str, scopes: &[Scope]) -> Error {
        let had_credentials = self
            .hosts
            .get(domain)
            .and_then(|host| host.credential.clone().flatten())
            .is_some();
        Error::Unauthorized {
            registry: domain.to_owned(),
            refusal: if had_credentials {
                "refused the credentials for"
            } else {
                "requires credentials for"
            },
            scope: scopes
                .iter()
                .map(|s| format!("{} access to {}", s.actions, s.path))
                .collect::<Vec<_>>()
                .join(" and "),
            login: login_command(domain),
        }
    }

    /// The token flow: `GET realm?service=…&scope=…` (basic auth with a password), or
    /// `POST realm` with `grant_type=refresh_token` for an identity token.
    async fn fetch_token(
        &mut self,
        domain: &str,
        realm: &str,
        service: Option<&str>,
        scopes: &[Scope],
        credential: Option<&Credential>,
    ) -> Result<String, Error> {
        #[derive(Deserialize)]
        struct TokenAnswer {
            token: Option<String>,
            access_token: Option<String>,
        }
        let network = |error: reqwest::Error| Error::Network {
            registry: domain.to_owned(),
            reason: causes(&error),
        };
        let http = self.host(domain)?.http.clone();
        let scope_values: Vec<String> = scopes
            .iter()
            .map(|s| format!("repository:{}:{}", s.path, s.actions))
            .collect();
        let request = match credential {
            Some(Credential::IdentityToken(token)) => {
                let mut form: Vec<(&str, &str)> = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token),
                    ("client_id", "seaworthy-registry"),
                ];
                if let Some(service) = service {
                    form.push(("service", service));
                }
                let joined = scope_values.join(" ");
                form.push(("scope", &joined));
                http.post(realm).form(&form)
            }
            other => {
                let mut query: Vec<(&str, &str)> = Vec::new();
                if let Some(service) = service {
                    query.push(("service", service));
                }
                for scope in &scope_values {
                    query.push(("scope", scope));
                }
                let request = http.get(realm).query(&query);
                match other {
                    Some(Credential::Basic { username, password }) => {
                        let mut value = HeaderValue::from_str(&basic_header(username, password))
                            .map_err(|_| self.unauthorized(domain, scopes))?;
                        value.set_sensitive(true);
                        request.header(AUTHORIZATION, value)
                    }
                    _ => request,
                }
            }
        };
        let response = request.send().await.map_err(network)?;
        match response.status() {
            status if status.is_success() => {}
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Err(self.unauthorized(domain, scopes))
            }
            status => {
                return Err(Error::Unexpected {
                    registry: domain.to_owned(),
                    status,
                    operation: "the token request".to_owned(),
                    reason: error_reason(response).await,
                })
            }
        }
        let answer: TokenAnswer = response.json().await.map_err(network)?;
        answer
            .token
            .or(answer.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Unexpected {
                registry: domain.to_owned(),
                status: StatusCode::OK,
                operation: "the token request".to_owned(),
                reason: "the answer has no token".to_owned(),
            })
    }

    /// Fetches the manifest `reference` names (its digest, else its tag, else `latest`),
    /// asking for every [`MANIFEST_TYPES`]; checks its digest.
    pub async fn get_manifest(&mut self, reference: &Reference) -> Result<Manifest, Error> {
        let domain = reference.domain().to_owned();
        let path = format!(
            "/v2/{}/manifests/{}",
            reference.path(),
            reference.reference()
        );
        let response = self
            .send(&domain, &[Scope::pull(reference.path())], |http, base| {
                http.get(format!("{base}{path}"))
                    .header(ACCEPT, MANIFEST_TYPES.join(", "))
            })
            .await?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => {
                return Err(Error::ManifestUnknown {
                    reference: reference.to_string(),
                    registry: domain,
                })
            }
            status => {
                return Err(Error::Unexpected {
                    registry: domain,
                    status,
                    operation: format!("GET manifest {reference}"),
                    reason: error_reason(response).await,
                })
            }
        }
        let header_digest = header(response.headers(), "docker-content-digest");
        let content_type = header(response.headers(), CONTENT_TYPE.as_str());
        let bytes = response.bytes().await.map_err(|error| Error::Network {
            registry: domain.clone(),
            reason: causes(&error),
        })?;
        let digest = sha256_digest(&bytes);
        let expected = reference
            .digest()
            .map(str::to_owned)
            .or(header_digest.filter(|d| d.starts_with("sha256:")));
        if let Some(expected) = expected {
            if expected != digest {
                return Err(Error::DigestMismatch {
                    registry: domain,
                    what: format!("the manifest of {reference}"),
                    expected,
                    actual: digest,
                });
            }
        }
        let media_type = content_type
            .map(|ct| ct.split(';').next().unwrap_or("").trim().to_owned())
            .filter(|ct| MANIFEST_TYPES.contains(&ct.as_str()))
            .or_else(|| {
                serde_json::from_slice::<ManifestJson>(&bytes)
                    .ok()
                    .and_then(|json| json.media_type)
            })
            .unwrap_or_else(|| OCI_MANIFEST.to_owned());
        Ok(Manifest {
            media_type,
            bytes,
            digest,
        })
    }

    /// Whether the manifest `digest` exists in `repository`'s repository.
    pub async fn manifest_exists(
        &mut self,
        repository: &Reference,
        digest: &str,
    ) -> Result<bool, Error> {
        self.exists(repository, "manifests", digest).await
    }

    /// `HEAD /v2/REPO/KIND/DIGEST`: 200 is true, 404 false, anything else an error.
    async fn exists(
        &mut self,
        repository: &Reference,
        kind: &str,
        digest: &str,
    ) -> Result<bool, Error> {
        let domain = repository.domain().to_owned();
        let path = format!("/v2/{}/{kind}/{digest}", repository.path());
        let response = self
            .send(&domain, &[Scope::pull(repository.path())], |http, base| {
                http.head(format!("{base}{path}"))
                    .header(ACCEPT, MANIFEST_TYPES.join(", "))
            })
            .await?;
        match response.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            status => Err(Error::Unexpected {
                registry: domain,
                status,
                operation: format!("HEAD {kind} {digest} in {}", repository.name()),
                reason: "no details given".to_owned(),
            }),
        }
    }

    /// Writes `manifest`, byte for byte with its media type, under `target`'s tag (or its
    /// digest, when it has no tag); returns the digest the registry answered, which must be the
    /// manifest's.
    pub async fn put_manifest(
        &mut self,
        target: &Reference,
        manifest: &Manifest,
    ) -> Result<String, Error> {
        let domain = target.domain().to_owned();
        let reference = match target.tag() {
            Some(tag) => tag.to_owned(),
            None => manifest.digest.clone(),
        };
        let path = format!("/v2/{}/manifests/{reference}", target.path());
        let response = self
            .send(&domain, &[Scope::push(target.path())], |http, base| {
                http.put(format!("{base}{path}"))
                    .header(CONTENT_TYPE, &manifest.media_type)
                    .body(manifest.bytes.clone())
            })
            .await?;
        let status = response.status();
        if status == StatusCode::BAD_REQUEST || status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            return Err(Error::ManifestRejected {
                registry: domain,
                media_type: manifest.media_type.clone(),
                reference: target.to_string(),
                reason: error_reason(response).await,
            });
        }
        if !status.is_success() {
            return Err(Error::Unexpected {
                registry: domain,
                status,
                operation: format!("PUT manifest {target}"),
                reason: error_reason(response).await,
            });
        }
        let answered = header(response.headers(), "docker-content-digest")
            .unwrap_or_else(|| manifest.digest.clone());
        if answered != manifest.digest {
            return Err(Error::DigestMismatch {
                registry: domain,
                what: format!("the manifest written as {target}"),
                expected: manifest.digest.clone(),
                actual: answered,
            });
        }
        Ok(answered)
    }

    /// Whether the blob `digest` exists in `repository`'s repository.
    pub async fn blob_exists(
        &mut self,
        repository: &Reference,
        digest: &str,
    ) -> Result<bool, Error> {
        self.exists(repository, "blobs", digest).await
    }

    /// `POST /v2/TARGET/blobs/uploads/?mount=DIGEST&from=SOURCE` (same registry).
    async fn mount_blob(
        &mut self,
        target: &Reference,
        digest: &str,
        from: &Reference,
    ) -> Result<Mount, Error> {
        let domain = target.domain().to_owned();
        let path = format!("/v2/{}/blobs/uploads/", target.path());
        let scopes = [Scope::push(target.path()), Scope::pull(from.path())];
        let response = self
            .send(&domain, &scopes, |http, base| {
                http.post(format!("{base}{path}"))
                    .query(&[("mount", digest), ("from", from.path())])
                    .header(reqwest::header::CONTENT_LENGTH, "0")
            })
            .await?;
        match response.status() {
            StatusCode::CREATED => Ok(Mount::Mounted),
            StatusCode::ACCEPTED => Ok(Mount::Upload(self.location(&domain, &response)?)),
            status => Err(Error::Unexpected {
                registry: domain,
                status,
                operation: format!("mount blob {digest} into {}", target.name()),
                reason: error_reason(response).await,
            }),
        }
    }

    /// An upload session's URL from a `Location` header (which may be relative).
    fn location(&mut self, domain: &str, response: &Response) -> Result<Url, Error> {
        let base = self
            .host(domain)?
            .base
            .clone()
            .unwrap_or_else(|| format!("https://{}", api_host(domain)));
        header(response.headers(), LOCATION.as_str())
            .and_then(|location| Url::parse(&base).ok()?.join(&location).ok())
            .ok_or_else(|| Error::Unexpected {
                registry: domain.to_owned(),
                status: response.status(),
                operation: "starting a blob upload".to_owned(),
                reason: "the answer has no usable Location header".to_owned(),
            })
    }

    /// Downloads a blob and checks its digest.
    pub async fn get_blob(&mut self, repository: &Reference, digest: &str) -> Result<Bytes, Error> {
        let domain = repository.domain().to_owned();
        let path = format!("/v2/{}/blobs/{digest}", repository.path());
        let response = self
            .send(&domain, &[Scope::pull(repository.path())], |http, base| {
                http.get(format!("{base}{path}"))
            })
            .await?;
        if response.status() != StatusCode::OK {
            let status = response.status();
            return Err(Error::Unexpected {
                registry: domain,
                status,
                operation: format!("GET blob {digest} from {}", repository.name()),
                reason: error_reason(response).await,
            });
        }
        let bytes = response.bytes().await.map_err(|error| Error::Network {
            registry: domain.clone(),
            reason: causes(&error),
        })?;
        let actual = sha256_digest(&bytes);
        if digest.starts_with("sha256:") && actual != digest {
            return Err(Error::DigestMismatch {
                registry: domain,
                what: format!("blob {digest} of {}", repository.name()),
                expected: digest.to_owned(),
                actual,
            });
        }
        Ok(bytes)
    }

    /// Uploads `bytes` as the blob `digest` into `repository`'s repository, in one request
    /// (monolithic upload); `session` is an upload already opened (by a refused mount).
    pub async fn upload_blob(
        &mut self,
        repository: &Reference,
        digest: &str,
        bytes: Bytes,
    ) -> Result<(), Error> {
        self.upload_blob_to(repository, digest, bytes, None).await
    }

    async fn upload_blob_to(
        &mut self,
        repository: &Reference,
        digest: &str,
        bytes: Bytes,
        session: Option<Url>,
    ) -> Result<(), Error> {
        let domain = repository.domain().to_owned();
        let scopes = [Scope::push(repository.path())];
        let mut url = match session {
            Some(url) => url,
            None => {
                let path = format!("/v2/{}/blobs/uploads/", repository.path());
                let response = self
                    .send(&domain, &scopes, |http, base| {
                        http.post(format!("{base}{path}"))
                            .header(reqwest::header::CONTENT_LENGTH, "0")
                    })
                    .await?;
                if response.status() != StatusCode::ACCEPTED {
                    let status = response.status();
                    return Err(Error::Unexpected {
                        registry: domain,
                        status,
                        operation: format!("starting a blob upload to {}", repository.name()),
                        reason: error_reason(response).await,
                    });
                }
                self.location(&domain, &response)?
            }
        };
        url.query_pairs_mut().append_pair("digest", digest);
        let response = self
            .send(&domain, &scopes, |http, _| {
                http.request(Method::PUT, url.clone())
                    .header(CONTENT_TYPE, "application/octet-stream")
                    .body(bytes.clone())
            })
            .await?;
        if response.status() != StatusCode::CREATED {
            let status = response.status();
            return Err(Error::Unexpected {
                registry: domain,
                status,
                operation: format!("uploading blob {digest} to {}", repository.name()),
                reason: error_reason(response).await,
            });
        }
        Ok(())
    }

    /// Makes sure `target`'s repository has every blob `manifest` (from `source`'s
    /// repository) refers to, and for an index every child manifest and its blobs: present
    /// ones are left alone, blobs on the same registry are mounted, the rest are copied
    /// (download, then upload). Returns what was done, in order.
    pub async fn ensure_blobs(
        &mut self,
        source: &Reference,
        manifest: &Manifest,
        target: &Reference,
    ) -> Result<Vec<Transfer>, Error> {
        let mut transfers = Vec::new();
        let content = manifest.content(&source.to_string())?;
        for child in &content.manifests {
            if self.manifest_exists(target, &child.digest).await? {
                transfers.push(Transfer::Present {
                    digest: child.digest.clone(),
                });
                continue;
            }
            let child_source = source.with_digest(&child.digest);
            let child_manifest = self.get_manifest(&child_source).await?;
            let nested =
                Box::pin(self.ensure_blobs(&child_source, &child_manifest, target)).await?;
            transfers.extend(nested);
            self.put_manifest(&target.with_digest(&child.digest), &child_manifest)
                .await?;
            transfers.push(Transfer::Manifest {
                digest: child.digest.clone(),
            });
        }
        for blob in &content.blobs {
            if transfers.iter().any(|t| matches!(t, Transfer::Present { digest } | Transfer::Mounted { digest } | Transfer::Copied { digest, .. } if *digest == blob.digest)) {
                continue;
            }
            if self.blob_exists(target, &blob.digest).await? {
                transfers.push(Transfer::Present {
                    digest: blob.digest.clone(),
                });
                continue;
            }
            let session = if source.domain() == target.domain() {
                match self.mount_blob(target, &blob.digest, source).await? {
                    Mount::Mounted => {
                        transfers.push(Transfer::Mounted {
                            digest: blob.digest.clone(),
                        });
                        continue;
                    }
                    Mount::Upload(url) => Some(url),
                }
            } else {
                None
            };
            let bytes = self.get_blob(source, &blob.digest).await?;
            let size = bytes.len() as u64;
            self.upload_blob_to(target, &blob.digest, bytes, session)
                .await?;
            transfers.push(Transfer::Copied {
                digest: blob.digest.clone(),
                bytes: size,
            });
        }
        Ok(transfers)
    }
}

fn basic_header(username: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
    )
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/nginx:pull".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"bearer realm="https://r/t", scope="a b""#),
            Some(Challenge::Bearer {
                realm: "https://r/t".into(),
                service: None,
                scope: Some("a b".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="basic-realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge(r#"Bearer service="x""#), None);
    }

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

    #[test]
    fn digests_and_content() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let manifest = Manifest {
            media_type: OCI_MANIFEST.into(),
            bytes: Bytes::from_static(br#"{"schemaVersion":2,"config":{"mediaType":"c","digest":"sha256:1","size":2},"layers":[{"mediaType":"l","digest":"sha256:2","size":3},{"mediaType":"f","digest":"sha256:3","size":4,"urls":["https://x"]}]}"#),
            digest: String::new(),
        };
        let content = manifest.content("r").unwrap();
        let digests: Vec<&str> = content.blobs.iter().map(|b| b.digest.as_str()).collect();
        assert_eq!(digests, ["sha256:1", "sha256:2"]);
        assert!(content.manifests.is_empty());
        assert!(!manifest.is_index());
    }
}
