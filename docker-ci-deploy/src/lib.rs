//! # dcd: docker-ci-deploy in Rust
//!
//! `dcd` (also installed as `docker-ci-deploy`) tags a Docker image with every tag its version
//! implies and pushes them: after CI has built an image and its tests pass,
//!
//! ```text
//! dcd --version 1.2.3 --version-semver --version-latest --registry registry:5000 my-image
//! ```
//!
//! runs `docker tag` for `registry:5000/my-image:1.2.3`, `:1.2`, `:1` and `:latest`, then
//! `docker push` for each of them. `--dry-run` prints the docker commands instead.
//!
//! Its command line is that of the Python docker-ci-deploy 0.3.0: every well-formed 0.3.0
//! invocation gives byte-identical `--dry-run` output, `--verbose` lines, `DEPRECATED:` lines
//! and usage errors (exit status 2, nothing on stdout). Where 0.3.0 is broken, dcd does what
//! 0.3.0's README promises or stops with a one-line `error:` before any docker command runs:
//!
//! * `--tag` applies to every image (0.3.0 tagged only the first);
//! * a version `--version-semver` cannot cut into parts (`1.2.3+build.5`, `1.2.`, `1..2`) is an
//!   error (0.3.0 hung), as is a `--semver-precision` above the version's parts (0.3.0 printed
//!   a traceback);
//! * an image reference, generated tag or registry-prefixed name that Docker would reject is
//!   an error (0.3.0 passed it to docker, or printed a traceback);
//! * digest references (`name[:tag]@sha256:…`) are accepted as sources: the digest is the
//!   source of `docker tag`, and the targets are built from the name and tag (0.3.0 could not
//!   parse any digest).
//!
//! Each docker command's output streams through as it happens, and the first command that
//! fails stops the run with `error: command `…` exited with status N`.
//!
//! ## Registry mode and the CI version
//!
//! `--in-registry` creates the same tags in the registry itself, with the Registry HTTP API v2
//! (no docker CLI, no engine): each image argument is a reference already in a registry, its
//! manifest is copied byte for byte under every tag (blobs mounted or copied first for other
//! repositories), and every tag is printed with its digest. `--git-tag-version` takes the
//! version from the git tag being built (CI variables, else `git describe --exact-match
//! --tags`). Both are hidden from `--help` so 0.3.0's help and usage stay byte for byte; see
//! the crate's README.md, dcd's manual.
//!
//! ## Release pipelines
//!
//! Four more hidden options (see the README): `--only-forward` moves the floating tags
//! (`latest`, `1`, `1.2`) only to the highest release of their line, reading the target
//! repository's tags; `--force` lets registry mode overwrite an exact version tag that has
//! another digest (refused otherwise, before anything is written); `--metadata-file PATH`
//! writes what was pushed as JSON (`metadata.schema.json`), and under GitHub Actions the
//! `tags` and `digest` outputs go to `$GITHUB_OUTPUT`; `--with-referrers` copies the source
//! digest's OCI referrers and cosign tags along in registry mode. Registry calls and
//! `docker push` are retried on connection errors, `429` and `5xx`.
//!
//! ## Exit codes
//!
//! See [`exit_codes`]: 0 on success, 1 when the input cannot be planned or a docker command
//! fails, 2 for usage errors.
//!
//! ## Environment
//!
//! * `PATH` is searched for `--executable` (default `docker`).
//! * `NO_COLOR`: when set, the `error:` prefix is never coloured (it is coloured only when
//!   stderr is a terminal).
//! * Registry mode: `DOCKER_CONFIG` (credentials, as the docker CLI) and `DCD_CERTS_DIR` (the
//!   per-registry CA directory, default `/etc/docker/certs.d`).
//! * `--git-tag-version`: `GITHUB_REF`, `GITHUB_REF_TYPE`, `GITHUB_REF_NAME`, `GITHUB_ACTIONS`,
//!   `CI_COMMIT_TAG`, `GITLAB_CI`, `TRAVIS_TAG`, `TRAVIS`.
//! * `GITHUB_ACTIONS=true` with `GITHUB_OUTPUT`: the `tags` and `digest` outputs are appended
//!   to that file.
//! * Retries (registry calls and `docker push`): `DCD_RETRY_ATTEMPTS` (attempts per call, 1 or
//!   more, default 5; 1 turns retries off), `DCD_RETRY_DELAY_MS` (the first wait in
//!   milliseconds, doubling up to 30 s, default 1000), `DCD_RETRY_TIMEOUT` (seconds per call
//!   with all its attempts, default 120).
//!
//! The reference behaviour dcd follows is docker-ci-deploy 0.3.0's command line, pinned by
//! the tests in `tests/cli/compat.rs`; the user's manual is the crate's README.md.

