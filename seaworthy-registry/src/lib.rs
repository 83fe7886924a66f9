//! # seaworthy-registry
//!
//! The pieces of talking to a container registry that seaworthy's tools share:
//!
//! * [`Reference`]: image references with Docker's normalisation (`nginx` →
//!   `docker.io/library/nginx`, no tag means `latest`), checked with [`grammar`], the one
//!   Docker reference grammar of the workspace (dcd checks its references with it too);
//! * [`DockerConfig`] and [`Credential`]: credentials found where the docker CLI finds them
//!   (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`: `auths`, `credsStore`,
//!   `credHelpers`);
//! * [`Client`]: a Registry HTTP API v2 client (Bearer token flow and basic auth, per-registry
//!   CA certificates from `/etc/docker/certs.d`, manifest get/put byte for byte, blob mount and
//!   copy, tag lists, referrers through the OCI referrers API or the `sha256-<hex>` tag
//!   schema, cosign's tags); its failures are [`Error`]s with typed parts ([`error`]);
//! * [`RetryPolicy`]: connection errors, `429` and `5xx` are retried with backoff and
//!   `Retry-After` within a time budget, and only where repeating the call is safe
//!   ([`retry`]).
//!
//! ```no_run
//! # async fn retag() -> Result<(), seaworthy_registry::Error> {
//! use seaworthy_registry::{Client, ClientOptions, DockerConfig, Reference};
//!
//! let source = Reference::parse("registry.example:5000/app:sha-abc123").expect("a reference");
//! let mut client = Client::new(ClientOptions::default(), DockerConfig::load()?);
//! let manifest = client.get_manifest(&source).await?;
//! let digest = client.put_manifest(&source.with_tag("1.2.3"), &manifest).await?;
//! assert_eq!(digest, manifest.digest);
//! # Ok(())
//! # }
//! ```
//!
//! Credentials never appear in `Debug` output, in errors or in logs.

mod auth;
mod blob;
mod client;
mod copy;
mod credentials;
pub mod error;
#[cfg(feature = "test-support")]
mod fault_proxy;
pub mod grammar;
mod manifest;
mod reference;
mod referrers;
pub mod retry;
mod tags;
#[cfg(feature = "test-support")]
pub mod test_support;

pub use auth::{parse_challenge, Access, Challenge};
pub use client::{Client, ClientOptions, DEFAULT_CERTS_DIR};
pub use copy::Transfer;
pub use credentials::{login_command, server_address, Credential, CredentialError, DockerConfig};
pub use error::Error;
pub use manifest::{
    sha256_digest, Descriptor, Manifest, ManifestContent, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST,
    MANIFEST_TYPES, OCI_INDEX, OCI_MANIFEST,
};
pub use reference::{
    api_host, Reference, ReferenceError, DOCKER_HUB_API_HOST, DOCKER_HUB_DOMAIN,
    DOCKER_HUB_SERVER_ADDRESS,
};
pub use referrers::{
    fallback_tag, referrers_index, Referrer, Referrers, ReferrersFound, COSIGN_SUFFIXES,
};
pub use retry::RetryPolicy;
