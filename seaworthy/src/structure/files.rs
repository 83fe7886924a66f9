//! [`ImageFiles`]: an image's filesystem, read from a container that is never started.

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::CreateContainerOptionsBuilder;

use super::archive::{self, Want};
use super::entry::{FileEntry, FileKind};
use super::error::{Failure, StructureError};
use super::image::ImageStructure;
use crate::engine::retry;
use crate::helper::{DockerHelper, ResourceKind};
use crate::runtime;

/// An image's filesystem: a container created from the image and **never started**, whose
/// files are read through the engine's archive API. Works on images without a shell.
///
/// Docker adds a few files to every container it creates (`/.dockerenv`, empty
/// `/etc/hostname`, `/etc/hosts` and `/etc/resolv.conf`, the `/proc`, `/sys` and `/dev` mount
/// points): those are what a container of the image sees, too.
///
/// Close it with [`close`](Self::close); one that is dropped unclosed is removed in the
/// background, and the helper's teardown removes it at the latest.
///
/// A running container's filesystem is read the same way, with
/// [`ContainerHandle::files`](crate::ContainerHandle::files): then nothing is created, and
/// closing it leaves the container alone.
///
/// ```no_run
/// # async fn demo(image: seaworthy::structure::ImageStructure) -> Result<(), seaworthy::structure::StructureError> {
/// use seaworthy::structure::{FileCheck, FileKind};
///
/// let files = image.files().await?;
/// let busybox = files.stat("/bin/busybox").await?.expect("busybox is there");
/// assert_eq!(busybox.kind, FileKind::File);
/// assert!(files.read_to_string("/etc/passwd").await?.contains("app:x:1000"));
/// files.check(&FileCheck::new("/bin/sh").symlink_to("/bin/busybox")).await?;
/// files.close().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ImageFiles {
    helper: DockerHelper,
    image: String,
    id: String,
    name: String,
    closed: bool,
    /// Created for this view (removed on close), rather than a running container's.
    owned: bool,
}

/// How many symlinks a read follows before it gives up (Linux's limit).
const MAX_LINKS: usize = 40;

impl ImageFiles {
    pub(crate) async fn open(
        helper: &DockerHelper,
        image: &str,
        image_id: &str,
    ) -> Result<ImageFiles, StructureError> {
        helper.before_create().await;
        let name = helper.resource_name("structure-files");
        let body = ContainerCreateBody {
            image: Some(image_id.to_string()),
            // Never run; a create needs a command, and scratch images have none.
            cmd: Some(vec!["seaworthy-never-started".to_string()]),
            entrypoint: Some(vec![String::new()]),
            labels: Some(helper.labels("structure-files")),
            network_disabled: Some(true),
            ..Default::default()
        };
        let id = create(helper, &name, body)
            .await
            .map_err(|e| StructureError::engine(image, e))?;
        Ok(ImageFiles {
            helper: helper.clone(),
            image: image.to_string(),
            id,
            name,
            closed: false,
            owned: true,
        })
    }

    /// A view of a container that exists already (a running one): closing it removes nothing.
    pub(crate) fn of_container(
        helper: &DockerHelper,
        image: &str,
        id: &str,
        name: &str,
    ) -> ImageFiles {
        ImageFiles {
            helper: helper.clone(),
            image: image.to_string(),
            id: id.to_string(),
            name: name.to_string(),
            closed: false,
            owned: false,
        }
    }

    /// The image.
    pub fn image(&self) -> &str {
        &self.image
    }

    /// The Docker name of the (never started) container.
    pub fn container_name(&self) -> &str {
        &self.name
    }

    async fn read(
        &self,
        path: &str,
        want: Want,
    ) -> Result<Option<Vec<archive::Read1>>, StructureError> {
        if !path.starts_with('/') {
            return Err(StructureError::invalid(
                &self.image,
                format!("path `{path}` is not absolute\n(hint: write it from the root, `/{path}`)"),
            ));
        }
        let (docker, target) = (self.helper.docker().clone(), self.helper.target());
        let (id, path) = (self.id.clone(), path.to_string());
        runtime::run(archive::read(docker, target, id, path, want))
            .await
            .map_err(|e| StructureError::engine(&self.image, e))
    }

    /// The path itself (a symlink is not followed), or `None` when it does not exist.
    pub async fn stat(&self, path: &str) -> Result<Option<FileEntry>, StructureError> {
        Ok(self
            .read(path, Want::One)
            .await?
            .and_then(|mut v| (!v.is_empty()).then(|| v.swap_remove(0).0)))
    }

    /// The content of a file, following symlinks. Fails when the path does not exist or is not
    /// a regular file.
    pub async fn read_bytes(&self, path: &str) -> Result<Vec<u8>, StructureError> {
        let mut current = path.to_string();
        for _ in 0..MAX_LINKS {
            let found = self
                .read(&current, Want::One)
                .await?
                .and_then(|mut v| (!v.is_empty()).then(|| v.swap_remove(0)));
            let hint = if current == path {
                String::new()
            } else {
                format!(" (the target of symlink `{path}`)")
            };
            match found {
                None => {
                    return Err(StructureError::failed(
                        &self.image,
                        vec![Failure::new(
                            format!("file `{current}`{hint}"),
                            "it to exist",
                            "no such file",
                        )],
                    ))
                }
                Some((_, Some(content))) => return Ok(content),
                Some((entry, None)) if entry.kind == FileKind::Symlink => {
                    current = resolve(&current, entry.link_target.as_deref().unwrap_or_default());
                }
                Some((entry, None)) => {
                    return Err(StructureError::failed(
                        &self.image,
                        vec![Failure::new(
                            format!("file `{current}`{hint}"),
                            "a regular file to read",
                            entry.kind.to_string(),
                        )],
                    ))
                }
            }
        }
        Err(StructureError::failed(
            &self.image,
            vec![Failure::new(
                format!("file `{path}`"),
                format!("at most {MAX_LINKS} symlinks to follow"),
                "more (a symlink loop?)",
            )],
        ))
    }

