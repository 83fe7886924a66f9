//! Files copied into a container before it starts.

use std::path::Path;

use super::ContainerDefinition;
use crate::copy::CopyFile;
use crate::error::Result;

impl ContainerDefinition {
    /// Copies a file, a directory or bytes into the container after it is created and before it
    /// starts (several calls copy in order). A missing host source fails `setup` before
    /// anything is created.
    ///
    /// ```no_run
    /// # async fn demo(helper: &seaworthy::DockerHelper) -> seaworthy::Result<()> {
    /// use seaworthy::{ContainerDefinition, CopyFile};
    ///
    /// let c = ContainerDefinition::new("app", "seaworthy-test/busybox")
    ///     .copy_to(CopyFile::from_bytes("port=8080\n", "/etc/app.conf").mode(0o640).owner(100, 101))
    ///     .command(["sleep", "60"]);
    /// c.setup(helper).await?;
    /// assert_eq!(c.exec_ok(["stat", "-c", "%a %u:%g", "/etc/app.conf"]).await?.stdout_str(), "640 100:101\n");
    /// c.teardown().await?;
    /// # Ok(()) }
    /// ```
    pub fn copy_to(mut self, file: CopyFile) -> Self {
        self.config.extras.copies.push(file);
        self
    }

    /// The content of the regular file `path` in the running container (see
    /// [`ContainerHandle::copy_file_from`](crate::ContainerHandle::copy_file_from)).
    pub async fn copy_file_from(&self, path: &str) -> Result<Vec<u8>> {
        self.handle()?.copy_file_from(path).await
    }

    /// Copies the file or directory `path` of the container to `host` (see
    /// [`ContainerHandle::copy_from`](crate::ContainerHandle::copy_from)).
    pub async fn copy_from(&self, path: &str, host: impl AsRef<Path>) -> Result<()> {
        self.handle()?.copy_from(path, host).await
    }
}
