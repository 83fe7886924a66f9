//! Registry mode (`--in-registry`): every planned tag is created in the registry itself with
//! the Registry HTTP API v2, without the docker CLI or an engine.
//!
//! For each image argument (a reference already in a registry): `GET` its manifest once,
//! make sure every target repository other than the source's has its blobs (mounted on the
//! same registry, copied across registries; an index's child manifests too), then `PUT` the
//! manifest, byte for byte, under each target tag. Each tag's digest is printed as
//! `REFERENCE DIGEST`; it is the source's, checked against the registry's answer.
//!
//! `--dry-run` prints the operations without contacting any registry:
//!
//! ```text
//! GET manifest reg:5000/app:sha-abc
//! MOUNT blobs of reg:5000/app:sha-abc into reg:5000/other (copying any the registry does not mount)
//! COPY blobs of reg:5000/app:sha-abc into mirror:5000/app
//! PUT manifest reg:5000/app:1.2.3
//! ```
//!
//! `--verbose` prints the same lines as the operations happen, and what happened to each blob.
//!
//! Before anything is written, every exact version tag (`1.2.3`) that already exists is
//! checked: one with another digest stops the run unless `--force` is given. With
//! `--with-referrers`, the source digest's referrers (OCI referrers API, else the
//! `sha256-<hex>` tag schema) and cosign's `.sig`/`.att`/`.sbom` tags are copied byte for byte
//! into every other target repository, after the tags. With `--only-forward` or
//! `--with-referrers`, `--dry-run` reads the registry (it still writes nothing) to show those
//! decisions; otherwise it contacts no registry.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;

use seaworthy_registry::{
    Client, ClientOptions, DockerConfig, Manifest, Reference, RetryPolicy, Transfer,
};

use crate::errors::ExpectedError;
use crate::metadata::{Pushed, Report};
use crate::plan::ImageTargets;
use crate::version::Role;

mod referrers;

/// The environment variable naming the per-registry CA directory (default
/// `/etc/docker/certs.d`, as the docker CLI).
pub(crate) const CERTS_DIR_VARIABLE: &str = "DCD_CERTS_DIR";

/// How registry mode runs.
#[derive(Debug, Clone)]
pub(crate) struct Remote {
    /// Print the operations instead of doing them.
    pub(crate) dry_run: bool,
    /// Print each operation as it happens.
    pub(crate) verbose: bool,
    /// Overwrite exact version tags that have another digest.
    pub(crate) force: bool,
    /// Copy referrers and cosign tags too.
    pub(crate) with_referrers: bool,
    /// Whether a dry run reads the registry (to show `--only-forward`'s and
    /// `--with-referrers`' decisions).
    pub(crate) dry_run_reads: bool,
}

/// A registry client and the runtime it runs on, made when the first registry call is due.
pub(crate) struct Session {
    client: Client,
    runtime: tokio::runtime::Runtime,
    tags: HashMap<String, Vec<String>>,
}