    /// The content of a file as text (invalid UTF-8 replaced), following symlinks.
    pub async fn read_to_string(&self, path: &str) -> Result<String, StructureError> {
        Ok(String::from_utf8_lossy(&self.read_bytes(path).await?).into_owned())
    }

    /// The entries directly in a directory, sorted by name (empty for a missing directory).
    pub async fn list(&self, dir: &str) -> Result<Vec<FileEntry>, StructureError> {
        let dir_path = dir.trim_end_matches('/');
        let prefix = format!("{dir_path}/");
        Ok(self
            .walk(dir)
            .await?
            .into_iter()
            .filter(|e| {
                e.path
                    .strip_prefix(&prefix)
                    .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
            })
            .collect())
    }

    /// Everything under a directory, the directory included, sorted by path (empty for a
    /// missing path). The whole tree is transferred: walk `/usr/share/doc`, not `/`.
    pub async fn walk(&self, dir: &str) -> Result<Vec<FileEntry>, StructureError> {
        let mut entries: Vec<FileEntry> = self
            .read(dir, Want::Tree)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(entries)
    }

    /// The paths matching a glob (`/etc/*.conf`, `/usr/lib/**/libc.so*`; `*` stays within one
    /// directory, `**` crosses them), sorted. The directory before the first wildcard is walked.
    pub async fn glob(&self, pattern: &str) -> Result<Vec<FileEntry>, StructureError> {
        let compiled = glob::Pattern::new(pattern).map_err(|e| {
            StructureError::invalid(
                &self.image,
                format!("glob `{pattern}` does not compile: {e}"),
            )
        })?;
        let root = literal_root(pattern);
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        Ok(self
            .walk(&root)
            .await?
            .into_iter()
            .filter(|e| compiled.matches_with(&e.path, options))
            .collect())
    }

    /// Removes the container (the never-started one this view created; a running container
    /// read through [`ContainerHandle::files`](crate::ContainerHandle::files) is left alone).
    pub async fn close(mut self) -> Result<(), StructureError> {
        self.closed = true;
        if !self.owned {
            return Ok(());
        }
        self.helper
            .remove(ResourceKind::Container, &self.id, &self.name)
            .await
            .map_err(|e| StructureError::engine(&self.image, e))
    }
}

impl ImageStructure {
    /// The image's filesystem: a container created (never started) from the image, read
    /// through the engine's archive API. Close it with [`ImageFiles::close`].
    pub async fn files(&self) -> Result<ImageFiles, StructureError> {
        ImageFiles::open(self.helper(), self.image(), self.id()).await
    }
}

impl Drop for ImageFiles {
    fn drop(&mut self) {
        if self.closed || !self.owned {
            return;
        }
        let (helper, id, name) = (self.helper.clone(), self.id.clone(), self.name.clone());
        runtime::handle().spawn(async move {
            if let Err(e) = helper.remove(ResourceKind::Container, &id, &name).await {
                tracing::warn!(target: "seaworthy", "{e}");
            }
        });
    }
}

/// Creates a container named `name` and tracks it, so the helper's teardown removes it.
pub(crate) async fn create(
    helper: &DockerHelper,
    name: &str,
    body: ContainerCreateBody,
) -> crate::Result<String> {
    let (docker, target, create_name) =
        (helper.docker().clone(), helper.target(), name.to_string());
    let id = runtime::run(async move {
        let options = CreateContainerOptionsBuilder::new()
            .name(&create_name)
            .build();
        docker
            .create_container(Some(options), body)
            .await
            .map(|r| r.id)
            .map_err(|e| retry::fail_once(&target, format!("create container `{create_name}`"), e))
    })
    .await?;
    helper.track(ResourceKind::Container, &id, name);
    Ok(id)
}

/// Where a symlink at `link` pointing at `target` leads.
pub(crate) fn resolve(link: &str, target: &str) -> String {
    if target.starts_with('/') {
        return normalize(target);
    }
    let dir = match link.trim_end_matches('/').rfind('/') {
        Some(i) => &link[..i],
        None => "",
    };
    normalize(&format!("{dir}/{target}"))
}

/// `/a/./b/../c` gives `/a/c`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The directory of a glob before its first wildcard: `/etc/*.conf` gives `/etc`.
fn literal_root(pattern: &str) -> String {
    let mut root = Vec::new();
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        if part.contains(['*', '?', '[']) {
            break;
        }
        root.push(part);
    }
    // A pattern without wildcards names one path: walk its parent, so it is found.
    if root.len() == pattern.split('/').filter(|p| !p.is_empty()).count() {
        root.pop();
    }
    format!("/{}", root.join("/"))
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn resolve_links_like_the_kernel() {
        assert_eq!(resolve("/bin/sh", "/bin/busybox"), "/bin/busybox");
        assert_eq!(resolve("/bin/sh", "busybox"), "/bin/busybox");
        assert_eq!(resolve("/usr/bin/x", "../lib/y"), "/usr/lib/y");
    }

    #[test]
    fn walk_from_the_last_literal_directory() {
        assert_eq!(literal_root("/etc/*.conf"), "/etc");
        assert_eq!(literal_root("/usr/lib/**/libc.so*"), "/usr/lib");
        assert_eq!(literal_root("/*"), "/");
        assert_eq!(literal_root("/etc/passwd"), "/etc");
    }
}
