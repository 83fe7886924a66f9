//! Copying what a manifest refers to from one repository into another: blobs are left alone
//! when present, mounted on the same registry, and copied otherwise; an index's child
//! manifests are copied with their blobs.

use crate::blob::Mount;
use crate::client::Client;
use crate::error::Error;
use crate::manifest::Manifest;
use crate::reference::Reference;

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

impl Transfer {
    /// The blob this transfer put (or found) in the target, if it is a blob's.
    fn blob(&self) -> Option<&str> {
        match self {
            Self::Present { digest } | Self::Mounted { digest } | Self::Copied { digest, .. } => {
                Some(digest)
            }
            Self::Manifest { .. } => None,
        }
    }
}

impl Client {
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
            let digest = child.digest.clone();
            if self.manifest_exists(target, &child.digest).await? {
                transfers.push(Transfer::Present { digest });
                continue;
            }
            let child_source = source.with_digest(&child.digest);
            let child_manifest = self.get_manifest(&child_source).await?;
            let nested =
                Box::pin(self.ensure_blobs(&child_source, &child_manifest, target)).await?;
            transfers.extend(nested);
            self.put_manifest(&target.with_digest(&child.digest), &child_manifest)
                .await?;
            transfers.push(Transfer::Manifest { digest });
        }
        for blob in &content.blobs {
            let digest = blob.digest.clone();
            if transfers.iter().any(|t| t.blob() == Some(digest.as_str())) {
                continue;
            }
            if self.blob_exists(target, &digest).await? {
                transfers.push(Transfer::Present { digest });
                continue;
            }
            let session = if source.domain() == target.domain() {
                match self.mount_blob(target, &digest, source).await? {
                    Mount::Mounted => {
                        transfers.push(Transfer::Mounted { digest });
                        continue;
                    }
                    Mount::Upload(url) => Some(url),
                }
            } else {
                None
            };
            let bytes = self.get_blob(source, &digest).await?;
            let size = bytes.len() as u64;
            self.upload_blob_to(target, &digest, bytes, session).await?;
            transfers.push(Transfer::Copied {
                digest,
                bytes: size,
            });
        }
        Ok(transfers)
    }
}
