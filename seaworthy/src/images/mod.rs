//! Images from registries: the [`PullPolicy`], pulls of exactly one tag or digest with the
//! docker CLI's credentials, progress lines, and one pull per image per run.

pub(crate) mod error;
mod lock;
mod mirror;
pub(crate) mod policy;
pub(crate) mod progress;
mod pull;

pub use mirror::{RegistryMirrors, ENV_HUB_IMAGE_PREFIX, ENV_REGISTRY_MIRRORS};
#[allow(deprecated)]
pub use policy::PULL_ENV;
pub use policy::{ParsePullPolicyError, PullPolicy, ENV_PULL};
pub(crate) use pull::{build_credentials, ensure, ensure_base};

/// What the library knows of an image: its ID and the ports it exposes.
#[derive(Debug, Clone)]
pub struct ImageInfo {
    /// The image ID (`sha256:…`).
    pub id: String,
    /// Exposed ports as `<port>/<proto>`.
    pub exposed_ports: Vec<String>,
    /// The platform it is built for, `os/architecture` (`linux/amd64`).
    pub platform: String,
}

impl ImageInfo {
    pub(crate) fn from_inspect(inspect: bollard::models::ImageInspect) -> Self {
        let mut exposed_ports = inspect
            .config
            .and_then(|c| c.exposed_ports)
            .unwrap_or_default();
        exposed_ports.sort();
        let platform = format!(
            "{}/{}",
            inspect.os.unwrap_or_default(),
            inspect.architecture.unwrap_or_default()
        );
        ImageInfo {
            id: inspect.id.unwrap_or_default(),
            exposed_ports,
            platform,
        }
    }

    /// Whether the image is for `platform` (`linux/arm64`, `linux/arm64/v8`: the variant is
    /// not compared).
    pub(crate) fn is_for(&self, platform: &str) -> bool {
        let mut wanted = platform.split('/');
        let mut have = self.platform.split('/');
        wanted.next() == have.next() && wanted.next() == have.next()
    }
}
