//! [`ImageDefinition`]: an image built from a Dockerfile directory ([`ImageBuild`]), or an
//! existing tag.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bollard::query_parameters::BuildImageOptionsBuilder;
use futures_util::StreamExt;
use once_cell::sync::Lazy;

use crate::cell::SharedCell;
use crate::error::{ContainerError, ImageError};
use crate::error::{Error, Result};
use crate::helper::DockerHelper;
use crate::images::PullPolicy;
use crate::runtime;

/// The label holding a hash of the build context and arguments an image was built from.
pub const LABEL_CONTEXT: &str = "seaworthy.context";

#[derive(Debug, Clone)]
enum Source {
    Build(ImageBuild),
    Existing,
}

/// What to build an image from: a context directory holding a Dockerfile, and the options only
/// a build has (the Dockerfile's path, build arguments). Pass it to [`ImageDefinition::build`];
/// a plain path converts into one with the defaults.
///
/// ```
/// use seaworthy::{ImageBuild, ImageDefinition};
///
/// let plain = ImageDefinition::build("app:test", "images/app");
/// let tuned = ImageDefinition::build(
///     "app:dev",
///     ImageBuild::new("images/app").dockerfile("Dockerfile.dev").build_arg("PROFILE", "dev"),
/// );
/// assert_eq!((plain.tag(), tuned.tag()), ("app:test", "app:dev"));
/// ```
///
/// Build options on an existing image are a compile error, not silently ignored:
///
/// ```compile_fail
/// use seaworthy::ImageDefinition;
///
/// let image = ImageDefinition::existing("redis:7").build_arg("X", "1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an ImageBuild does nothing until it is passed to `ImageDefinition::build`"]
pub struct ImageBuild {
    context: PathBuf,
    dockerfile: String,
    args: BTreeMap<String, String>,
}

impl ImageBuild {
    /// A build of `context` (a directory holding a `Dockerfile`).
    pub fn new(context: impl Into<PathBuf>) -> Self {
        ImageBuild {
            context: context.into(),
            dockerfile: "Dockerfile".into(),
            args: BTreeMap::new(),
        }
    }

    /// A build argument (`ARG` in the Dockerfile).
    pub fn build_arg(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.args.insert(key.into(), value.into());
        self
    }

    /// The Dockerfile's path inside the context (default `Dockerfile`).
    pub fn dockerfile(mut self, path: impl Into<String>) -> Self {
        self.dockerfile = path.into();
        self
    }
}

impl From<PathBuf> for ImageBuild {
    fn from(context: PathBuf) -> Self {
        ImageBuild::new(context)
    }
}

impl From<&Path> for ImageBuild {
    fn from(context: &Path) -> Self {
        ImageBuild::new(context)
    }
}

impl From<&PathBuf> for ImageBuild {
    fn from(context: &PathBuf) -> Self {
        ImageBuild::new(context)
    }
}

impl From<String> for ImageBuild {
    fn from(context: String) -> Self {
        ImageBuild::new(context)
    }
}

impl From<&str> for ImageBuild {
    fn from(context: &str) -> Self {
        ImageBuild::new(context)
    }
}

/// An image for containers to run: built from a directory with a Dockerfile, or an existing tag
/// (used when present, pulled when missing).
///
/// A build happens at most once per tag in a process, and not at all when an image with that
/// tag was already built from identical context files and build arguments (recognised by the
/// [`LABEL_CONTEXT`] label), so parallel test processes and later runs reuse it. Images are
/// never removed by teardown: they are the cache.
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// use seaworthy::{DockerHelper, ImageDefinition};
///
/// let helper = DockerHelper::connect().await?;
/// let image = ImageDefinition::build(
///     "seaworthy-test/redis:latest",
///     concat!(env!("CARGO_MANIFEST_DIR"), "/../test-images/redis"),
/// );
/// image.setup(&helper).await?;
/// assert!(image.id()?.starts_with("sha256:"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ImageDefinition {
    tag: String,
    source: Source,
    pull_policy: PullPolicy,
    id: SharedCell<String>,
}

