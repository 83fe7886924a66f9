//! Present or pulled: looking an image up and pulling it per the [`PullPolicy`].
//!
//! A reference is parsed with Docker's grammar and pulled as exactly one tag (`latest` when it
//! names none) or one digest, never the repository's every tag. Credentials come from the
//! docker CLI's config and are given to the engine, never logged. In a process, one pull per
//! normalised reference runs and the other callers wait for it (a shared map of once-cells);
//! across processes a [file lock](super::lock) makes the others wait and then find the image.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bollard::auth::DockerCredentials;
use bollard::query_parameters::{CreateImageOptionsBuilder, TagImageOptionsBuilder};
use bollard::Docker;
use futures_util::StreamExt;
use once_cell::sync::Lazy;
use seaworthy_registry::{server_address, Credential, DockerConfig, Reference};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

use super::policy::{self, PolicySource, PullPolicy};
use super::progress::{self, Progress};
use super::{lock, ImageInfo};
use crate::engine::retry::{retrying, Failed};
use crate::error::ImageError;
use crate::error::{Error, Result};
use crate::runtime;

/// Why a pull failed; cloneable, so every caller waiting on one pull gets the same error.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PullFailure {
    NotFound {
        registry: String,
        reference: String,
    },
    Unauthorized {
        registry: String,
        had_credentials: bool,
    },
    Unreachable {
        host: String,
        reason: String,
    },
    Platform {
        registry: String,
        platform: String,
    },
    Credentials {
        registry: String,
        reason: String,
    },
    Other {
        reason: String,
    },
}

impl PullFailure {
    fn into_error(self, image: &str) -> Error {
        let image = image.to_string();
        Error::from(match self {
            PullFailure::NotFound {
                registry,
                reference,
            } => ImageError::ImageNotInRegistry {
                image,
                registry,
                reference,
            },
            PullFailure::Unauthorized {
                registry,
                had_credentials,
            } => ImageError::RegistryUnauthorized {
                image,
                registry,
                had_credentials,
            },
            PullFailure::Unreachable { host, reason } => ImageError::RegistryUnreachable {
                image,
                host,
                reason,
            },
            PullFailure::Platform { registry, platform } => ImageError::NoManifestForPlatform {
                image,
                registry,
                platform,
            },
            PullFailure::Credentials { registry, reason } => ImageError::RegistryCredentials {
                image,
                registry,
                reason,
            },
            PullFailure::Other { reason } => ImageError::ImageNotFound { image, reason },
        })
    }
}

type PullCell = Arc<tokio::sync::OnceCell<std::result::Result<(), PullFailure>>>;

/// One pull per normalised reference per process (and per policy `always` run).
static PULLS: Lazy<Mutex<HashMap<String, PullCell>>> = Lazy::new(Default::default);

/// The image `image`, looked up locally and pulled per `policy` (which `SEAWORTHY_PULL`
/// overrides). Progress lines are printed from the caller's task, so libtest captures them.
pub(crate) async fn ensure(
    docker: &Docker,
    image: &str,
    policy: PullPolicy,
    platform: Option<&str>,
) -> Result<ImageInfo> {
    let (policy, source) = policy::effective(policy)?;
    let (lines, received) = unbounded_channel();
    let (docker, image_owned) = (docker.clone(), image.to_string());
    let platform = platform.map(str::to_string);
    let work = runtime::run(async move {
        let platform = platform.as_deref();
        ensure_on_runtime(&docker, &image_owned, policy, source, Some(lines), platform).await
    });
    let (result, ()) = futures_util::join!(work, progress::forward(received));
    result
}

/// Like [`ensure`], for a base image a build needs (a `FROM` line), from the library's
/// runtime: progress goes to `tracing` only.
pub(crate) async fn ensure_base(
    docker: &Docker,
    image: &str,
    policy: PullPolicy,
) -> Result<ImageInfo> {
    let (policy, source) = policy::effective(policy)?;
    ensure_on_runtime(docker, image, policy, source, None, None).await
}

