//! The copy methods of a running (or created) container's handle.

use std::path::{Path, PathBuf};

use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use futures_util::StreamExt;

use super::{pack::pack, unpack, CopyError, CopyFile};
use crate::engine::retry;
use crate::error::Result;
use crate::handle::ContainerHandle;
use crate::runtime;

impl ContainerHandle {
    /// Copies a file, a directory or bytes into the container (created or running), with the
    /// mode and owner the [`CopyFile`] says; missing parent directories are created.
    ///
    /// ```no_run
    /// # async fn demo(c: &seaworthy::ContainerHandle) -> seaworthy::Result<()> {
    /// use seaworthy::CopyFile;
    ///
    /// c.copy_to(CopyFile::from_bytes("42\n", "/srv/answer").mode(0o600)).await?;
    /// assert_eq!(c.copy_file_from("/srv/answer").await?, b"42\n");
    /// # Ok(()) }
    /// ```
    pub async fn copy_to(&self, file: CopyFile) -> Result<()> {
        let container = self.docker_name().to_string();
        let archive = {
            let container = container.clone();
            let file = file.clone();
            runtime::run_blocking(move || pack(&file, &container)).await?
        };
        let docker = self.helper().docker().clone();
        let target = self.helper().target();
        let id = self.id().to_string();
        runtime::run(async move {
            let options = UploadToContainerOptionsBuilder::new().path("/").build();
            docker
                .upload_to_container(&id, Some(options), bollard::body_full(archive.into()))
                .await
                .map_err(|e| {
                    retry::fail_once(
                        &target,
                        format!("copy `{}` into container `{container}`", file.target),
                        e,
                    )
                })
        })
        .await
    }

    /// The content of the regular file `path` in the container, in memory.
    pub async fn copy_file_from(&self, path: &str) -> Result<Vec<u8>> {
        let archive = self.download(path).await?;
        let container = self.docker_name().to_string();
        let path = path.to_string();
        Ok(
            runtime::run_blocking(move || unpack::file_content(&archive, &container, &path))
                .await?,
        )
    }

    /// Copies the file or directory `path` of the container to `host` (which becomes that file
    /// or directory; its parent must exist). Modes and symbolic links are kept, ownership is
    /// not.
    pub async fn copy_from(&self, path: &str, host: impl AsRef<Path>) -> Result<()> {
        let archive = self.download(path).await?;
        let container = self.docker_name().to_string();
        let path = path.to_string();
        let host: PathBuf = host.as_ref().to_path_buf();
        Ok(
            runtime::run_blocking(move || unpack::to_host(&archive, &host, &container, &path))
                .await?,
        )
    }

    /// The engine's tar archive of `path`.
    async fn download(&self, path: &str) -> Result<Vec<u8>> {
        let docker = self.helper().docker().clone();
        let target = self.helper().target();
        let (id, container, path) = (
            self.id().to_string(),
            self.docker_name().to_string(),
            path.to_string(),
        );
        runtime::run(async move {
            let options = DownloadFromContainerOptionsBuilder::new()
                .path(&path)
                .build();
            let mut stream = Box::pin(docker.download_from_container(&id, Some(options)));
            let mut archive = Vec::new();
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(bytes) => archive.extend_from_slice(&bytes),
                    Err(bollard::errors::Error::DockerResponseServerError {
                        status_code: 404,
                        ..
                    }) => {
                        return Err(CopyError::NotFound { container, path }.into());
                    }
                    Err(e) => {
                        return Err(retry::fail_once(
                            &target,
                            format!("copy `{path}` out of container `{container}`"),
                            e,
                        ))
                    }
                }
            }
            Ok(archive)
        })
        .await
    }
}