/// A failed build, kept so every fixture that needs the tag gets the same error.
#[derive(Debug, Clone)]
struct BuildFailure {
    reason: String,
    output: Vec<String>,
}

type BuildCell = Arc<tokio::sync::OnceCell<std::result::Result<String, BuildFailure>>>;
static BUILDS: Lazy<Mutex<HashMap<String, BuildCell>>> = Lazy::new(Default::default);

impl ImageDefinition {
    /// An image built from `build` (a context directory, or an [`ImageBuild`] with a Dockerfile
    /// path and build arguments) and tagged `tag`.
    pub fn build(tag: impl Into<String>, build: impl Into<ImageBuild>) -> Self {
        ImageDefinition {
            tag: tag.into(),
            source: Source::Build(build.into()),
            pull_policy: PullPolicy::Missing,
            id: SharedCell::default(),
        }
    }

    /// An existing image, used when present and pulled when missing (see
    /// [`pull_policy`](Self::pull_policy)): exactly its tag (`latest` when it names none) or
    /// digest.
    pub fn existing(tag: impl Into<String>) -> Self {
        ImageDefinition {
            tag: tag.into(),
            source: Source::Existing,
            pull_policy: PullPolicy::Missing,
            id: SharedCell::default(),
        }
    }

    /// When to pull from the registry (default [`PullPolicy::Missing`]): an existing image
    /// itself, or the images a build's `FROM` lines name (pulled per the policy before the
    /// build, when the build is not skipped as up to date). `SEAWORTHY_PULL`, when set,
    /// overrides it.
    ///
    /// ```
    /// use seaworthy::{ImageDefinition, PullPolicy};
    ///
    /// let redis = ImageDefinition::existing("redis:7").pull_policy(PullPolicy::Never);
    /// assert_eq!(redis.get_pull_policy(), PullPolicy::Never);
    /// ```
    pub fn pull_policy(mut self, policy: PullPolicy) -> Self {
        self.pull_policy = policy;
        self
    }

    /// The pull policy set with [`pull_policy`](Self::pull_policy).
    pub fn get_pull_policy(&self) -> PullPolicy {
        self.pull_policy
    }

    /// The image's tag.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The image ID, once set up.
    pub fn id(&self) -> Result<String> {
        self.id.get().ok_or_else(|| {
            Error::from(ContainerError::NotSetUp {
                kind: "image",
                name: self.tag.clone(),
            })
        })
    }

    /// Builds (or finds, or pulls) the image. Idempotent: clones share the image ID, and
    /// concurrent setups of clones build once.
    pub async fn setup(&self, helper: &DockerHelper) -> Result<()> {
        self.id
            .get_or_try_init(|| self.find_or_build(helper))
            .await
            .map(|_| ())
    }

    async fn find_or_build(&self, helper: &DockerHelper) -> Result<String> {
        Ok(match &self.source {
            Source::Existing => helper
                .ensure_image_with_policy(&self.tag, self.pull_policy)
                .await?
                .id
                .clone(),
            Source::Build(ImageBuild {
                context,
                dockerfile,
                args,
            }) => {
                let cell = crate::sync::lock(&BUILDS)
                    .entry(self.tag.clone())
                    .or_default()
                    .clone();
                let (docker, tag) = (helper.docker().clone(), self.tag.clone());
                let (context, dockerfile, args) =
                    (context.clone(), dockerfile.clone(), args.clone());
                let labels = helper.labels(&tag);
                let policy = self.pull_policy;
                // Build progress is printed from this task (libtest captures it per test); the
                // build itself runs on the library's runtime.
                let (lines, received) = tokio::sync::mpsc::unbounded_channel();
                let building = cell.get_or_init(|| async move {
                    runtime::run(async move {
                        let request = BuildRequest {
                            context: &context,
                            dockerfile: &dockerfile,
                            args: &args,
                            labels,
                            policy,
                            lines: Some(lines),
                        };
                        build(&docker, &tag, request).await.map_err(|e| match e {
                            Error::Image(ImageError::ImageBuild { reason, output, .. }) => {
                                BuildFailure { reason, output }
                            }
                            other => BuildFailure {
                                reason: other.to_string(),
                                output: Vec::new(),
                            },
                        })
                    })
                    .await
                });
                let (built, ()) =
                    futures_util::join!(building, crate::images::progress::forward(received));
                let built = built.clone();
                helper.forget_image(&self.tag);
                built.map_err(|f| {
                    Error::from(ImageError::ImageBuild {
                        tag: self.tag.clone(),
                        context: context_name(&self.source),
                        reason: f.reason,
                        output: f.output,
                    })
                })?
            }
        })
    }