mod ci_version;
mod cli;
mod errors;
mod forward;
mod metadata;
mod plan;
mod reference;
mod remote;
mod retry;
mod runner;
mod semver;
mod version;

use std::io::{self, Write};

pub use errors::{exit_codes, exit_status, ExpectedError, PlanError};

/// Runs dcd with the process's arguments: parses them, plans every tag, then prints
/// (`--dry-run`) or runs the docker commands.
///
/// `--help` and usage errors are handled as argparse handles them (help on stdout with
/// success; usage errors as [`ExpectedError::Usage`], which
/// [`ExpectedError::display_to_stderr`] prints in argparse's format).
pub fn main_impl() -> Result<(), ExpectedError> {
    let mut argv = std::env::args_os().map(|arg| arg.to_string_lossy().into_owned());
    let prog = cli::prog_name(argv.next().as_deref());
    let args: Vec<String> = argv.collect();
    run(
        &prog,
        &args,
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    )
}

/// Runs dcd for `args` (without the program name), writing dcd's own lines to `out` and
/// `err`. Docker commands inherit the process's stdout and stderr.
fn run(
    prog: &str,
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), ExpectedError> {
    let (deprecations, result) = match cli::parse(prog, args)? {
        cli::Parsed::Help(text) => {
            return out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|reason| ExpectedError::Output {
                    stream: "stdout",
                    reason,
                });
        }
        cli::Parsed::Run {
            deprecations,
            result,
        } => (deprecations, result),
    };
    for line in &deprecations {
        writeln!(err, "{line}").map_err(|reason| ExpectedError::Output {
            stream: "stderr",
            reason,
        })?;
    }
    let mut invocation = result?;
    if invocation.git_tag_version {
        invocation.settings.version = Some(
            ci_version::from_environment()
                .map_err(|error| ExpectedError::CiVersion(error.to_string()))?,
        );
    }
    let retry = retry::policy_from_env()?;
    let mut tag_map = plan::targets(&invocation.settings)?;
    let mut report = metadata::Report {
        mode: if invocation.in_registry {
            "registry"
        } else {
            "docker"
        },
        images: Vec::new(),
    };
    for image in &tag_map {
        report.image(&image.image);
    }
    let mut session: Option<remote::Session> = None;
    if invocation.only_forward {
        let text = invocation.settings.version.clone().unwrap_or_default();
        let version =
            semver::Version::parse(&text).ok_or(ExpectedError::NotSemver { version: text })?;
        let held = forward::hold_back(&mut tag_map, &version, |reference| {
            if session.is_none() {
                session = Some(
                    remote::Session::new(retry)
                        .map_err(|e| format!("{reference} stays: no registry client: {e}"))?,
                );
            }
            session.as_mut().expect("made above").tags(reference)
        });
        for held in held {
            writeln!(out, "{}", held.reason).map_err(|reason| ExpectedError::Output {
                stream: "stdout",
                reason,
            })?;
            report.image(&held.image).skipped.push(held);
        }
    }
    if invocation.in_registry {
        let remote = remote::Remote {
            dry_run: invocation.dry_run,
            verbose: invocation.verbose,
            force: invocation.force,
            with_referrers: invocation.with_referrers,
            dry_run_reads: invocation.only_forward || invocation.with_referrers,
        };
        remote.run(&tag_map, &mut session, retry, &mut report, out)?;
    } else {
        let runner = runner::Runner {
            executable: invocation.executable,
            dry_run: invocation.dry_run,
            verbose: invocation.verbose,
            retry,
        };
        // With --only-forward the registry is read anyway: an exact version tag already
        // there must be the local image's (its RepoDigests), unless --force.
        if invocation.only_forward && !invocation.force {
            if session.is_none() {
                session = Some(remote::Session::new(retry)?);
            }
            if let Some(session) = session.as_mut() {
                check_exact_tags(&tag_map, session, &runner)?;
            }
        }
        runner.run(&plan::steps(&tag_map), out)?;
        let github = std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true");
        if !invocation.dry_run && (invocation.metadata_file.is_some() || github) {
            for image in &tag_map {
                let entry = report.image(&image.image);
                for target in &image.targets {
                    let digest = runner.digest_of(&target.reference);
                    if entry.digest.is_none() {
                        entry.digest.clone_from(&digest);
                    }
                    entry.tags.push(metadata::Pushed {
                        reference: target.reference.clone(),
                        digest,
                    });
                }
            }
        }
    }
    if !invocation.dry_run {
        if let Some(path) = &invocation.metadata_file {
            report.write_file(path)?;
        }
        report.write_github_output()?;
    }
    Ok(())
}

