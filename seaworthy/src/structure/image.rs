//! [`ImageStructure`]: an image's configuration and history, read without a container.
//!
//! Each kind of check adds its methods to `ImageStructure` in its own file (`check` and
//! `failures` in metadata.rs, `files` in files.rs, `check_files` in file_check.rs, `run` in
//! command.rs): the checks name this file, and this file names none of them, so the
//! structure module has no import cycle.

use std::collections::BTreeMap;

use bollard::models::{ImageHistoryResponseItem, ImageInspect};

use super::error::StructureError;
use crate::engine::retry;
use crate::helper::DockerHelper;
use crate::runtime;

/// An image under test: its configuration and history as the engine reports them, read once
/// (no container is created), and the way to its files and commands.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use seaworthy::structure::{ImageStructure, MetadataCheck};
/// use seaworthy::DockerHelper;
///
/// let helper = DockerHelper::connect().await?;
/// let image = ImageStructure::inspect(&helper, "seaworthy-test/busybox").await?;
/// assert_eq!(image.cmd(), ["sh"]);
/// image.check(&MetadataCheck::new().env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ImageStructure {
    helper: DockerHelper,
    image: String,
    inspect: ImageInspect,
    history: Vec<ImageHistoryResponseItem>,
}

impl ImageStructure {
    /// Reads the configuration and history of `image`, pulling it first when it is missing
    /// (as a container definition would: see [`DockerHelper::ensure_image`]).
    pub async fn inspect(
        helper: &DockerHelper,
        image: &str,
    ) -> Result<ImageStructure, StructureError> {
        let info = helper
            .ensure_image(image)
            .await
            .map_err(|e| StructureError::engine(image, e))?;
        let docker = helper.docker().clone();
        let target = helper.target();
        let id = info.id.clone();
        let (inspect, history) = runtime::run(async move {
            let inspect = retry::read(&target, &format!("inspect image `{id}`"), |_| {
                docker.inspect_image(&id)
            })
            .await?;
            let history = retry::read(
                &target,
                &format!("read the history of image `{id}`"),
                |_| docker.image_history(&id),
            )
            .await?;
            Ok::<_, crate::Error>((inspect, history))
        })
        .await
        .map_err(|e| StructureError::engine(image, e))?;
        Ok(ImageStructure {
            helper: helper.clone(),
            image: image.to_string(),
            inspect,
            history,
        })
    }

    /// The image as the test named it.
    pub fn image(&self) -> &str {
        &self.image
    }

    /// The image ID (`sha256:…`).
    pub fn id(&self) -> &str {
        self.inspect.id.as_deref().unwrap_or_default()
    }

    /// The helper the checks create their containers with.
    pub fn helper(&self) -> &DockerHelper {
        &self.helper
    }

    /// The whole inspect response, for anything the accessors do not cover.
    pub fn raw(&self) -> &ImageInspect {
        &self.inspect
    }

    fn config(&self) -> Option<&bollard::models::ImageConfig> {
        self.inspect.config.as_ref()
    }

    /// `USER` (empty when unset: root).
    pub fn user(&self) -> &str {
        self.config()
            .and_then(|c| c.user.as_deref())
            .unwrap_or_default()
    }

    /// `ENTRYPOINT` (empty when unset).
    pub fn entrypoint(&self) -> &[String] {
        self.config()
            .and_then(|c| c.entrypoint.as_deref())
            .unwrap_or_default()
    }

    /// `CMD` (empty when unset).
    pub fn cmd(&self) -> &[String] {
        self.config()
            .and_then(|c| c.cmd.as_deref())
            .unwrap_or_default()
    }

    /// `WORKDIR` (empty when unset).
    pub fn workdir(&self) -> &str {
        self.config()
            .and_then(|c| c.working_dir.as_deref())
            .unwrap_or_default()
    }

    /// The environment, in the image's order, as `(name, value)`.
    pub fn env(&self) -> Vec<(String, String)> {
        self.config()
            .and_then(|c| c.env.as_ref())
            .map(|env| {
                env.iter()
                    .map(|kv| match kv.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (kv.clone(), String::new()),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// One variable of the environment.
    pub fn env_var(&self, name: &str) -> Option<String> {
        self.env()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The labels.
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.config()
            .and_then(|c| c.labels.clone())
            .map(|l| l.into_iter().collect())
            .unwrap_or_default()
    }

    /// The exposed ports as `port/proto` (`80/tcp`), sorted.
    pub fn exposed_ports(&self) -> Vec<String> {
        let mut ports: Vec<String> = self
            .config()
            .and_then(|c| c.exposed_ports.clone())
            .unwrap_or_default();
        ports.sort();
        ports
    }

    /// The `VOLUME`s, sorted.
    pub fn volumes(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .config()
            .and_then(|c| c.volumes.clone())
            .unwrap_or_default();
        v.sort();
        v
    }

    /// The `HEALTHCHECK` test (`["CMD", …]`, `["CMD-SHELL", …]`, `["NONE"]`), if any.
    pub fn healthcheck(&self) -> Option<Vec<String>> {
        self.config()
            .and_then(|c| c.healthcheck.as_ref())
            .and_then(|h| h.test.clone())
    }

    /// `STOPSIGNAL`, if set.
    pub fn stop_signal(&self) -> Option<&str> {
        self.config().and_then(|c| c.stop_signal.as_deref())
    }

    /// How many filesystem layers the image has (`RootFS.Layers`; `ENV`, `LABEL`… make none).
    pub fn layer_count(&self) -> usize {
        self.inspect
            .root_fs
            .as_ref()
            .and_then(|r| r.layers.as_ref())
            .map_or(0, Vec::len)
    }

    /// The image's size in bytes, all layers included.
    pub fn size(&self) -> u64 {
        self.inspect.size.unwrap_or_default().max(0) as u64
    }

    /// The history, newest step first (`docker history`).
    pub fn history(&self) -> &[ImageHistoryResponseItem] {
        &self.history
    }
}
