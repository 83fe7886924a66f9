//! The errors dcd reports to its user, and the exit code of each.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use thiserror::Error;

/// The exit codes of `dcd`.
///
/// They are 0.3.0's, so scripts written for it keep working: argparse's 2 for usage errors,
/// and 1 for everything that went wrong after parsing (0.3.0 died there with a traceback and
/// exit status 1). The exit status of a failed docker command is named in the error message
/// instead of being passed on, so it can never be mistaken for dcd's usage error.
pub mod exit_codes {
    /// Every command ran (or was printed, with `--dry-run`), or `--help` was shown.
    pub const SUCCESS: i32 = 0;
    /// The input cannot be planned (a bad image reference, version, tag or registry), a docker
    /// command failed or could not be started, or dcd could not write its own output.
    pub const FAILURE: i32 = 1;
    /// The command line is malformed (argparse's usage errors).
    pub const USAGE: i32 = 2;
}

/// Everything that stops dcd because of its input or its environment. Bugs panic instead.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ExpectedError {
    /// The command line is malformed; shown as argparse shows it: the usage block, then
    /// `PROG: error: MESSAGE`.
    #[error("{message}")]
    Usage {
        /// The `usage: …` block, ending in a newline.
        usage: String,
        /// The program name, from `argv[0]`.
        prog: String,
        /// argparse's message, for example `the following arguments are required: image`.
        message: String,
    },
    /// The tags cannot be planned; nothing has run yet.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A docker command exited unsuccessfully; later commands did not run.
    #[error("command `{command}` {status}")]
    CommandFailed {
        /// The command line, as `--dry-run` would print it.
        command: String,
        /// How it ended, for example `exited with status 3`.
        status: String,
    },
    /// The docker executable does not exist.
    #[error("could not run `{command}`: executable `{executable}` was not found")]
    ExecutableNotFound {
        /// The command line, as `--dry-run` would print it.
        command: String,
        /// The `--executable` value.
        executable: String,
    },
    /// A docker command could not be started for another reason.
    #[error("could not run `{command}`: {reason}")]
    Spawn {
        /// The command line, as `--dry-run` would print it.
        command: String,
        /// The operating system's reason.
        reason: io::Error,
    },
    /// `--git-tag-version` found no tag to take the version from.
    #[error("{0}")]
    CiVersion(String),
    /// A registry operation failed (`--in-registry`); tags created before it are listed.
    #[error("{message}{}", created_suffix(created))]
    Registry {
        /// The registry's error, one line.
        message: String,
        /// The tags already created (with their digest) when it failed.
        created: Vec<String>,
    },
    /// An exact version tag already points at another digest, and `--force` was not given;
    /// nothing was written.
    #[error(
        "{target} already exists with digest {existing}, not {digest} of {image}: a version tag is not overwritten (hint: pass --force to overwrite it)"
    )]
    Overwrite {
        /// The exact version tag.
        target: String,
        /// The digest it has.
        existing: String,
        /// The image argument.
        image: String,
        /// The image argument's digest.
        digest: String,
    },
    /// CLI mode: an exact version tag exists in the registry with a digest the local image is
    /// not known to have, and `--force` was not given; nothing has run.
    #[error(
        "{target} already exists with digest {existing}, which the local image {image} does not have (its RepoDigests): a version tag is not overwritten (hint: pass --force to overwrite it)"
    )]
    OverwriteLocal {
        /// The exact version tag.
        target: String,
        /// The digest it has in the registry.
        existing: String,
        /// The image argument.
        image: String,
    },
    /// `--only-forward` needs a version it can order.
    #[error(
        "--only-forward: version `{version}` is not a semantic version (MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD])"
    )]
    NotSemver {
        /// The version.
        version: String,
    },
    /// An environment variable has a value dcd cannot use.
    #[error("environment variable {name}={value:?} is invalid: {accepted}")]
    Environment {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What it accepts.
        accepted: &'static str,
    },
    /// The metadata file or `$GITHUB_OUTPUT` could not be written.
    #[error("could not write {path}: {reason}")]
    Metadata {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: io::Error,
    },
    /// dcd's own output could not be written (for example, stdout was closed).
    #[error("could not write to {stream}: {reason}")]
    Output {
        /// `stdout` or `stderr`.
        stream: &'static str,
        /// The operating system's reason.
        reason: io::Error,
    },
}

