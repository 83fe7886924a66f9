//! Files into and out of containers: [`CopyFile`] (a host file or directory, or bytes, with a
//! target path, a mode and an owner), sent through the engine's archive API before a container
//! starts or while it runs, and copies of a container's paths back to the host or into memory.

pub(crate) mod error;
mod handle;
mod pack;
mod unpack;

use std::path::PathBuf;
use std::sync::Arc;

pub use error::CopyError;

/// Where a [`CopyFile`]'s content comes from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// A host file or directory (a directory is copied with everything under it).
    Path(PathBuf),
    /// Bytes written as a regular file.
    Bytes(Arc<Vec<u8>>),
}

/// A file, a directory or bytes to copy to a path in a container, with its mode and owner.
///
/// Give it to [`ContainerDefinition::copy_to`](crate::ContainerDefinition::copy_to) to copy it
/// after the container is created and before it starts, or to
/// [`ContainerHandle::copy_to`](crate::ContainerHandle::copy_to) while the container runs.
/// Missing parent directories are created (mode 0755, owned by root).
///
/// ```
/// use seaworthy::CopyFile;
///
/// let conf = CopyFile::from_bytes("listen 8080\n", "/etc/app/app.conf").mode(0o600).owner(1000, 1000);
/// assert_eq!(conf.target(), "/etc/app/app.conf");
/// ```
#[derive(Debug, Clone)]
pub struct CopyFile {
    pub(crate) source: Source,
    pub(crate) target: String,
    pub(crate) mode: Option<u32>,
    pub(crate) owner: Option<(u32, u32)>,
}

impl CopyFile {
    /// The host file or directory `source`, copied to the absolute path `target` in the
    /// container (a directory with every file under it; symbolic links inside it are copied as
    /// links, each entry keeps its mode). A missing `source` fails before the container is
    /// created, with [`CopyError::MissingSource`].
    pub fn from_path(source: impl Into<PathBuf>, target: impl Into<String>) -> Self {
        CopyFile {
            source: Source::Path(source.into()),
            target: target.into(),
            mode: None,
            owner: None,
        }
    }

    /// `bytes` written as a regular file at the absolute path `target` (mode 0644 unless
    /// [`mode`](Self::mode) says otherwise).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>, target: impl Into<String>) -> Self {
        CopyFile {
            source: Source::Bytes(Arc::new(bytes.into())),
            target: target.into(),
            mode: None,
            owner: None,
        }
    }

    /// The permission bits (`0o640`, up to `0o7777`) of the file, or of the top directory when
    /// the source is a directory; the entries under it keep their own.
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }

    /// The numeric owner of every copied entry (default `0:0`, root).
    pub fn owner(mut self, uid: u32, gid: u32) -> Self {
        self.owner = Some((uid, gid));
        self
    }

    /// The path in the container.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Checks what can be checked without the engine: an absolute target that is not `/`, a
    /// mode within `0o7777`, a source that exists.
    pub(crate) fn check(&self, container: &str) -> Result<(), CopyError> {
        let bad_target = |reason: &str| CopyError::BadTarget {
            container: container.to_string(),
            target: self.target.clone(),
            reason: reason.to_string(),
        };
        if !self.target.starts_with('/') {
            return Err(bad_target("it must be an absolute path"));
        }
        if self.target.trim_end_matches('/').is_empty() {
            return Err(bad_target("it cannot be the root directory"));
        }
        if self.target.split('/').any(|c| c == "..") {
            return Err(bad_target("it cannot contain `..`"));
        }
        if let Some(mode) = self.mode.filter(|m| *m > 0o7777) {
            return Err(bad_target(&format!(
                "mode {mode:#o} has bits beyond 0o7777"
            )));
        }
        if let Source::Path(p) = &self.source {
            if let Err(source) = std::fs::metadata(p) {
                return Err(CopyError::MissingSource {
                    container: container.to_string(),
                    path: p.clone(),
                    source,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn refuse_relative_root_and_dotdot_targets_and_wide_modes() {
        let msg = |f: CopyFile| f.check("web").unwrap_err().to_string();
        assert_eq!(
            msg(CopyFile::from_bytes("x", "etc/x")),
            "cannot copy to `etc/x` in container `web`: it must be an absolute path\n\
             (hint: give the full path in the container, such as `/etc/app.conf`)"
        );
        assert!(msg(CopyFile::from_bytes("x", "/")).contains("the root directory"));
        assert!(msg(CopyFile::from_bytes("x", "/a/../b")).contains("`..`"));
        assert!(msg(CopyFile::from_bytes("x", "/a").mode(0o10000)).contains("0o10000"));
        CopyFile::from_bytes("x", "/a")
            .mode(0o4755)
            .check("web")
            .unwrap();
    }

    #[test]
    fn name_a_missing_source() {
        let e = CopyFile::from_path("/no/such/file", "/x")
            .check("web")
            .unwrap_err();
        assert!(matches!(e, CopyError::MissingSource { .. }));
        assert_eq!(
            e.to_string(),
            "cannot copy `/no/such/file` into container `web`: No such file or directory (os error 2)\n\
             (hint: check the path; relative paths are resolved from the test's working directory)"
        );
    }
}