    /// Images are kept as a cache; teardown does nothing.
    pub async fn teardown(&self) -> Result<()> {
        Ok(())
    }
}

/// What one build needs besides the engine and the tag.
struct BuildRequest<'a> {
    context: &'a Path,
    dockerfile: &'a str,
    args: &'a BTreeMap<String, String>,
    labels: HashMap<String, String>,
    policy: PullPolicy,
    /// Where the `--nocapture` progress lines go.
    lines: Option<tokio::sync::mpsc::UnboundedSender<String>>,
}

async fn build(docker: &bollard::Docker, tag: &str, request: BuildRequest<'_>) -> Result<String> {
    let BuildRequest {
        context,
        dockerfile,
        args,
        mut labels,
        policy,
        lines,
    } = request;
    let started = std::time::Instant::now();
    let ctx_name = context.display().to_string();
    let build_error = |reason: String, output: Vec<String>| {
        Error::from(ImageError::ImageBuild {
            tag: tag.to_string(),
            context: ctx_name.clone(),
            reason,
            output,
        })
    };
    let (entries, hash) = {
        let (context, dockerfile) = (context.to_path_buf(), dockerfile.to_string());
        let args = args.clone();
        tokio::task::spawn_blocking(move || -> Result<_> {
            let entries = super::build_context::entries(&context, &dockerfile)?;
            let hash = super::build_context::hash(&context, &entries, &args)?;
            Ok((entries, hash))
        })
        .await
        .map_err(|e| build_error(e.to_string(), Vec::new()))??
    };
    // Reuse an image built from the same context (by another process or an earlier run).
    if let Ok(existing) = docker.inspect_image(tag).await {
        let same = existing
            .config
            .as_ref()
            .and_then(|c| c.labels.as_ref())
            .and_then(|l| l.get(LABEL_CONTEXT))
            .is_some_and(|h| *h == hash);
        if let (true, Some(id)) = (same, existing.id) {
            tracing::debug!(target: "seaworthy", image = tag, "image up to date");
            return Ok(id);
        }
    }
    let (policy, _) = crate::images::policy::effective(policy)?;
    // The base images, per the pull policy, through the same code as existing images (one pull
    // per image per run, credentials, registry errors). A `FROM` with build arguments is left
    // to the engine.
    let dockerfile_text = std::fs::read_to_string(context.join(dockerfile)).unwrap_or_default();
    let bases = from_images(&dockerfile_text);
    for base in &bases {
        crate::images::ensure_base(docker, base, policy).await?;
    }
    // With `always` the engine checks the bases again itself (`pull`), so it gets their
    // registries' credentials too.
    let credentials = if policy == PullPolicy::Always {
        Some(crate::images::build_credentials(tag, &bases).await?)
    } else {
        None
    };
    // Run labels would make every build differ; images carry only the context hash.
    labels.clear();
    labels.insert(LABEL_CONTEXT.to_string(), hash);
    let options = BuildImageOptionsBuilder::new()
        .dockerfile(dockerfile)
        .t(tag)
        .rm(true)
        .forcerm(true)
        .buildargs(
            &args
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<HashMap<_, _>>(),
        )
        .labels(&labels)
        .pull(if policy == PullPolicy::Always {
            "1"
        } else {
            ""
        })
        .build();
    let mut stream = docker.build_image(
        options,
        credentials,
        Some(bollard::body_try_stream(super::build_context::tar_stream(
            context.to_path_buf(),
            entries,
        ))),
    );
    let mut output: Vec<String> = Vec::new();
    let mut progress =
        crate::images::progress::BuildProgress::start(tag, &context.display().to_string(), lines);
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(s) = info.stream {
                    for line in s.lines() {
                        // `Step 3/7 : RUN …`: the build's progress.
                        progress.output_line(line);
                        output.push(line.to_string());
                    }
                }
                if let Some(detail) = info.error_detail {
                    let reason = detail.message.unwrap_or_else(|| "build failed".into());
                    return Err(build_error(reason, tail(output)));
                }
            }
            Err(bollard::errors::Error::DockerStreamError { error }) => {
                return Err(build_error(error, tail(output)))
            }
            Err(e) => return Err(build_error(e.to_string(), tail(output))),
        }
    }
    // The ID is read back by tag rather than from the stream's `aux` message, whose shape
    // depends on bollard's features (another crate in the build may enable BuildKit's).
    let id = docker
        .inspect_image(tag)
        .await
        .map_err(|e| build_error(e.to_string(), tail(output.clone())))?
        .id
        .unwrap_or_default();
    tracing::info!(target: "seaworthy", image = tag, ms = started.elapsed().as_millis() as u64, "built");
    progress.finish();
    Ok(id)
}

