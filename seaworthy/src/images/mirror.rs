//! Registry mirrors and image substitution: Docker Hub references pulled through a prefix
//! (`mirror.example:5000/`), and any registry pulled from another one, set for the run in the
//! environment or in code. A reference is rewritten only for its pull; the pulled image is
//! then tagged with the name the definition gave, so everything else sees that name.

use std::sync::RwLock;

use seaworthy_registry::Reference;

use crate::error::{Error, ImageError, Result};

/// The environment variable with a prefix put before the path of every Docker Hub image
/// pulled (`mirror.example:5000/` pulls `postgres:16` as
/// `mirror.example:5000/library/postgres:16`), like Java testcontainers'
/// `TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX`.
pub const ENV_HUB_IMAGE_PREFIX: &str = "SEAWORTHY_HUB_IMAGE_PREFIX";

/// The environment variable mapping registries to the registries they are pulled from:
/// `docker.io=127.0.0.1:5000,ghcr.io=mirror.example/ghcr` (an entry wins over the prefix).
pub const ENV_REGISTRY_MIRRORS: &str = "SEAWORTHY_REGISTRY_MIRRORS";

/// The setting made in code for the run, over the environment's.
static INSTALLED: RwLock<Option<RegistryMirrors>> = RwLock::new(None);

/// How image references are rewritten before they are pulled: a prefix for Docker Hub images
/// and a map from registry to registry. The credentials used are the rewritten registry's.
/// References by digest are pulled as they are.
///
/// ```
/// use seaworthy::RegistryMirrors;
///
/// let mirrors = RegistryMirrors::new()
///     .hub_prefix("mirror.example:5000/hub")
///     .mirror("ghcr.io", "mirror.example:5000/ghcr");
/// assert_eq!(
///     mirrors.rewrite("postgres:16").unwrap().as_deref(),
///     Some("mirror.example:5000/hub/library/postgres:16")
/// );
/// assert_eq!(
///     mirrors.rewrite("ghcr.io/team/app:1").unwrap().as_deref(),
///     Some("mirror.example:5000/ghcr/team/app:1")
/// );
/// assert_eq!(mirrors.rewrite("quay.io/x/y:2").unwrap(), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryMirrors {
    hub_prefix: Option<String>,
    map: Vec<(String, String)>,
    /// Where the setting came from, for messages.
    source: &'static str,
}

impl RegistryMirrors {
    /// No rewriting.
    pub fn new() -> Self {
        RegistryMirrors {
            source: "RegistryMirrors",
            ..Default::default()
        }
    }

    /// Pulls Docker Hub images (`postgres:16`, `team/app`) under `prefix`: the registry (and
    /// a path) the repository's path is appended to; a missing final `/` is added.
    pub fn hub_prefix(mut self, prefix: impl Into<String>) -> Self {
        let mut prefix: String = prefix.into();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        self.hub_prefix = (!prefix.is_empty()).then_some(prefix);
        self
    }

    /// Pulls the images of `registry` (`docker.io`, `ghcr.io`, `localhost:5000`) from
    /// `mirror` (a registry, with a path if any), under the same repository path.
    pub fn mirror(mut self, registry: impl Into<String>, mirror: impl Into<String>) -> Self {
        let registry = normalise_registry(&registry.into());
        let mirror = mirror.into().trim_end_matches('/').to_string();
        self.map.retain(|(r, _)| *r != registry);
        self.map.push((registry, mirror));
        self
    }