impl Session {
    /// A client with the docker CLI's credentials and CA directory, retrying as `retry` says.
    pub(crate) fn new(retry: RetryPolicy) -> Result<Self, ExpectedError> {
        let config = DockerConfig::load().map_err(|e| registry_error(e, &[]))?;
        let options = ClientOptions {
            certs_dir: std::env::var_os(CERTS_DIR_VARIABLE)
                .filter(|dir| !dir.is_empty())
                .map_or_else(|| ClientOptions::default().certs_dir, PathBuf::from),
            user_agent: concat!("dcd/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| registry_error(format!("cannot start the HTTP runtime: {e}"), &[]))?;
        Ok(Self {
            client: Client::new(options, config),
            runtime,
            tags: HashMap::new(),
        })
    }

    /// The tags of the repository of `reference` (read once per repository).
    pub(crate) fn tags(&mut self, reference: &str) -> Result<Vec<String>, String> {
        let parsed = Reference::parse(reference).map_err(|e| e.to_string())?;
        let name = parsed.name();
        if let Some(tags) = self.tags.get(&name) {
            return Ok(tags.clone());
        }
        let tags = self
            .runtime
            .block_on(self.client.list_tags(&parsed))
            .map_err(|e| format!("{reference} stays: the tags of {name} cannot be read: {e}"))?;
        self.tags.insert(name, tags.clone());
        Ok(tags)
    }
}

impl Session {
    /// The digest `reference`'s tag points at in its registry, `None` when there is none.
    pub(crate) fn tag_digest(&mut self, reference: &str) -> Result<Option<String>, ExpectedError> {
        let parsed = Reference::parse(reference).map_err(|e| registry_error(e, &[]))?;
        let parsed = match parsed.tag() {
            Some(_) => parsed,
            None => parsed.with_tag("latest"),
        };
        self.runtime
            .block_on(self.client.tag_digest(&parsed))
            .map_err(|e| registry_error(e, &[]))
    }
}

/// One target of an image: how it is shown, the reference (always with a tag), its role.
struct Target {
    shown: String,
    reference: Reference,
    role: Role,
}

impl Target {
    /// The repository part of `shown`.
    fn repository(&self) -> &str {
        self.shown
            .rsplit_once(':')
            .map_or(self.shown.as_str(), |(name, _)| name)
    }
}

/// One image argument and its targets.
struct Job {
    shown: String,
    source: Reference,
    targets: Vec<Target>,
}

fn registry_error(error: impl std::fmt::Display, created: &[String]) -> ExpectedError {
    ExpectedError::Registry {
        message: error.to_string(),
        created: created.to_vec(),
    }
}

fn stdout_error(reason: std::io::Error) -> ExpectedError {
    ExpectedError::Output {
        stream: "stdout",
        reason,
    }
}

impl Job {
    fn new(image: &ImageTargets) -> Result<Self, ExpectedError> {
        let source = Reference::parse(&image.image).map_err(|e| registry_error(e, &[]))?;
        let targets = image
            .targets
            .iter()
            .map(|target| {
                let parsed =
                    Reference::parse(&target.reference).map_err(|e| registry_error(e, &[]))?;
                let role = target.role.clone();
                Ok(match parsed.tag() {
                    Some(_) => Target {
                        shown: target.reference.clone(),
                        reference: parsed,
                        role,
                    },
                    None => Target {
                        shown: format!("{}:latest", target.reference),
                        reference: parsed.with_tag("latest"),
                        role,
                    },
                })
            })
            .collect::<Result<_, ExpectedError>>()?;
        Ok(Self {
            shown: image.image.clone(),
            source,
            targets,
        })
    }

    /// Whether `target` is the source tag itself (nothing to write).
    fn is_source(&self, target: &Target) -> bool {
        self.source.digest().is_none()
            && target.reference.same_repository(&self.source)
            && target.reference.tag() == Some(self.source.reference())
    }

    /// The targets in other repositories, each repository once.
    fn other_repositories(&self) -> Vec<&Target> {
        let mut seen = HashSet::new();
        self.targets
            .iter()
            .filter(|t| !t.reference.same_repository(&self.source))
            .filter(|t| seen.insert(t.reference.name()))
            .collect()
    }

    /// The targets in other repositories, each repository once, with the operation line.
    fn blob_operations(&self) -> Vec<(&Target, String)> {
        self.other_repositories()
            .into_iter()
            .map(|t| {
                let line = if t.reference.domain() == self.source.domain() {
                    format!(
                        "MOUNT blobs of {} into {} (copying any the registry does not mount)",
                        self.shown,
                        t.repository()
                    )
                } else {
                    format!("COPY blobs of {} into {}", self.shown, t.repository())
                };
                (t, line)
            })
            .collect()
    }
}

/// `printf`-style helper: a line to `out` now, when `enabled`.
fn say(out: &mut dyn Write, enabled: bool, line: &str) -> Result<(), ExpectedError> {
    if enabled {
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(stdout_error)?;
    }
    Ok(())
}

impl Remote {
    /// Creates (or, with `--dry-run`, prints) every target of every image, in order, and
    /// records what was done in `report`.
    pub(crate) fn run(
        &self,
        tag_map: &[ImageTargets],
        session: &mut Option<Session>,
        retry: RetryPolicy,
        report: &mut Report,
        out: &mut dyn Write,
    ) -> Result<(), ExpectedError> {
        let jobs = tag_map
            .iter()
            .map(Job::new)
            .collect::<Result<Vec<_>, _>>()?;
        if self.dry_run && !self.dry_run_reads {
            for job in &jobs {
                self.print_dry_run(job, out).map_err(stdout_error)?;
            }
            return out.flush().map_err(stdout_error);
        }
        if session.is_none() {
            *session = Some(Session::new(retry)?);
        }
        let session = session.as_mut().expect("made above");
        let Session {
            client, runtime, ..
        } = session;
        // Every source is read, and every exact version tag checked, before anything is
        // written: a refused overwrite leaves the registry as it was.
        let mut manifests = Vec::new();
        for job in &jobs {
            say(
                out,
                self.verbose || self.dry_run,
                &format!("GET manifest {}", job.shown),
            )?;
            let manifest = runtime
                .block_on(client.get_manifest(&job.source))
                .map_err(|e| registry_error(e, &[]))?;
            for target in job.targets.iter().filter(|t| t.role == Role::Exact) {
                if job.is_source(target) {
                    continue;
                }
                let tag = target.reference.tag().unwrap_or("latest");
                let existing = runtime
                    .block_on(client.get_tagged(&target.reference, tag))
                    .map_err(|e| registry_error(e, &[]))?;
                match existing {
                    Some(existing) if existing.digest != manifest.digest => {
                        if !self.force {
                            return Err(ExpectedError::Overwrite {
                                target: target.shown.clone(),
                                existing: existing.digest,
                                image: job.shown.clone(),
                                digest: manifest.digest.clone(),
                            });
                        }
                        say(
                            out,
                            true,
                            &format!(
                                "Overwriting {} (was {}) as --force allows",
                                target.shown, existing.digest
                            ),
                        )?;
                    }
                    _ => {}
                }
            }
            let found = if self.with_referrers {
                Some(runtime.block_on(self.find_referrers(client, job, &manifest))?)
            } else {
                None
            };
            manifests.push((manifest, found));
        }
        let mut created = Vec::new();
        for (job, (manifest, found)) in jobs.iter().zip(&manifests) {
            let image = report.image(&job.shown);
            image.digest = Some(manifest.digest.clone());
            if self.dry_run {
                self.print_writes(job, out).map_err(stdout_error)?;
            } else {
                runtime.block_on(self.run_job(client, job, manifest, &mut created, out))?;
                image.tags.extend(job.targets.iter().map(|target| Pushed {
                    reference: target.shown.clone(),
                    digest: Some(manifest.digest.clone()),
                }));
            }
            if let Some(found) = found {
                image.referrers = found.report();
                runtime
                    .block_on(self.copy_referrers(client, job, manifest, found, &created, out))?;
            }
        }
        out.flush().map_err(stdout_error)
    }

    fn print_dry_run(&self, job: &Job, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "GET manifest {}", job.shown)?;
        self.print_writes(job, out)
    }

    /// The dry run's lines for what would be written for `job`.
    fn print_writes(&self, job: &Job, out: &mut dyn Write) -> std::io::Result<()> {
        for (_, line) in job.blob_operations() {
            writeln!(out, "{line}")?;
        }
        for target in &job.targets {
            if job.is_source(target) {
                if self.verbose {
                    writeln!(out, "Not tagging \"{}\" as itself", job.shown)?;
                }
            } else {
                writeln!(out, "PUT manifest {}", target.shown)?;
            }
        }
        Ok(())
    }

    async fn run_job(
        &self,
        client: &mut Client,
        job: &Job,
        manifest: &Manifest,
        created: &mut Vec<String>,
        out: &mut dyn Write,
    ) -> Result<(), ExpectedError> {
        for (target, line) in job.blob_operations() {
            say(out, self.verbose, &line)?;
            let transfers = client
                .ensure_blobs(&job.source, manifest, &target.reference)
                .await
                .map_err(|e| registry_error(e, created))?;
            self.say_transfers(out, target.repository(), transfers)?;
        }
        for target in &job.targets {
            if job.is_source(target) {
                say(
                    out,
                    self.verbose,
                    &format!("Not tagging \"{}\" as itself", job.shown),
                )?;
            } else {
                say(out, self.verbose, &format!("PUT manifest {}", target.shown))?;
                client
                    .put_manifest(&target.reference, manifest)
                    .await
                    .map_err(|e| registry_error(e, created))?;
                created.push(target.shown.clone());
            }
            writeln!(out, "{} {}", target.shown, manifest.digest).map_err(stdout_error)?;
        }
        Ok(())
    }

    fn say_transfers(
        &self,
        out: &mut dyn Write,
        into: &str,
        transfers: Vec<Transfer>,
    ) -> Result<(), ExpectedError> {
        for transfer in transfers {
            let line = match transfer {
                Transfer::Present { digest } => format!("{digest} is already in {into}"),
                Transfer::Mounted { digest } => format!("Mounted blob {digest} into {into}"),
                Transfer::Copied { digest, bytes } => {
                    format!("Copied blob {digest} ({bytes} bytes) into {into}")
                }
                Transfer::Manifest { digest } => format!("Copied manifest {digest} into {into}"),
                _ => continue,
            };
            say(out, self.verbose, &line)?;
        }
        Ok(())
    }
}