/// CLI mode: refuses to push an exact version tag that the registry has with a digest the
/// local image does not have (a registry that cannot be asked is not checked: the tag list
/// already said so).
fn check_exact_tags(
    tag_map: &[plan::ImageTargets],
    session: &mut remote::Session,
    runner: &runner::Runner,
) -> Result<(), ExpectedError> {
    for image in tag_map {
        for target in &image.targets {
            if target.role != version::Role::Exact {
                continue;
            }
            let Ok(Some(existing)) = session.tag_digest(&target.reference) else {
                continue;
            };
            if !runner
                .repo_digests(&image.image, &target.reference)
                .contains(&existing)
            {
                return Err(ExpectedError::OverwriteLocal {
                    target: target.reference.clone(),
                    existing,
                    image: image.image.clone(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs dcd in-process; only for invocations that run no docker command.
    fn dcd(args: &[&str]) -> (Result<(), ExpectedError>, String, String) {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let result = run("dcd", &args, &mut out, &mut err);
        (
            result,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn deprecation_lines_come_before_the_check_error() {
        let (result, out, err) = dcd(&["--tag-latest", "img"]);
        let error = result.unwrap_err();
        assert_eq!(error.process_exit_code(), exit_codes::USAGE);
        assert_eq!(
            error.to_string(),
            "the --version-latest option requires --version"
        );
        assert_eq!(out, "");
        assert_eq!(
            err,
            "DEPRECATED: the --tag-latest option is deprecated and will be removed in the next release. Please use --version-latest instead\n"
        );
    }

    #[test]
    fn readme_example() {
        let (result, out, err) = dcd(&[
            "-V",
            "3.6.0",
            "-S",
            "-L",
            "-r",
            "registry:5000",
            "--dry-run",
            "alpine-python",
        ]);
        result.unwrap();
        assert_eq!(err, "");
        assert_eq!(
            out,
            "docker tag alpine-python registry:5000/alpine-python:3.6.0
docker tag alpine-python registry:5000/alpine-python:3.6
docker tag alpine-python registry:5000/alpine-python:3
docker tag alpine-python registry:5000/alpine-python:latest
docker push registry:5000/alpine-python:3.6.0
docker push registry:5000/alpine-python:3.6
docker push registry:5000/alpine-python:3
docker push registry:5000/alpine-python:latest
"
        );
    }

    #[test]
    fn plan_errors_print_nothing_on_stdout() {
        let (result, out, _) = dcd(&["--dry-run", "-V", "1.2.3", "-S", "-P", "4", "img"]);
        let error = result.unwrap_err();
        assert_eq!(error.process_exit_code(), exit_codes::FAILURE);
        assert_eq!(out, "");
        let mut rendered = Vec::new();
        error.write_to(&mut rendered, false).unwrap();
        assert_eq!(
            String::from_utf8(rendered).unwrap(),
            "error: The minimum precision (4) is greater than the precision of version '1.2.3' (3)\n"
        );
    }
}