/// The images a Dockerfile's `FROM` lines name, without `scratch`, earlier stages and
/// references made of build arguments.
fn from_images(dockerfile: &str) -> Vec<String> {
    let mut stages: Vec<String> = Vec::new();
    let mut images = Vec::new();
    for line in dockerfile.lines() {
        let mut words = line.split_whitespace();
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) {
            continue;
        }
        let mut rest = words.skip_while(|w| w.starts_with("--"));
        let Some(image) = rest.next() else { continue };
        let is_stage = stages.iter().any(|s| s.eq_ignore_ascii_case(image));
        if !is_stage
            && image != "scratch"
            && !image.contains('$')
            && !images.iter().any(|i| i == image)
        {
            images.push(image.to_string());
        }
        if rest.next().is_some_and(|w| w.eq_ignore_ascii_case("AS")) {
            if let Some(stage) = rest.next() {
                stages.push(stage.to_string());
            }
        }
    }
    images
}

fn context_name(source: &Source) -> String {
    match source {
        Source::Build(build) => build.context.display().to_string(),
        Source::Existing => String::new(),
    }
}

fn tail(mut lines: Vec<String>) -> Vec<String> {
    let keep = lines.len().saturating_sub(30);
    lines.drain(..keep);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_hash_changes_with_files_and_args() {
        let dir = std::env::temp_dir().join(format!("seaworthy-ctx-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(dir.join("sub/a"), "a").unwrap();
        let none = BTreeMap::new();
        let pack = |args: &BTreeMap<String, String>| {
            let entries = super::super::build_context::entries(&dir, "Dockerfile").unwrap();
            super::super::build_context::hash(&dir, &entries, args).unwrap()
        };
        let h1 = pack(&none);
        assert_eq!(pack(&none), h1);
        let args = BTreeMap::from([("X".to_string(), "1".to_string())]);
        assert_ne!(pack(&args), h1);
        std::fs::write(dir.join("sub/a"), "b").unwrap();
        assert_ne!(pack(&none), h1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn from_lines_name_the_base_images() {
        let dockerfile = "# syntax\nFROM --platform=linux/amd64 golang:1.22 AS build\nRUN make\n\
                          from build as test\nFROM scratch\nFROM ${BASE}\nFROM debian:bookworm\n\
                          COPY --from=build /app /app\nFROM golang:1.22\n";
        assert_eq!(from_images(dockerfile), ["golang:1.22", "debian:bookworm"]);
    }

    #[test]
    fn missing_context_is_an_io_error_naming_it() {
        let e = super::super::build_context::entries(Path::new("/nonexistent/ctx"), "Dockerfile")
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("failed to read build context `/nonexistent/ctx`"),
            "{e}"
        );
    }
}