impl ExpectedError {
    /// The exit code for this error, one of [`exit_codes`].
    pub fn process_exit_code(&self) -> i32 {
        match self {
            Self::Usage { .. } => exit_codes::USAGE,
            Self::Plan(_)
            | Self::CiVersion(_)
            | Self::Registry { .. }
            | Self::Overwrite { .. }
            | Self::OverwriteLocal { .. }
            | Self::NotSemver { .. }
            | Self::Environment { .. }
            | Self::Metadata { .. }
            | Self::CommandFailed { .. }
            | Self::ExecutableNotFound { .. }
            | Self::Spawn { .. }
            | Self::Output { .. } => exit_codes::FAILURE,
        }
    }

    /// Writes the error to stderr: usage errors exactly as argparse does, everything else as
    /// one `error: …` line (the prefix in red on a terminal, unless `NO_COLOR` is set).
    pub fn display_to_stderr(&self) {
        let stderr = io::stderr();
        let colour = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
        // Nothing sensible is left to do if stderr itself cannot be written.
        let _ = self.write_to(&mut stderr.lock(), colour);
    }

    /// Writes the error as [`display_to_stderr`](Self::display_to_stderr) does.
    pub(crate) fn write_to(&self, out: &mut dyn Write, colour: bool) -> io::Result<()> {
        if let Self::Usage {
            usage,
            prog,
            message,
        } = self
        {
            return writeln!(out, "{usage}{prog}: error: {message}");
        }
        let prefix = if colour {
            "\x1b[1;31merror:\x1b[0m"
        } else {
            "error:"
        };
        writeln!(out, "{prefix} {self}")?;
        // None of dcd's errors has a source today (each message is one complete line, as the
        // issue asks), but a future one that does gets its causes listed under it.
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            writeln!(out, "  caused by: {cause}")?;
            source = cause.source();
        }
        out.flush()
    }
}

/// How a run of dcd ends, the same for both of its binaries (`dcd` and `docker-ci-deploy`):
/// success, or the error written to stderr and its [exit code](ExpectedError::process_exit_code).
pub fn exit_status(result: Result<(), ExpectedError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            error.display_to_stderr();
            ExitCode::from(u8::try_from(error.process_exit_code()).unwrap_or(1))
        }
    }
}

/// `` (tags already created: A, B)`` after a registry error, or nothing.
fn created_suffix(created: &[String]) -> String {
    if created.is_empty() {
        String::new()
    } else {
        format!(" (tags already created: {})", created.join(", "))
    }
}

/// Why the tags for an invocation cannot be planned. Found before any docker command runs.
///
/// The first three messages keep 0.3.0's wording (it raised them as `ValueError`), so a script
/// that looked for them still finds them.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanError {
    /// An image argument is not a Docker reference.
    #[error("Unable to parse image tag '{image}'")]
    UnparsableImage {
        /// The argument as given.
        image: String,
    },
    /// A name could not be split into registry and path (unreachable from the command line).
    #[error("Unable to parse image name '{name}'")]
    UnparsableName {
        /// The name.
        name: String,
    },
    /// `--semver-precision` asks for more parts than the version has.
    #[error(
        "The minimum precision ({precision}) is greater than the precision of version '{version}' ({parts})"
    )]
    PrecisionTooHigh {
        /// The `--semver-precision` value.
        precision: i128,
        /// The `--version` value.
        version: String,
        /// How many versions `--version-semver` makes of it.
        parts: usize,
    },
    /// `--version-semver` cannot cut this version into shorter versions (0.3.0 looped forever).
    #[error(
        "cannot expand version `{version}` with --version-semver: `{stuck}` does not end in a letter, digit or `_`"
    )]
    UnexpandableVersion {
        /// The `--version` value.
        version: String,
        /// What was left of it when no further part could be cut off.
        stuck: String,
    },
    /// A generated tag is not one Docker accepts.
    #[error(
        "tag `{tag}` for `{image}` is not a valid Docker tag: 1 to 128 ASCII letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
    )]
    InvalidTag {
        /// The image argument the tag was made for.
        image: String,
        /// The tag.
        tag: String,
    },
    /// A generated repository name is not one Docker accepts (usually a bad `--registry`).
    #[error("repository name `{name}` made for `{image}` is not a valid Docker repository name (check --registry)")]
    InvalidName {
        /// The image argument the name was made for.
        image: String,
        /// The name.
        name: String,
    },
    /// A repository name is longer than Docker allows.
    #[error("repository name `{name}` in `{reference}` is longer than Docker's 255 characters")]
    NameTooLong {
        /// The whole reference.
        reference: String,
        /// Its name part.
        name: String,
    },
    /// A source reference pins a digest Docker cannot verify.
    #[error(
        "unsupported digest `{digest}` in `{image}`: Docker accepts sha256, sha384 or sha512 with 64, 96 or 128 lower-case hex digits"
    )]
    UnsupportedDigest {
        /// The image argument.
        image: String,
        /// Its digest.
        digest: String,
    },
}