    /// The setting of the environment ([`ENV_HUB_IMAGE_PREFIX`], [`ENV_REGISTRY_MIRRORS`]);
    /// an entry of the map without `=` is an error naming it.
    pub fn from_env() -> Result<Self> {
        let mut mirrors = RegistryMirrors::new();
        mirrors.source = ENV_HUB_IMAGE_PREFIX;
        if let Ok(prefix) = std::env::var(ENV_HUB_IMAGE_PREFIX) {
            mirrors = mirrors.hub_prefix(prefix.trim());
        }
        if let Ok(map) = std::env::var(ENV_REGISTRY_MIRRORS) {
            for entry in map.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                match entry.split_once('=') {
                    Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
                        mirrors = mirrors.mirror(from.trim(), to.trim());
                        mirrors.source = ENV_REGISTRY_MIRRORS;
                    }
                    _ => {
                        return Err(Error::from(ImageError::InvalidImageReference {
                            image: entry.to_string(),
                            reason: format!(
                                "{ENV_REGISTRY_MIRRORS} entry `{entry}` is not \
                                 REGISTRY=MIRROR (e.g. `docker.io=127.0.0.1:5000`)"
                            ),
                        }))
                    }
                }
            }
        }
        Ok(mirrors)
    }

    /// Makes this the setting of every pull for the rest of the process (the run), over the
    /// environment's.
    pub fn install(self) {
        *crate::sync::write(&INSTALLED) = Some(self);
    }

    /// Removes the setting [`install`](Self::install) made: the environment's applies again.
    pub fn uninstall() {
        *crate::sync::write(&INSTALLED) = None;
    }

    /// The reference `image` is pulled as, or `None` when it is pulled as it is (no rule
    /// applies, a digest, or not a reference).
    pub fn rewrite(&self, image: &str) -> Result<Option<String>> {
        let Ok(reference) = Reference::parse(image) else {
            return Ok(None);
        };
        if reference.digest().is_some() {
            return Ok(None);
        }
        let base = match self.map.iter().find(|(r, _)| r == reference.domain()) {
            Some((_, mirror)) => format!("{mirror}/"),
            None => match (&self.hub_prefix, reference.domain()) {
                (Some(prefix), "docker.io") => prefix.clone(),
                _ => return Ok(None),
            },
        };
        let rewritten = format!("{base}{}:{}", reference.path(), reference.reference());
        match Reference::parse(&rewritten) {
            Ok(_) => Ok(Some(rewritten)),
            Err(e) => Err(Error::from(ImageError::InvalidImageReference {
                image: image.to_string(),
                reason: format!(
                    "{} rewrites it to `{rewritten}`, which is not a reference: {}",
                    self.source, e.reason
                ),
            })),
        }
    }

    /// Where the rule that rewrites came from (for messages).
    pub(crate) fn source(&self) -> &'static str {
        self.source
    }
}

/// `index.docker.io` and `registry-1.docker.io` are `docker.io`.
fn normalise_registry(registry: &str) -> String {
    let r = registry.trim().trim_end_matches('/');
    match r {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".into()
        }
        other => other.to_string(),
    }
}

/// The setting of this run: the one installed in code, else the environment's.
pub(crate) fn current() -> Result<RegistryMirrors> {
    if let Some(m) = crate::sync::read(&INSTALLED).clone() {
        return Ok(m);
    }
    RegistryMirrors::from_env()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_map() {
        let m = RegistryMirrors::new().hub_prefix("127.0.0.1:5000");
        assert_eq!(
            m.rewrite("x:1").unwrap().as_deref(),
            Some("127.0.0.1:5000/library/x:1")
        );
        assert_eq!(
            m.rewrite("team/x").unwrap().as_deref(),
            Some("127.0.0.1:5000/team/x:latest")
        );
        assert_eq!(m.rewrite("ghcr.io/a/b:1").unwrap(), None);
        let d = format!("x@sha256:{}", "a".repeat(64));
        assert_eq!(m.rewrite(&d).unwrap(), None);
        let m = m.mirror("index.docker.io", "10.0.0.1:5000/hub/");
        assert_eq!(
            m.rewrite("x:1").unwrap().as_deref(),
            Some("10.0.0.1:5000/hub/library/x:1")
        );
        let bad = RegistryMirrors::new().mirror("docker.io", "Bad Mirror");
        assert!(bad
            .rewrite("x:1")
            .unwrap_err()
            .to_string()
            .contains("`Bad Mirror/library/x:1`"));
    }
}
