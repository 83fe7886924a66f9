//! The platform a container's image is pulled and created for: per definition, or for the
//! whole run with `SEAWORTHY_PLATFORM`.

use super::ContainerDefinition;

/// The environment variable that sets the platform of every container of a run whose
/// definition sets none (`linux/arm64`).
pub const ENV_PLATFORM: &str = "SEAWORTHY_PLATFORM";

/// The old name of [`ENV_PLATFORM`] (every variable's constant is named `ENV_*`).
#[deprecated(
    since = "0.1.0",
    note = "renamed ENV_PLATFORM, as every variable's constant"
)]
pub const PLATFORM_ENV: &str = ENV_PLATFORM;

impl ContainerDefinition {
    /// The platform (`linux/arm64`, `linux/amd64`, `linux/arm/v7`) the image is pulled and the
    /// container created for; without it, `SEAWORTHY_PLATFORM`, else the engine's own. An image
    /// without a manifest for it fails with
    /// `ImageError::NoManifestForPlatform` (in [`Error::Image`](crate::Error::Image)).
    pub fn platform(mut self, platform: impl Into<String>) -> Self {
        self.config.extras.platform = Some(platform.into());
        self
    }

    /// The platform the container is made for: the definition's, else `SEAWORTHY_PLATFORM`'s
    /// (when set and not empty), else `None` (the engine's).
    pub fn get_platform(&self) -> Option<String> {
        self.config.extras.platform.clone().or_else(|| {
            std::env::var(ENV_PLATFORM)
                .ok()
                .filter(|p| !p.trim().is_empty())
        })
    }
}