async fn ensure_on_runtime(
    docker: &Docker,
    image: &str,
    policy: PullPolicy,
    source: PolicySource,
    lines: Option<UnboundedSender<String>>,
    platform: Option<&str>,
) -> Result<ImageInfo> {
    // An image present for another platform than the one asked for counts as missing.
    let present = inspect(docker, image)
        .await?
        .filter(|info| platform.is_none_or(|p| info.is_for(p)));
    let reference = match Reference::parse(image) {
        Ok(reference) => reference,
        // An image ID (`sha256:…`) or a local name Docker accepts: looked up, never pulled.
        Err(e) => {
            return present.ok_or_else(|| {
                Error::from(ImageError::InvalidImageReference {
                    image: image.to_string(),
                    reason: e.reason.to_string(),
                })
            })
        }
    };
    if let Some(info) = present {
        // A short image ID (`8c31a2192d3f`) is also a valid repository name; it is not pulled.
        let by_id = image.len() >= 12
            && image.bytes().all(|b| b.is_ascii_hexdigit())
            && info.id.trim_start_matches("sha256:").starts_with(image);
        if policy != PullPolicy::Always || reference.digest().is_some() || by_id {
            return Ok(info);
        }
    } else if policy == PullPolicy::Never {
        return Err(Error::from(ImageError::ImageNotPresent {
            image: image.to_string(),
            policy_from: match source {
                PolicySource::Environment => format!("{}=never", policy::ENV_PULL),
                PolicySource::Definition => "set on its definition".to_string(),
            },
        }));
    }
    // A mirror or prefix of the run rewrites what is pulled (and is part of the key).
    let mirrors = super::mirror::current()?;
    let source = match mirrors.rewrite(image)? {
        Some(rewritten) => Some(Reference::parse(&rewritten).map_err(|e| {
            Error::from(ImageError::InvalidImageReference {
                image: rewritten.clone(),
                reason: e.reason.to_string(),
            })
        })?),
        None => None,
    };
    let described = match &source {
        Some(s) => format!("{image} (pulled as {s}, per {})", mirrors.source()),
        None => image.to_string(),
    };
    // `always` pulls once per run under its own key, even after a `missing` pull of the tag.
    let key = format!(
        "{}:{}{}{}{}",
        reference.name(),
        reference.reference(),
        source
            .as_ref()
            .map(|s| format!(" from {s}"))
            .unwrap_or_default(),
        platform.map(|p| format!(" ({p})")).unwrap_or_default(),
        if policy == PullPolicy::Always {
            " (always)"
        } else {
            ""
        }
    );
    let mut lines = lines;
    for attempt in 0..2 {
        let cell = crate::sync::lock(&PULLS)
            .entry(key.clone())
            .or_default()
            .clone();
        cell.get_or_init(|| {
            locked_pull(
                docker,
                (&reference, source.as_ref()),
                image,
                &key,
                policy,
                lines.take(),
                platform,
            )
        })
        .await
        .clone()
        .map_err(|f| f.into_error(&described))?;
        if let Some(info) = inspect(docker, image).await? {
            return Ok(info);
        }
        // Pulled earlier in the run and removed since: forget that pull and pull again once.
        if attempt == 0 {
            let mut pulls = crate::sync::lock(&PULLS);
            if pulls.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                pulls.remove(&key);
            }
        }
    }
    Err(Error::from(ImageError::ImageNotFound {
        image: image.to_string(),
        reason: "the pull finished but the engine does not list the image".to_string(),
    }))
}

/// The image's info, or `None` when it is not present.
async fn inspect(docker: &Docker, image: &str) -> Result<Option<ImageInfo>> {
    // A read: retried when the connection breaks.
    match retrying(|_| docker.inspect_image(image)).await {
        Ok(inspect) => Ok(Some(ImageInfo::from_inspect(inspect))),
        Err(Failed {
            error:
                bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                },
            ..
        }) => Ok(None),
        // A name outside the grammar that the engine cannot even look up ("invalid reference
        // format", or a path its router redirects): the name is the problem, not the engine.
        Err(Failed {
            error:
                bollard::errors::Error::DockerResponseServerError {
                    status_code,
                    message,
                },
            ..
        }) if status_code == 400 || (300..400).contains(&status_code) => {
            Err(Error::from(ImageError::InvalidImageReference {
                image: image.to_string(),
                reason: Reference::parse(image)
                    .err()
                    .map(|bad| bad.reason.to_string())
                    .unwrap_or(message),
            }))
        }
        Err(f) => Err(Error::docker(format!("inspect image `{image}`"), f.error)),
    }
}

