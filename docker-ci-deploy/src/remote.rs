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

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use seaworthy_registry::{Client, ClientOptions, DockerConfig, Reference, Transfer};

use crate::errors::ExpectedError;

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
}

/// One target of an image: how it is shown, and the reference (always with a tag).
struct Target {
    shown: String,
    reference: Reference,
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
    fn new(image: &str, targets: &[String]) -> Result<Self, ExpectedError> {
        let source = Reference::parse(image).map_err(|e| registry_error(e, &[]))?;
        let targets = targets
            .iter()
            .map(|target| {
                let parsed = Reference::parse(target).map_err(|e| registry_error(e, &[]))?;
                Ok(match parsed.tag() {
                    Some(_) => Target {
                        shown: target.clone(),
                        reference: parsed,
                    },
                    None => Target {
                        shown: format!("{target}:latest"),
                        reference: parsed.with_tag("latest"),
                    },
                })
            })
            .collect::<Result<_, ExpectedError>>()?;
        Ok(Self {
            shown: image.to_owned(),
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

    /// The targets in other repositories, each repository once, with the operation line.
    fn blob_operations(&self) -> Vec<(&Target, String)> {
        let mut seen = HashSet::new();
        self.targets
            .iter()
            .filter(|t| !t.reference.same_repository(&self.source))
            .filter(|t| seen.insert(t.reference.name()))
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

impl Remote {
    /// Creates (or, with `--dry-run`, prints) every target of every image, in order.
    pub(crate) fn run(
        &self,
        tag_map: &[(String, Vec<String>)],
        out: &mut dyn Write,
    ) -> Result<(), ExpectedError> {
        let jobs = tag_map
            .iter()
            .map(|(image, targets)| Job::new(image, targets))
            .collect::<Result<Vec<_>, _>>()?;
        if self.dry_run {
            for job in &jobs {
                self.print_dry_run(job, out).map_err(stdout_error)?;
            }
            return out.flush().map_err(stdout_error);
        }
        let config = DockerConfig::load().map_err(|e| registry_error(e, &[]))?;
        let options = ClientOptions {
            certs_dir: std::env::var_os(CERTS_DIR_VARIABLE)
                .filter(|dir| !dir.is_empty())
                .map_or_else(|| ClientOptions::default().certs_dir, PathBuf::from),
            user_agent: concat!("dcd/", env!("CARGO_PKG_VERSION")).to_owned(),
        };
        let mut client = Client::new(options, config);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| registry_error(format!("cannot start the HTTP runtime: {e}"), &[]))?;
        let mut created = Vec::new();
        for job in &jobs {
            runtime.block_on(self.run_job(&mut client, job, &mut created, out))?;
        }
        out.flush().map_err(stdout_error)
    }

    fn print_dry_run(&self, job: &Job, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "GET manifest {}", job.shown)?;
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
        created: &mut Vec<String>,
        out: &mut dyn Write,
    ) -> Result<(), ExpectedError> {
        let say = |out: &mut dyn Write, line: &str| -> Result<(), ExpectedError> {
            if self.verbose {
                writeln!(out, "{line}")
                    .and_then(|()| out.flush())
                    .map_err(stdout_error)?;
            }
            Ok(())
        };
        say(out, &format!("GET manifest {}", job.shown))?;
        let manifest = client
            .get_manifest(&job.source)
            .await
            .map_err(|e| registry_error(e, created))?;
        for (target, line) in job.blob_operations() {
            say(out, &line)?;
            let transfers = client
                .ensure_blobs(&job.source, &manifest, &target.reference)
                .await
                .map_err(|e| registry_error(e, created))?;
            for transfer in transfers {
                let into = target.repository();
                let line = match transfer {
                    Transfer::Present { digest } => format!("{digest} is already in {into}"),
                    Transfer::Mounted { digest } => format!("Mounted blob {digest} into {into}"),
                    Transfer::Copied { digest, bytes } => {
                        format!("Copied blob {digest} ({bytes} bytes) into {into}")
                    }
                    Transfer::Manifest { digest } => {
                        format!("Copied manifest {digest} into {into}")
                    }
                    _ => continue,
                };
                say(out, &line)?;
            }
        }
        for target in &job.targets {
            if job.is_source(target) {
                say(out, &format!("Not tagging \"{}\" as itself", job.shown))?;
            } else {
                say(out, &format!("PUT manifest {}", target.shown))?;
                client
                    .put_manifest(&target.reference, &manifest)
                    .await
                    .map_err(|e| registry_error(e, created))?;
                created.push(target.shown.clone());
            }
            writeln!(out, "{} {}", target.shown, manifest.digest).map_err(stdout_error)?;
        }
        Ok(())
    }
}
