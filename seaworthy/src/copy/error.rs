//! What can go wrong copying files into and out of containers.

use std::path::PathBuf;

/// A copy into or out of a container failed (wrapped by `Error::Copy`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// The host file or directory to copy does not exist (or cannot be read); nothing was
    /// created.
    #[error(
        "cannot copy `{}` into container `{container}`: {source}\n\
         (hint: check the path; relative paths are resolved from the test's working directory)",
        .path.display()
    )]
    MissingSource {
        /// The container it was for (its definition's name, or its Docker name).
        container: String,
        /// The host path.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },

    /// The target path or the mode cannot be used.
    #[error(
        "cannot copy to `{target}` in container `{container}`: {reason}\n\
         (hint: give the full path in the container, such as `/etc/app.conf`)"
    )]
    BadTarget {
        /// The container.
        container: String,
        /// The target path as given.
        target: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A host entry of a kind that cannot be copied (a socket, a device, a FIFO).
    #[error(
        "cannot copy `{}` into container `{container}`: it is a {kind}, not a file, directory or \
         symbolic link\n(hint: copy the files around it one by one)",
        .path.display()
    )]
    Unsupported {
        /// The container.
        container: String,
        /// The host path.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },

    /// The path does not exist in the container.
    #[error(
        "`{path}` does not exist in container `{container}`\n\
         (hint: list the directory with `exec([\"ls\", \"-la\", …])` to see what is there)"
    )]
    NotFound {
        /// The container's Docker name.
        container: String,
        /// The path in the container.
        path: String,
    },

    /// The path exists in the container but is not a regular file (for an in-memory copy).
    #[error(
        "`{path}` in container `{container}` is a {kind}, not a regular file\n\
         (hint: copy a directory to the host with `copy_from`)"
    )]
    NotAFile {
        /// The container's Docker name.
        container: String,
        /// The path in the container.
        path: String,
        /// What it is.
        kind: &'static str,
    },

    /// Reading or writing the host side failed.
    #[error("cannot copy `{path}` of container `{container}` to `{}`: {source}", .host.display())]
    Host {
        /// The container's Docker name.
        container: String,
        /// The path in the container.
        path: String,
        /// The host path.
        host: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// The archive the engine sent could not be read, or holds an entry outside the path.
    #[error("cannot read the archive of `{path}` from container `{container}`: {reason}")]
    Archive {
        /// The container's Docker name.
        container: String,
        /// The path in the container.
        path: String,
        /// What was wrong.
        reason: String,
    },
}
