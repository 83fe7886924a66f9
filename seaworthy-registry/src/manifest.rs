//! Manifests: their media types, what they refer to, and reading and writing them byte for
//! byte (a re-serialised manifest would have another digest).

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::auth::Access;
use crate::client::{header, Client};
use crate::error::{Content, Error, Kind, Operation};
use crate::reference::Reference;

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
            serde_json::from_slice(&self.bytes).map_err(|cause| Error::BadManifest {
                reference: reference.to_owned(),
                media_type: self.media_type.clone(),
                cause,
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

/// Checks that `bytes` read from `registry` hash to `expected`; returns their digest.
pub(crate) fn verify_digest(
    registry: &str,
    content: impl FnOnce() -> Content,
    expected: Option<&str>,
    bytes: &[u8],
) -> Result<String, Error> {
    let actual = sha256_digest(bytes);
    match expected {
        Some(expected) if expected != actual => Err(Error::DigestMismatch {
            registry: registry.to_owned(),
            content: content(),
            expected: expected.to_owned(),
            actual,
        }),
        _ => Ok(actual),
    }
}

impl Client {
    /// Fetches the manifest `reference` names (its digest, else its tag, else `latest`),
    /// asking for every [`MANIFEST_TYPES`]; checks its digest.
    pub async fn get_manifest(&mut self, reference: &Reference) -> Result<Manifest, Error> {
        let domain = reference.domain();
        let path = format!(
            "/v2/{}/manifests/{}",
            reference.path(),
            reference.reference()
        );
        let scopes = [Access::pull(reference.path())];
        let operation = Operation::GetManifest(reference.to_string());
        let response = self
            .send(domain, &scopes, operation, |http, base| {
                http.get(format!("{base}{path}"))
                    .header(ACCEPT, MANIFEST_TYPES.join(", "))
            })
            .await?;
        let header_digest = header(response.headers(), "docker-content-digest");
        let content_type = header(response.headers(), CONTENT_TYPE.as_str());
        let bytes = response
            .bytes()
            .await
            .map_err(|error| Error::network(domain, error))?;
        let expected = reference
            .digest()
            .map(str::to_owned)
            .or(header_digest.filter(|d| d.starts_with("sha256:")));
        let digest = verify_digest(
            domain,
            || Content::Manifest(reference.to_string()),
            expected.as_deref(),
            &bytes,
        )?;
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

    /// The digest `reference`'s tag points at (`HEAD`, which registries such as Docker Hub do
    /// not count as a pull), or `None` when there is no such tag.
    pub async fn tag_digest(&mut self, reference: &Reference) -> Result<Option<String>, Error> {
        let tag = reference.tag().unwrap_or("latest");
        let response = self.head(reference, Kind::Manifest, tag).await?;
        if response.status() != reqwest::StatusCode::OK {
            return Ok(None);
        }
        Ok(header(response.headers(), "docker-content-digest"))
    }

    /// Whether the manifest `digest` exists in `repository`'s repository.
    pub async fn manifest_exists(
        &mut self,
        repository: &Reference,
        digest: &str,
    ) -> Result<bool, Error> {
        self.exists(repository, Kind::Manifest, digest).await
    }

    /// Writes `manifest`, byte for byte with its media type, under `target`'s tag (or its
    /// digest, when it has no tag); returns the digest the registry answered, which must be the
    /// manifest's.
    pub async fn put_manifest(
        &mut self,
        target: &Reference,
        manifest: &Manifest,
    ) -> Result<String, Error> {
        let domain = target.domain();
        let reference = target.tag().unwrap_or(&manifest.digest);
        let path = format!("/v2/{}/manifests/{reference}", target.path());
        let operation = Operation::PutManifest {
            reference: target.to_string(),
            media_type: manifest.media_type.clone(),
        };
        let response = self
            .send(
                domain,
                &[Access::push(target.path())],
                operation,
                |http, base| {
                    http.put(format!("{base}{path}"))
                        .header(CONTENT_TYPE, &manifest.media_type)
                        .body(manifest.bytes.clone())
                },
            )
            .await?;
        let answered = header(response.headers(), "docker-content-digest")
            .unwrap_or_else(|| manifest.digest.clone());
        if answered != manifest.digest {
            return Err(Error::DigestMismatch {
                registry: domain.to_owned(),
                content: Content::WrittenManifest(target.to_string()),
                expected: manifest.digest.clone(),
                actual: answered,
            });
        }
        Ok(answered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn digest_verification() {
        let empty = sha256_digest(b"");
        let content = || Content::Manifest("reg.io/app:1".into());
        assert_eq!(verify_digest("reg.io", content, None, b"").unwrap(), empty);
        assert_eq!(
            verify_digest("reg.io", content, Some(&empty), b"").unwrap(),
            empty
        );
        assert_eq!(
            verify_digest("reg.io", content, Some("sha256:0"), b"")
                .unwrap_err()
                .to_string(),
            format!("digest mismatch for the manifest of reg.io/app:1 in registry reg.io: expected sha256:0, got {empty}")
        );
    }
}