/// Pulls under the cross-process lock; with policy `missing`, not at all when another process
/// pulled the image while this one waited for the lock.
async fn locked_pull(
    docker: &Docker,
    reference: (&Reference, Option<&Reference>),
    image: &str,
    key: &str,
    policy: PullPolicy,
    lines: Option<UnboundedSender<String>>,
    platform: Option<&str>,
) -> std::result::Result<(), PullFailure> {
    let key_owned = key.to_string();
    let lock = tokio::task::spawn_blocking(move || lock::acquire(&key_owned)).await;
    let _lock = match lock {
        Ok(Ok(lock)) => Some(lock),
        // Without the lock, parallel processes may pull twice; that is all.
        Ok(Err(e)) => {
            tracing::warn!(target: "seaworthy", image, dir = %lock::lock_dir().display(), "cannot take the pull lock: {e}");
            None
        }
        Err(e) => {
            tracing::warn!(target: "seaworthy", image, "cannot take the pull lock: {e}");
            None
        }
    };
    if policy == PullPolicy::Missing {
        if let Ok(Some(info)) = inspect(docker, image).await {
            if platform.is_some_and(|p| !info.is_for(p)) {
                return pull(docker, reference, image, lines, platform).await;
            }
            tracing::debug!(target: "seaworthy", image, "pulled by another process");
            return Ok(());
        }
    }
    pull(docker, reference, image, lines, platform).await
}

/// The engine's credentials for `domain`, from the docker CLI's config (may run a helper).
async fn credentials(domain: &str) -> std::result::Result<Option<DockerCredentials>, PullFailure> {
    let domain = domain.to_string();
    let found = tokio::task::spawn_blocking(move || {
        let failure = |reason: String| PullFailure::Credentials {
            registry: domain.clone(),
            reason,
        };
        let config = DockerConfig::load().map_err(|e| failure(e.to_string()))?;
        let credential = config
            .credential(&domain)
            .map_err(|e| failure(e.to_string()))?;
        Ok(credential.map(|c| engine_credentials(&domain, c)))
    })
    .await;
    found.unwrap_or_else(|e| {
        Err(PullFailure::Other {
            reason: format!("looking up credentials failed: {e}"),
        })
    })
}

/// What the engine is given for `domain` (`X-Registry-Auth`): a user name and password, or an
/// identity token as `identitytoken`, with the server address the docker CLI would send.
fn engine_credentials(domain: &str, credential: Credential) -> DockerCredentials {
    let serveraddress = Some(server_address(domain).to_string());
    match credential {
        Credential::Basic { username, password } => DockerCredentials {
            username: Some(username),
            password: Some(password),
            serveraddress,
            ..Default::default()
        },
        Credential::IdentityToken(token) => DockerCredentials {
            identitytoken: Some(token),
            serveraddress,
            ..Default::default()
        },
    }
}

/// The credentials of the registries of `images` for a build (`X-Registry-Config`), keyed by
/// server address, for the engine's own pulls of `FROM` images.
pub(crate) async fn build_credentials(
    image: &str,
    images: &[String],
) -> Result<HashMap<String, DockerCredentials>> {
    let mut all = HashMap::new();
    for reference in images.iter().filter_map(|i| Reference::parse(i).ok()) {
        let server = server_address(reference.domain()).to_string();
        if all.contains_key(&server) {
            continue;
        }
        match credentials(reference.domain()).await {
            Ok(Some(found)) => {
                all.insert(server, found);
            }
            Ok(None) => {}
            Err(f) => return Err(f.into_error(image)),
        }
    }
    Ok(all)
}

/// `POST /images/create` for exactly one tag or digest, with progress; from the rewritten
/// reference when a mirror applies (with its registry's credentials), then tagged as asked.
async fn pull(
    docker: &Docker,
    (asked, source): (&Reference, Option<&Reference>),
    image: &str,
    lines: Option<UnboundedSender<String>>,
    platform: Option<&str>,
) -> std::result::Result<(), PullFailure> {
    let reference = source.unwrap_or(asked);
    let credentials = credentials(reference.domain()).await?;
    let had_credentials = credentials.is_some();
    let mut shown = if asked.tag().is_none() && asked.digest().is_none() {
        format!("{image}:latest")
    } else {
        image.to_string()
    };
    if let Some(source) = source {
        shown = format!("{shown} (as {source})");
    }
    let mut progress = Progress::new(&shown, lines);
    progress.start(reference.domain());
    let mut options = CreateImageOptionsBuilder::new()
        .from_image(&reference.name())
        .tag(reference.reference());
    if let Some(platform) = platform {
        options = options.platform(platform);
    }
    let options = options.build();
    let mut stream = docker.create_image(Some(options), None, credentials);
    while let Some(item) = stream.next().await {
        let message = match item {
            Ok(info) => match info.error_detail.as_ref().and_then(|d| d.message.clone()) {
                Some(message) => message,
                None => {
                    progress.update(&info);
                    continue;
                }
            },
            Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => message,
            Err(bollard::errors::Error::DockerStreamError { error }) => error,
            Err(e) => e.to_string(),
        };
        let failure = classify(reference, &message, had_credentials);
        tracing::warn!(target: "seaworthy", image, "pull failed: {message}");
        return Err(failure);
    }
    if source.is_some() {
        let pulled = format!("{}:{}", reference.name(), reference.reference());
        let options = TagImageOptionsBuilder::new()
            .repo(&asked.name())
            .tag(asked.reference())
            .build();
        docker
            .tag_image(&pulled, Some(options))
            .await
            .map_err(|e| PullFailure::Other {
                reason: format!("pulled `{pulled}` but could not tag it as `{image}`: {e}"),
            })?;
    }
    progress.finish();
    Ok(())
}

