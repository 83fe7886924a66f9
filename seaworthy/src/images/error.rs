//! The errors of images and registries: references, pull policies, pulls, builds.
//!
//! A domain error of `seaworthy::Error` (see the `error` module).

use crate::text::output_block;

/// What went wrong with an image: its reference, the pull policy, the registry, or a build.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// An image is not present and could not be pulled.
    #[error(
        "image `{image}` is not available locally and pulling it failed: {reason}\n(hint: build it \
         or pull it: `docker build -t {image} DIR`, or `docker pull {image}`)"
    )]
    ImageNotFound {
        /// The image reference.
        image: String,
        /// Why the pull failed.
        reason: String,
    },

    /// An image reference that is not Docker's grammar, and not a local image either.
    #[error(
        "invalid image reference `{image}`: {reason}\n(hint: write it as \
         [REGISTRY/]REPOSITORY[:TAG][@DIGEST], e.g. `postgres:15` or `ghcr.io/team/app:1.2`)"
    )]
    InvalidImageReference {
        /// The reference as given.
        image: String,
        /// What is wrong with it.
        reason: String,
    },

    /// `SEAWORTHY_PULL` is set to something else than a pull policy.
    #[error(
        "SEAWORTHY_PULL is `{value}`, not a pull policy\n(hint: set it to `missing` (the \
         default), `always` or `never`, or unset it)"
    )]
    InvalidPullPolicy {
        /// The variable's value.
        value: String,
    },

    /// The pull policy is `never` and the image is not present.
    #[error(
        "image `{image}` is not present locally and the pull policy is `never` ({policy_from})\n\
         (hint: pull it while online: `docker pull {image}`, or allow pulls with \
         `SEAWORTHY_PULL=missing`)"
    )]
    ImageNotPresent {
        /// The image reference.
        image: String,
        /// Where `never` came from: `SEAWORTHY_PULL=never` or `set on its definition`.
        policy_from: String,
    },

    /// The registry has no such repository, tag or digest.
    #[error(
        "image `{image}` was not found in the registry `{registry}`: it has no `{reference}`\n\
         (hint: check the repository name and the tag or digest, e.g. with `docker pull {image}`, \
         or build it: `docker build -t {image} DIR`)"
    )]
    ImageNotInRegistry {
        /// The image reference as given.
        image: String,
        /// The registry's domain (`docker.io`, `ghcr.io`, `localhost:5000`).
        registry: String,
        /// The tag or digest that was asked for (`latest` when the reference names none).
        reference: String,
    },

    /// The registry refused the pull: no credentials, or rejected ones.
    #[error(
        "registry `{registry}` refused to let us pull `{image}` {}\n(hint: log in: `{}`; the \
         credentials are read from $DOCKER_CONFIG/config.json or ~/.docker/config.json)",
        if *.had_credentials { "with the credentials found for it" } else { "without credentials" },
        seaworthy_registry::login_command(.registry)
    )]
    RegistryUnauthorized {
        /// The image reference as given.
        image: String,
        /// The registry's domain.
        registry: String,
        /// Whether credentials were sent (and rejected).
        had_credentials: bool,
    },

    /// The registry could not be reached.
    #[error(
        "cannot reach the registry `{host}` to pull `{image}`: {reason}\n(hint: check the \
         network and the registry; to work offline with images already present, set \
         `SEAWORTHY_PULL=never`)"
    )]
    RegistryUnreachable {
        /// The registry host (and port) the engine talks to.
        host: String,
        /// The image reference as given.
        image: String,
        /// What the engine reported.
        reason: String,
    },

    /// The image exists, but not for the engine's platform.
    #[error(
        "image `{image}` in the registry `{registry}` has no manifest for this platform \
         ({platform})\n(hint: use a tag or digest built for {platform})"
    )]
    NoManifestForPlatform {
        /// The image reference as given.
        image: String,
        /// The registry's domain.
        registry: String,
        /// The engine's platform, e.g. `linux/amd64`.
        platform: String,
    },

    /// The docker CLI's credentials for a registry could not be read.
    #[error(
        "cannot read the credentials for the registry `{registry}` to pull `{image}`: \
         {reason}\n(hint: fix the docker config or its credential helper, or log in again: `{}`)",
        seaworthy_registry::login_command(.registry)
    )]
    RegistryCredentials {
        /// The image reference as given.
        image: String,
        /// The registry's domain.
        registry: String,
        /// What went wrong (names files and helpers, never secrets).
        reason: String,
    },

    /// Building an image failed.
    #[error("failed to build image `{tag}` from `{context}`: {reason}{}", output_block("build output", &.output.join("\n")))]
    ImageBuild {
        /// The tag being built.
        tag: String,
        /// The build context directory.
        context: String,
        /// What went wrong.
        reason: String,
        /// The last lines of the build output.
        output: Vec<String>,
    },
}
