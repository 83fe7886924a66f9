//! What refers to a manifest: its OCI 1.1 referrers (signatures, SBOMs, attestations pushed
//! with a `subject`), found through the referrers API or, where a registry lacks it, through
//! the `sha256-<hex>` tag schema; and cosign's `sha256-<hex>.sig`, `.att` and `.sbom` tags.

use reqwest::header::ACCEPT;
use reqwest::StatusCode;
use serde::Deserialize;

use crate::auth::Access;
use crate::client::Client;
use crate::error::{Details, Error, Operation};
use crate::manifest::{Manifest, OCI_INDEX};
use crate::reference::Reference;

/// The suffixes of cosign's tags next to an image: `sha256-<hex>.sig` (signatures), `.att`
/// (attestations) and `.sbom` (SBOMs).
pub const COSIGN_SUFFIXES: [&str; 3] = ["sig", "att", "sbom"];

/// The tag the referrers tag schema (and cosign) keeps for `digest`: `sha256:abc…` →
/// `sha256-abc…`; `None` for something that is not a digest.
pub fn fallback_tag(digest: &str) -> Option<String> {
    let (algorithm, hex) = digest.split_once(':')?;
    let tag = format!("{algorithm}-{hex}");
    crate::grammar::is_tag(&tag).then_some(tag)
}

/// How a manifest's referrers were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReferrersFound {
    /// The registry answered the referrers API (`GET /v2/REPO/referrers/DIGEST`).
    Api,
    /// The registry has no referrers API; the `sha256-<hex>` tag schema index was read.
    TagSchema,
    /// The registry has no referrers API, and there is no tag schema index.
    Nothing,
}

/// One referrer, as the referrers index lists it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Referrer {
    /// The referrer manifest's digest.
    pub digest: String,
    /// Its media type.
    pub media_type: String,
    /// Its artifact type (`application/vnd.dev.cosign.artifact.sig.v1+json`, an SBOM type…),
    /// if listed.
    pub artifact_type: Option<String>,
    /// The descriptor as listed, with its annotations (kept to list it elsewhere).
    pub descriptor: serde_json::Value,
}

/// A manifest's referrers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Referrers {
    /// How they were found.
    pub found: ReferrersFound,
    /// The referrers.
    pub referrers: Vec<Referrer>,
    /// The tag schema index, byte for byte, when that is how they were found.
    pub index: Option<Manifest>,
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<serde_json::Value>,
}

fn referrers_of(index: &[u8]) -> Option<Vec<Referrer>> {
    let index: Index = serde_json::from_slice(index).ok()?;
    index
        .manifests
        .into_iter()
        .map(|descriptor| {
            let text = |key: &str| {
                descriptor
                    .get(key)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            };
            Some(Referrer {
                digest: text("digest")?,
                media_type: text("mediaType").unwrap_or_default(),
                artifact_type: text("artifactType"),
                descriptor,
            })
        })
        .collect()
}

/// A new OCI index listing `referrers`, as the tag schema keeps it.
pub fn referrers_index(referrers: &[Referrer]) -> Manifest {
    let descriptors: Vec<&serde_json::Value> = referrers.iter().map(|r| &r.descriptor).collect();
    let bytes = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": descriptors,
    }))
    .expect("JSON values serialise");
    Manifest {
        media_type: OCI_INDEX.to_owned(),
        digest: crate::manifest::sha256_digest(&bytes),
        bytes: bytes.into(),
    }
}

impl Client {
    /// The referrers of `digest` in `repository`'s repository: through the referrers API,
    /// else (the registry answers `404`) the tag schema index `sha256-<hex>`.
    pub async fn referrers(
        &mut self,
        repository: &Reference,
        digest: &str,
    ) -> Result<Referrers, Error> {
        let domain = repository.domain();
        let path = format!("/v2/{}/referrers/{digest}", repository.path());
        let operation = Operation::Referrers {
            digest: digest.to_owned(),
            repository: repository.name(),
        };
        let scopes = [Access::pull(repository.path())];
        let response = self
            .send(domain, &scopes, operation.clone(), |http, base| {
                http.get(format!("{base}{path}")).header(ACCEPT, OCI_INDEX)
            })
            .await?;
        if response.status() == StatusCode::OK {
            let status = response.status();
            let body = response
                .bytes()
                .await
                .map_err(|error| Error::network(domain, error))?;
            let referrers = referrers_of(&body).ok_or_else(|| Error::Unexpected {
                registry: domain.to_owned(),
                status,
                operation,
                details: Details::Text(String::from_utf8_lossy(&body).chars().take(200).collect()),
            })?;
            return Ok(Referrers {
                found: ReferrersFound::Api,
                referrers,
                index: None,
            });
        }
        let Some(tag) = fallback_tag(digest) else {
            return Ok(Referrers {
                found: ReferrersFound::Nothing,
                referrers: Vec::new(),
                index: None,
            });
        };
        match self.get_manifest(&repository.with_tag(&tag)).await {
            Ok(index) => {
                let referrers = referrers_of(&index.bytes).unwrap_or_default();
                Ok(Referrers {
                    found: ReferrersFound::TagSchema,
                    referrers,
                    index: Some(index),
                })
            }
            Err(Error::ManifestUnknown { .. }) => Ok(Referrers {
                found: ReferrersFound::Nothing,
                referrers: Vec::new(),
                index: None,
            }),
            Err(error) => Err(error),
        }
    }

    /// The manifest under `tag` in `repository`'s repository, or `None` when there is no
    /// such tag.
    pub async fn get_tagged(
        &mut self,
        repository: &Reference,
        tag: &str,
    ) -> Result<Option<Manifest>, Error> {
        match self.get_manifest(&repository.with_tag(tag)).await {
            Ok(manifest) => Ok(Some(manifest)),
            Err(Error::ManifestUnknown { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_tags_and_index() {
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            fallback_tag(&digest),
            Some(format!("sha256-{}", "a".repeat(64)))
        );
        assert_eq!(fallback_tag("nope"), None);
        let listed = referrers_of(
            br#"{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"sha256:1","size":3,"artifactType":"a","annotations":{"k":"v"}}]}"#,
        )
        .unwrap();
        assert_eq!(listed[0].digest, "sha256:1");
        assert_eq!(listed[0].artifact_type.as_deref(), Some("a"));
        let index = referrers_index(&listed);
        assert_eq!(referrers_of(&index.bytes).unwrap(), listed);
        assert_eq!(index.media_type, OCI_INDEX);
        assert!(referrers_of(b"\"not an index\"").is_none());
    }
}