/// What an engine's pull error message means.
fn classify(reference: &Reference, message: &str, had_credentials: bool) -> PullFailure {
    let m = message.to_ascii_lowercase();
    let registry = reference.domain().to_string();
    let any = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
    if let Some(rest) = m.split("no matching manifest for ").nth(1) {
        let platform = rest.split_whitespace().next().unwrap_or("this platform");
        return PullFailure::Platform {
            registry,
            platform: platform.to_string(),
        };
    }
    if any(&[
        "dial tcp",
        "no such host",
        "connection refused",
        "i/o timeout",
        "network is unreachable",
        "server misbehaving",
        "temporary failure in name resolution",
        "tls: ",
        "x509: ",
        "context deadline exceeded",
        "connection reset",
    ]) {
        return PullFailure::Unreachable {
            host: reference.api_host().to_string(),
            reason: message.trim().to_string(),
        };
    }
    if any(&[
        "unauthorized",
        "authentication required",
        "no basic auth credentials",
        "pull access denied",
        "access to the resource is denied",
        // A registry on a local (insecure) address is tried with HTTPS, then plain HTTP, and
        // the engine falls back only when HTTPS answered unauthorized or denied.
        "client sent an http request to an https server",
    ]) {
        return PullFailure::Unauthorized {
            registry,
            had_credentials,
        };
    }
    if any(&["manifest unknown", "name unknown", "not found"]) {
        return PullFailure::NotFound {
            registry,
            reference: reference.reference().to_string(),
        };
    }
    PullFailure::Other {
        reason: message.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_go_to_the_engine_under_the_docker_cli_server_address() {
        let token = engine_credentials("docker.io", Credential::IdentityToken("t0k".into()));
        assert_eq!(
            token,
            DockerCredentials {
                identitytoken: Some("t0k".into()),
                serveraddress: Some("https://index.docker.io/v1/".into()),
                ..Default::default()
            }
        );
        let basic = engine_credentials(
            "127.0.0.1:5000",
            Credential::Basic {
                username: "u".into(),
                password: "p".into(),
            },
        );
        assert_eq!(
            basic,
            DockerCredentials {
                username: Some("u".into()),
                password: Some("p".into()),
                serveraddress: Some("127.0.0.1:5000".into()),
                ..Default::default()
            }
        );
    }

    fn r(s: &str) -> Reference {
        Reference::parse(s).unwrap()
    }

    #[test]
    fn engine_messages_are_classified() {
        let bb = r("127.0.0.1:5055/bb");
        assert_eq!(
            classify(&bb, "manifest for 127.0.0.1:5055/bb:latest not found: manifest unknown: manifest unknown", false),
            PullFailure::NotFound { registry: "127.0.0.1:5055".into(), reference: "latest".into() }
        );
        assert_eq!(
            classify(&r("nginx:1"), "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: no such host", false),
            PullFailure::Unreachable { host: "registry-1.docker.io".into(), reason: "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: no such host".into() }
        );
        assert_eq!(
            classify(
                &bb,
                "Head \"https://127.0.0.1:5055/v2/bb/manifests/latest\": no basic auth credentials",
                false
            ),
            PullFailure::Unauthorized {
                registry: "127.0.0.1:5055".into(),
                had_credentials: false
            }
        );
        assert_eq!(
            classify(
                &bb,
                "no matching manifest for linux/amd64 in the manifest list entries",
                false
            ),
            PullFailure::Platform {
                registry: "127.0.0.1:5055".into(),
                platform: "linux/amd64".into()
            }
        );
        assert_eq!(
            classify(&bb, "something else", true),
            PullFailure::Other {
                reason: "something else".into()
            }
        );
    }
}
