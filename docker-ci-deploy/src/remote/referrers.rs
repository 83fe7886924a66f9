//! `--with-referrers`: finding the source digest's referrers (OCI referrers API, else the
//! `sha256-<hex>` tag schema) and cosign's tags, and copying them into every other target
//! repository.

use std::io::Write;

use seaworthy_registry::{
    fallback_tag, referrers_index, Client, Manifest, Reference, Referrer, ReferrersFound,
    COSIGN_SUFFIXES,
};

use super::{registry_error, say, Job, Remote, Target};
use crate::errors::ExpectedError;
use crate::metadata::CopiedReferrer;

/// What `--with-referrers` found next to a digest.
pub(super) struct Found {
    referrers: Vec<Referrer>,
    how: ReferrersFound,
    /// The tag schema index, when that is how they were found.
    index: Option<Manifest>,
    /// cosign's tags that exist, with their manifests.
    cosign: Vec<(String, Manifest)>,
}

impl Found {
    pub(super) fn report(&self) -> Vec<CopiedReferrer> {
        let via = match self.how {
            ReferrersFound::Api => "referrers-api",
            _ => "tag-schema",
        };
        let mut copied: Vec<CopiedReferrer> = self
            .referrers
            .iter()
            .map(|r| CopiedReferrer {
                digest: r.digest.clone(),
                artifact_type: r
                    .artifact_type
                    .clone()
                    .unwrap_or_else(|| r.media_type.clone()),
                found: via,
                tag: None,
            })
            .collect();
        copied.extend(self.cosign.iter().map(|(tag, manifest)| CopiedReferrer {
            digest: manifest.digest.clone(),
            artifact_type: manifest.media_type.clone(),
            found: "tag",
            tag: Some(tag.clone()),
        }));
        copied
    }
}

impl Remote {
    /// The referrers of the source's digest, and cosign's tags for it.
    pub(super) async fn find_referrers(
        &self,
        client: &mut Client,
        job: &Job,
        manifest: &Manifest,
    ) -> Result<Found, ExpectedError> {
        let found = client
            .referrers(&job.source, &manifest.digest)
            .await
            .map_err(|e| registry_error(e, &[]))?;
        let mut cosign = Vec::new();
        if let Some(base) = fallback_tag(&manifest.digest) {
            for suffix in COSIGN_SUFFIXES {
                let tag = format!("{base}.{suffix}");
                if let Some(tagged) = client
                    .get_tagged(&job.source, &tag)
                    .await
                    .map_err(|e| registry_error(e, &[]))?
                {
                    cosign.push((tag, tagged));
                }
            }
        }
        Ok(Found {
            referrers: found.referrers,
            how: found.found,
            index: found.index,
            cosign,
        })
    }

    /// Copies what `find_referrers` found into every other target repository (with
    /// `--dry-run`, prints what would be copied).
    pub(super) async fn copy_referrers(
        &self,
        client: &mut Client,
        job: &Job,
        manifest: &Manifest,
        found: &Found,
        created: &[String],
        out: &mut dyn Write,
    ) -> Result<(), ExpectedError> {
        let subject = &manifest.digest;
        let how = match found.how {
            ReferrersFound::Api => "the referrers API",
            ReferrersFound::TagSchema => "the tag schema",
            _ => "neither the referrers API nor the tag schema",
        };
        say(
            out,
            self.verbose || self.dry_run,
            &format!(
                "Found {} referrer(s) of {} through {how}, and {} cosign tag(s)",
                found.referrers.len(),
                job.shown,
                found.cosign.len()
            ),
        )?;
        let error = |e| registry_error(e, created);
        for target in job.other_repositories() {
            let into = target.repository();
            for referrer in &found.referrers {
                let kind = referrer
                    .artifact_type
                    .as_deref()
                    .unwrap_or(&referrer.media_type);
                let line = format!("COPY referrer {} ({kind}) into {into}", referrer.digest);
                say(out, true, &line)?;
                if self.dry_run {
                    continue;
                }
                let from = job.source.with_digest(&referrer.digest);
                let referrer_manifest = client.get_manifest(&from).await.map_err(error)?;
                let to = target.reference.with_digest(&referrer.digest);
                self.copy_manifest(client, &from, &referrer_manifest, &to, created, out)
                    .await?;
            }
            for (tag, tagged) in &found.cosign {
                say(out, true, &format!("COPY tag {tag} into {into}"))?;
                if self.dry_run {
                    continue;
                }
                let (from, to) = (job.source.with_tag(tag), target.reference.with_tag(tag));
                self.copy_manifest(client, &from, tagged, &to, created, out)
                    .await?;
            }
            if found.referrers.is_empty() || self.dry_run {
                continue;
            }
            self.list_referrers(client, target, subject, found, created, out)
                .await?;
        }
        Ok(())
    }

    /// Copies `manifest` (read from `from`) with its blobs into `to`'s repository, as `to`.
    async fn copy_manifest(
        &self,
        client: &mut Client,
        from: &Reference,
        manifest: &Manifest,
        to: &Reference,
        created: &[String],
        out: &mut dyn Write,
    ) -> Result<(), ExpectedError> {
        let error = |e| registry_error(e, created);
        let transfers = client
            .ensure_blobs(from, manifest, to)
            .await
            .map_err(error)?;
        self.say_transfers(out, &to.name(), transfers)?;
        client.put_manifest(to, manifest).await.map_err(error)?;
        Ok(())
    }

    /// Makes the copied referrers findable in `target`'s repository: a registry with the
    /// referrers API lists them by their `subject`; for one without it, the tag schema index
    /// `sha256-<hex>` is written (the source's, byte for byte, when the target has none; else
    /// the union of both lists).
    async fn list_referrers(
        &self,
        client: &mut Client,
        target: &Target,
        subject: &str,
        found: &Found,
        created: &[String],
        out: &mut dyn Write,
    ) -> Result<(), ExpectedError> {
        let error = |e| registry_error(e, created);
        let existing = client
            .referrers(&target.reference, subject)
            .await
            .map_err(error)?;
        if existing.found == ReferrersFound::Api {
            return Ok(());
        }
        let Some(tag) = fallback_tag(subject) else {
            return Ok(());
        };
        let missing: Vec<Referrer> = found
            .referrers
            .iter()
            .filter(|r| !existing.referrers.iter().any(|e| e.digest == r.digest))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let index = match (&existing.index, &found.index) {
            (None, Some(source_index)) => source_index.clone(),
            _ => {
                let mut all = existing.referrers.clone();
                all.extend(missing);
                referrers_index(&all)
            }
        };
        say(
            out,
            self.verbose,
            &format!(
                "PUT manifest {}:{tag} (the referrers tag schema index)",
                target.repository()
            ),
        )?;
        client
            .put_manifest(&target.reference.with_tag(&tag), &index)
            .await
            .map_err(error)?;
        Ok(())
    }
}
