//! The archive of a container's path (`GET /containers/{id}/archive`) written to the host, or
//! read into memory.

use std::path::{Component, Path, PathBuf};

use super::CopyError;

/// Writes the archive's entries to `host`: its top entry (the container path's last component)
/// becomes `host` itself, everything under it goes under `host`. Modes and symbolic links are
/// kept; ownership is not (the test process is rarely root). Blocking.
pub(crate) fn to_host(
    archive: &[u8],
    host: &Path,
    container: &str,
    path: &str,
) -> Result<(), CopyError> {
    let broken = |reason: String| CopyError::Archive {
        container: container.to_string(),
        path: path.to_string(),
        reason,
    };
    let host_error = |source| CopyError::Host {
        container: container.to_string(),
        path: path.to_string(),
        host: host.to_path_buf(),
        source,
    };
    let mut a = tar::Archive::new(archive);
    a.set_preserve_permissions(true);
    a.set_preserve_mtime(true);
    let mut dirs = Vec::new();
    for entry in a.entries().map_err(|e| broken(e.to_string()))? {
        let mut entry = entry.map_err(|e| broken(e.to_string()))?;
        let name = entry
            .path()
            .map_err(|e| broken(e.to_string()))?
            .into_owned();
        let dest = under(host, &name).ok_or_else(|| {
            broken(format!(
                "entry `{}` is outside the copied path",
                name.display()
            ))
        })?;
        let is_dir = entry.header().entry_type().is_dir();
        if is_dir {
            // Created writable; its own mode is set once everything under it is written.
            std::fs::create_dir_all(&dest).map_err(host_error)?;
            dirs.push((dest, entry.header().mode().unwrap_or(0o755)));
            continue;
        }
        if dest.symlink_metadata().is_ok() {
            std::fs::remove_file(&dest).map_err(host_error)?;
        }
        entry.unpack(&dest).map_err(host_error)?;
    }
    use std::os::unix::fs::PermissionsExt;
    for (dir, mode) in dirs.into_iter().rev() {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode & 0o7777))
            .map_err(host_error)?;
    }
    Ok(())
}

/// `host` joined with `name` minus its first component; `None` for an entry that climbs out.
fn under(host: &Path, name: &Path) -> Option<PathBuf> {
    let mut out = host.to_path_buf();
    for c in name.components().skip(1) {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The content of the archive's single regular file, or what its top entry is instead.
pub(crate) fn file_content(
    archive: &[u8],
    container: &str,
    path: &str,
) -> Result<Vec<u8>, CopyError> {
    let broken = |reason: String| CopyError::Archive {
        container: container.to_string(),
        path: path.to_string(),
        reason,
    };
    let mut a = tar::Archive::new(archive);
    let mut entries = a.entries().map_err(|e| broken(e.to_string()))?;
    let mut entry = entries
        .next()
        .ok_or_else(|| broken("the archive is empty".to_string()))?
        .map_err(|e| broken(e.to_string()))?;
    let kind = match entry.header().entry_type() {
        tar::EntryType::Regular | tar::EntryType::Continuous => None,
        tar::EntryType::Directory => Some("directory"),
        tar::EntryType::Symlink => Some("symbolic link"),
        _ => Some("special file"),
    };
    if let Some(kind) = kind {
        return Err(CopyError::NotAFile {
            container: container.to_string(),
            path: path.to_string(),
            kind,
        });
    }
    let mut content = Vec::with_capacity(entry.size() as usize);
    std::io::Read::read_to_end(&mut entry, &mut content).map_err(|e| broken(e.to_string()))?;
    Ok(content)
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn map_the_top_entry_onto_the_host_path_and_refuse_climbing_out() {
        let host = Path::new("/tmp/out");
        assert_eq!(under(host, Path::new("app")), Some(host.to_path_buf()));
        assert_eq!(
            under(host, Path::new("app/sub/f")),
            Some(host.join("sub/f"))
        );
        assert_eq!(under(host, Path::new("app/../../etc/passwd")), None);
    }
}
