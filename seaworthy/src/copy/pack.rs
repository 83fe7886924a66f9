//! A [`CopyFile`] as the tar archive the engine's `PUT /containers/{id}/archive` extracts at `/`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::{CopyError, CopyFile, Source};

/// The archive of `file`, its entries named by their path under `/` (the target without its
/// leading `/`). Blocking: it reads the host's files.
pub(crate) fn pack(file: &CopyFile, container: &str) -> Result<Vec<u8>, CopyError> {
    file.check(container)?;
    let name = file.target.trim_start_matches('/').trim_end_matches('/');
    let owner = file.owner.unwrap_or((0, 0));
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    let io = |path: &Path, source: std::io::Error| CopyError::MissingSource {
        container: container.to_string(),
        path: path.to_path_buf(),
        source,
    };
    match &file.source {
        Source::Bytes(bytes) => {
            let mut header = header(tar::EntryType::Regular, file.mode.unwrap_or(0o644), owner);
            header.set_size(bytes.len() as u64);
            header.set_mtime(now());
            builder
                .append_data(&mut header, name, bytes.as_slice())
                .map_err(|e| io(Path::new(name), e))?;
        }
        Source::Path(path) => {
            // The top path is followed when it is a link: the user named what it points to.
            let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
            let mut pending = vec![(path.clone(), name.to_string(), meta, true)];
            while let Some((host, name, meta, top)) = pending.pop() {
                let own_mode = meta.permissions().mode() & 0o7777;
                let mode = if top {
                    file.mode.unwrap_or(own_mode)
                } else {
                    own_mode
                };
                let kind = meta.file_type();
                if kind.is_symlink() {
                    let link = std::fs::read_link(&host).map_err(|e| io(&host, e))?;
                    let mut h = header(tar::EntryType::Symlink, 0o777, owner);
                    h.set_mtime(meta.mtime().max(0) as u64);
                    builder
                        .append_link(&mut h, &name, &link)
                        .map_err(|e| io(&host, e))?;
                } else if kind.is_dir() {
                    let mut h = header(tar::EntryType::Directory, mode, owner);
                    h.set_mtime(meta.mtime().max(0) as u64);
                    builder
                        .append_data(&mut h, &name, std::io::empty())
                        .map_err(|e| io(&host, e))?;
                    let mut children = Vec::new();
                    for entry in std::fs::read_dir(&host).map_err(|e| io(&host, e))? {
                        let entry = entry.map_err(|e| io(&host, e))?;
                        let meta = std::fs::symlink_metadata(entry.path())
                            .map_err(|e| io(&entry.path(), e))?;
                        let child = format!("{name}/{}", entry.file_name().to_string_lossy());
                        children.push((entry.path(), child, meta, false));
                    }
                    // Popped in name order, so archives are reproducible.
                    children.sort_by(|a, b| b.1.cmp(&a.1));
                    pending.extend(children);
                } else if kind.is_file() {
                    let mut h = header(tar::EntryType::Regular, mode, owner);
                    h.set_size(meta.len());
                    h.set_mtime(meta.mtime().max(0) as u64);
                    let f = std::fs::File::open(&host).map_err(|e| io(&host, e))?;
                    builder
                        .append_data(&mut h, &name, f)
                        .map_err(|e| io(&host, e))?;
                } else {
                    return Err(CopyError::Unsupported {
                        container: container.to_string(),
                        path: host,
                        kind: kind_name(&kind),
                    });
                }
            }
        }
    }
    builder
        .into_inner()
        .map_err(|e| io(Path::new(&file.target), e))
}

fn header(kind: tar::EntryType, mode: u32, (uid, gid): (u32, u32)) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(uid.into());
    h.set_gid(gid.into());
    h.set_size(0);
    h
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn kind_name(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_socket() {
        "socket"
    } else if kind.is_fifo() {
        "FIFO"
    } else if kind.is_block_device() || kind.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod should {
    use super::*;

    fn entries(archive: &[u8]) -> Vec<(String, tar::EntryType, u32, u64, String)> {
        let mut a = tar::Archive::new(archive);
        a.entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                let link = e
                    .link_name()
                    .unwrap()
                    .map(|l| l.display().to_string())
                    .unwrap_or_default();
                (
                    e.path().unwrap().display().to_string(),
                    h.entry_type(),
                    h.mode().unwrap(),
                    h.uid().unwrap(),
                    link,
                )
            })
            .collect()
    }

    #[test]
    fn pack_bytes_under_their_full_path_with_mode_and_owner() {
        let a = pack(
            &CopyFile::from_bytes("hi", "/etc/app/x.conf")
                .mode(0o600)
                .owner(7, 8),
            "web",
        )
        .unwrap();
        assert_eq!(
            entries(&a),
            vec![(
                "etc/app/x.conf".to_string(),
                tar::EntryType::Regular,
                0o600,
                7,
                String::new()
            )]
        );
    }

    #[test]
    fn pack_a_directory_with_its_modes_and_links_in_name_order() {
        let dir = std::env::temp_dir().join(format!("seaworthy-pack-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(dir.join("run.sh"), std::fs::Permissions::from_mode(0o750))
            .unwrap();
        std::fs::set_permissions(dir.join("sub"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.join("sub/data"), "d").unwrap();
        std::fs::set_permissions(dir.join("sub/data"), std::fs::Permissions::from_mode(0o640))
            .unwrap();
        std::os::unix::fs::symlink("run.sh", dir.join("link")).unwrap();
        let a = pack(&CopyFile::from_path(&dir, "/opt/app/").mode(0o700), "web").unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let got: Vec<_> = entries(&a)
            .into_iter()
            .map(|(p, k, m, _, l)| (p, k, m, l))
            .collect();
        use tar::EntryType::{Directory, Regular, Symlink};
        assert_eq!(
            got,
            vec![
                ("opt/app".into(), Directory, 0o700, String::new()),
                ("opt/app/link".into(), Symlink, 0o777, "run.sh".into()),
                ("opt/app/run.sh".into(), Regular, 0o750, String::new()),
                ("opt/app/sub".into(), Directory, 0o755, String::new()),
                ("opt/app/sub/data".into(), Regular, 0o640, String::new()),
            ]
        );
    }
}
