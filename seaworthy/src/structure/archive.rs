//! Reading a container's filesystem through the engine's archive API (`GET
//! /containers/{id}/archive`), streamed: a tar of a directory is parsed as it arrives, and the
//! transfer stops as soon as what was asked for has been read.

use std::io::Read;

use bytes::Bytes;
use futures_util::StreamExt;

use super::entry::{FileEntry, FileKind};
use crate::engine::retry::{self, Target};
use crate::error::ContainerError;

/// What to read of an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// The entry of the path itself, with its content when it is a regular file.
    One,
    /// Every entry of the tree, without contents.
    Tree,
}

/// An entry and, for [`Want::One`] and a regular file, its content.
pub(crate) type Read1 = (FileEntry, Option<Vec<u8>>);

/// Reads `path` of container `id`: `None` when the path does not exist.
pub(crate) async fn read(
    docker: bollard::Docker,
    target: Target,
    id: String,
    path: String,
    want: Want,
) -> crate::Result<Option<Vec<Read1>>> {
    let options = bollard::query_parameters::DownloadFromContainerOptionsBuilder::new()
        .path(&path)
        .build();
    let mut stream = Box::pin(docker.download_from_container(&id, Some(options)));
    let first = match stream.next().await {
        None => return Ok(Some(Vec::new())),
        Some(Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        })) => return Ok(None),
        Some(Err(e)) => {
            return Err(retry::fail_once(
                &target,
                format!("read `{path}` from container `{id}`"),
                e,
            ))
        }
        Some(Ok(b)) => b,
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    let base = parent_of(&path);
    let parser = tokio::task::spawn_blocking(move || {
        parse(
            ChannelReader {
                rx,
                buf: Bytes::new(),
            },
            &base,
            want,
        )
    });
    let mut failed = None;
    if tx.send(first).await.is_ok() {
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(b) => {
                    if tx.send(b).await.is_err() {
                        // The parser has what it wanted.
                        break;
                    }
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
    }
    drop(tx);
    let parsed = parser.await.map_err(|e| {
        crate::Error::from(ContainerError::InvalidDefinition {
            kind: "archive",
            name: path.clone(),
            reason: format!("the archive reader stopped: {e}"),
            hint: "report this as a bug of seaworthy",
        })
    })?;
    match (parsed, failed) {
        (Ok(entries), None) => Ok(Some(entries)),
        (Ok(entries), Some(_)) if want == Want::One && !entries.is_empty() => Ok(Some(entries)),
        (_, Some(e)) => Err(retry::fail_once(
            &target,
            format!("read `{path}` from container `{id}`"),
            e,
        )),
        (Err(e), None) => Err(crate::Error::from(ContainerError::InvalidDefinition {
            kind: "archive",
            name: path,
            reason: format!("the engine's archive could not be read: {e}"),
            hint: "check that the engine is Docker-compatible (`docker cp` works)",
        })),
    }
}

/// The directory a path's archive entries are relative to: `/etc/passwd` gives `/etc`.
fn parent_of(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => trimmed[..i].to_string(),
    }
}

/// The absolute path of an archive entry named `name`, relative to `base`.
fn absolute(base: &str, name: &str) -> String {
    let name = name.trim_end_matches('/');
    if name.starts_with('/') {
        return if name.is_empty() {
            "/".into()
        } else {
            name.to_string()
        };
    }
    let name = name.trim_start_matches("./");
    if name.is_empty() || name == "." {
        return base.to_string();
    }
    if base == "/" {
        format!("/{name}")
    } else {
        format!("{base}/{name}")
    }
}

fn parse(reader: ChannelReader, base: &str, want: Want) -> std::io::Result<Vec<Read1>> {
    let mut archive = tar::Archive::new(reader);
    let mut out = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let header = entry.header();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => FileKind::File,
            tar::EntryType::Directory => FileKind::Dir,
            tar::EntryType::Symlink => FileKind::Symlink,
            tar::EntryType::Link => FileKind::HardLink,
            tar::EntryType::Char => FileKind::CharDevice,
            tar::EntryType::Block => FileKind::BlockDevice,
            tar::EntryType::Fifo => FileKind::Fifo,
            _ => continue,
        };
        let link_target = entry
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned());
        let file = FileEntry {
            path: absolute(base, &name),
            kind,
            mode: header.mode()? & 0o7777,
            uid: header.uid()?,
            gid: header.gid()?,
            size: header.size()?,
            link_target,
        };
        if want == Want::One {
            let content = if kind == FileKind::File {
                let mut buf = Vec::new();
                entry.read_to_end(&mut buf)?;
                Some(buf)
            } else {
                None
            };
            out.push((file, content));
            return Ok(out);
        }
        out.push((file, None));
    }
    Ok(out)
}

/// A blocking reader over the chunks the async side forwards.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    buf: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.buf.is_empty() {
            match self.rx.blocking_recv() {
                Some(b) => self.buf = b,
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        self.buf = self.buf.slice(n..);
        Ok(n)
    }
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn place_archive_entries_where_they_are_in_the_image() {
        assert_eq!(parent_of("/etc/passwd"), "/etc");
        assert_eq!(parent_of("/etc/"), "/");
        assert_eq!(parent_of("/"), "/");
        assert_eq!(absolute("/etc", "passwd"), "/etc/passwd");
        assert_eq!(absolute("/", "etc/"), "/etc");
        assert_eq!(absolute("/", "etc/group"), "/etc/group");
        assert_eq!(absolute("/", "/bin/"), "/bin");
        assert_eq!(absolute("/", "/"), "/");
        assert_eq!(absolute("/bin", "sh"), "/bin/sh");
    }
}
