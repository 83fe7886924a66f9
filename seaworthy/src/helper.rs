//! [`DockerHelper`]: the connection, naming, labelling, tracking and cleanup of resources.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bollard::Docker;
use once_cell::sync::OnceCell;

use crate::cleanup::removal::{left_behind, removal_action, removal_failed, remove_resource};
use crate::cleanup::sweep::{dead_runs_leftovers, sweep_dead_runs};
use crate::cleanup::{lease, watcher};
use crate::engine::retry::{self, Failed, Target};
use crate::engine::{Endpoint, Engine};
use crate::error::EngineError;
use crate::error::{Error, Result};
use crate::images::PullPolicy;
use crate::runtime;

pub use crate::cleanup::labels::{
    LABEL_DEFINITION, LABEL_FIXTURE, LABEL_HOST, LABEL_PID, LABEL_REUSE, LABEL_REUSE_KEY,
    LABEL_RUN, LABEL_SHARED,
};
pub use crate::cleanup::lease::{DEFAULT_LEASE_SECONDS, LABEL_LEASE, LABEL_LEASE_SECONDS};
pub use crate::cleanup::removal::Removed;
pub use crate::cleanup::sweep::Leftover;
pub use crate::definitions::LABEL_CONTEXT;
pub use crate::images::ImageInfo;
pub(crate) use crate::resource_kind::ResourceKind;

/// How long [`DockerHelper::sweep`] waits for a dead run's cleanup under way elsewhere.
const SWEEP_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The oldest Docker API version the library is tested against (Docker Engine 20.10).
pub(crate) const MINIMUM_API_VERSION: &str = "1.41";

#[derive(Debug, Clone)]
struct Tracked {
    kind: ResourceKind,
    id: String,
    name: String,
}

struct Inner {
    docker: Docker,
    address: String,
    engine: Engine,
    namespace: String,
    run_id: String,
    host: String,
    tracked: Mutex<Vec<Tracked>>,
    images: Mutex<HashMap<String, Arc<ImageInfo>>>,
}

/// A connection to the Docker engine that names, labels and tracks what it creates.
///
/// Every container, network and volume made through a helper is named
/// `<namespace>_<name>_<suffix>` (the suffix is unique to the run and the resource, so parallel
/// tests and parallel runs never collide) and labelled with [`LABEL_RUN`], [`LABEL_PID`],
/// [`LABEL_HOST`] and [`LABEL_DEFINITION`]. `<name>` is the definition's name, or, through a
/// helper [made for a fixture](Self::for_fixture) (the harness sets up every fixture's value
/// with one), the fixture's name, which is then also the [`LABEL_FIXTURE`] label.
/// [`teardown`](Self::teardown) removes whatever is still there; [`sweep`](Self::sweep) removes
/// what crashed earlier runs left behind.
///
/// Cloning is cheap and clones share the connection and the tracking.
///
/// ```no_run
/// # async fn demo() -> seaworthy::Result<()> {
/// use seaworthy::DockerHelper;
///
/// let helper = DockerHelper::connect().await?;
/// assert!(helper.resource_name("web").starts_with("test_web_"));
/// helper.teardown().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DockerHelper {
    inner: Arc<Inner>,
    /// The fixture whose resources this handle makes (see [`for_fixture`](Self::for_fixture)).
    fixture: Option<Arc<str>>,
    /// Set for the resources of an instance shared across the processes of a run.
    shared: Option<Arc<SharedOwner>>,
    /// Set for the resources kept between runs (`SEAWORTHY_REUSE`): what they stand for, and
    /// that with their dependencies.
    reuse: Option<Arc<(String, String)>>,
}

/// Who owns the resources of a fixture instance shared across processes: the run (not the
/// process that happens to create them).
#[derive(Debug)]
pub(crate) struct SharedOwner {
    /// The run's ID, the value of [`LABEL_RUN`].
    pub(crate) run: String,
    /// The runner's PID, the value of [`LABEL_PID`]: a later run's sweep removes the resources
    /// once the runner is gone.
    pub(crate) pid: u32,
    /// The instance and fixture, the value of [`LABEL_SHARED`].
    pub(crate) instance: String,
}

impl std::fmt::Debug for DockerHelper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerHelper")
            .field("address", &self.inner.address)
            .field("namespace", &self.inner.namespace)
            .field("run_id", &self.inner.run_id)
            .field("fixture", &self.fixture)
            .field("shared", &self.shared)
            .field("reuse", &self.reuse)
            .finish()
    }
}

static RUN_ID: OnceCell<String> = OnceCell::new();

/// A short identifier unique to this process's run.
pub(crate) fn run_id() -> &'static str {
    RUN_ID.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        format!("{:08x}", h.finish() as u32)
    })
}

impl DockerHelper {
    /// Connects to the engine the docker CLI would use (`DOCKER_HOST` with `DOCKER_TLS_VERIFY`
    /// and `DOCKER_CERT_PATH`, then `DOCKER_CONTEXT` or the config's `currentContext`, then the
    /// default socket, then `$XDG_RUNTIME_DIR/docker.sock`: see [`Engine`]), negotiates the API
    /// version and uses the namespace `test`. The first connection of a process prints
    /// `seaworthy: engine …` (shown under `--nocapture`).
    pub async fn connect() -> Result<DockerHelper> {
        Self::connect_with_namespace("test").await
    }

    /// Like [`connect`](Self::connect), with another namespace (the first part of every name).
    pub async fn connect_with_namespace(namespace: &str) -> Result<DockerHelper> {
        let namespace = namespace.to_string();
        runtime::run(async move {
            let (docker, engine) = crate::engine::connect().await?;
            DockerHelper::with_engine(docker, engine, namespace)
        })
        .await
    }

    /// Uses a bollard client you already have (of [`seaworthy::bollard`](crate::bollard), the
    /// version this library is built with), connected to the engine at `endpoint`, with the
    /// namespace `test`. `endpoint` says how the client reaches the engine, which bollard does
    /// not tell: ports are reached at its address (`127.0.0.1` for a unix socket) and the
    /// cleanup watcher connects there too. The client's API version is used as it is (connect
    /// it with `negotiate_version()` for the engine's own).
    ///
    /// ```no_run
    /// # async fn demo() -> seaworthy::Result<()> {
    /// use seaworthy::bollard::{Docker, API_DEFAULT_VERSION};
    /// use seaworthy::engine::Endpoint;
    /// use seaworthy::DockerHelper;
    ///
    /// let socket = "/var/run/docker.sock";
    /// let docker = Docker::connect_with_unix(socket, 120, API_DEFAULT_VERSION)
    ///     .expect("a client for the socket");
    /// let helper = DockerHelper::from_docker(docker, Endpoint::Unix(socket.into())).await?;
    /// assert_eq!(helper.address(), "unix:///var/run/docker.sock");
    /// # Ok(()) }
    /// ```
    pub async fn from_docker(docker: Docker, endpoint: Endpoint) -> Result<DockerHelper> {
        runtime::run(async move {
            let engine = crate::engine::from_client(&docker, endpoint).await?;
            DockerHelper::with_engine(docker, engine, "test".to_string())
        })
        .await
    }

    /// A helper on `docker`, once the engine has been found and its API version checked.
    fn with_engine(docker: Docker, engine: Engine, namespace: String) -> Result<DockerHelper> {
        let (address, api) = (engine.address(), engine.api_version().to_string());
        if version_lt(&api, MINIMUM_API_VERSION) {
            return Err(Error::from(EngineError::EngineTooOld {
                address,
                version: api,
                minimum: MINIMUM_API_VERSION.to_string(),
            }));
        }
        static ANNOUNCED: std::sync::Once = std::sync::Once::new();
        ANNOUNCED.call_once(|| crate::console::line(engine.describe()));
        tracing::debug!(target: "seaworthy", %address, api, "connected to Docker");
        Ok(DockerHelper {
            inner: Arc::new(Inner {
                docker,
                address,
                engine,
                namespace,
                run_id: run_id().to_string(),
                host: crate::host::host_label(),
                tracked: Mutex::new(Vec::new()),
                images: Mutex::new(HashMap::new()),
            }),
            fixture: None,
            shared: None,
            reuse: None,
        })
    }

    /// The process-wide helper the fixtures use: connected once, shared by every test.
    pub async fn shared() -> Result<DockerHelper> {
        static SHARED: tokio::sync::OnceCell<DockerHelper> = tokio::sync::OnceCell::const_new();
        SHARED
            .get_or_try_init(|| async { DockerHelper::connect().await })
            .await
            .cloned()
    }

    /// The bollard client, for anything the library does not wrap.
    pub fn docker(&self) -> &Docker {
        &self.inner.docker
    }

    /// The engine and run a call's error names (see [`retry`](crate::engine::retry)).
    pub(crate) fn target(&self) -> Target {
        Target {
            address: self.inner.address.clone(),
            run: self.inner.run_id.clone(),
        }
    }

    /// The address of the engine.
    pub fn address(&self) -> &str {
        &self.inner.address
    }

    /// The engine: how it was found and where its published ports are reached.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The host every published port is reached at: see [`Engine::published_host`].
    pub fn published_host(&self) -> &str {
        self.inner.engine.published_host()
    }

    /// The namespace (first part of every name).
    pub fn namespace(&self) -> &str {
        &self.inner.namespace
    }

    /// The identifier of this run, the value of [`LABEL_RUN`].
    pub fn run_id(&self) -> &str {
        &self.inner.run_id
    }

    /// This connection (sharing its tracking), for the resources of the fixture named `fixture`:
    /// they are named `<namespace>_<fixture>_<suffix>` whatever their definition's name, and
    /// labelled [`LABEL_FIXTURE`]`=<fixture>` besides [`LABEL_DEFINITION`]`=<definition name>`.
    /// The harness sets up each fixture's value with such a helper, so the Docker name, the
    /// label, the network alias and the `--nocapture` lines all say the fixture's name.
    ///
    /// ```no_run
    /// # async fn demo() -> seaworthy::Result<()> {
    /// use seaworthy::DockerHelper;
    ///
    /// let helper = DockerHelper::connect().await?.for_fixture("web");
    /// assert!(helper.resource_name("httpd-def").starts_with("test_web_"));
    /// assert_eq!(helper.labels("httpd-def")["seaworthy.fixture"], "web");
    /// assert_eq!(helper.labels("httpd-def")["seaworthy.definition"], "httpd-def");
    /// # Ok(()) }
    /// ```
    pub fn for_fixture(&self, fixture: &str) -> DockerHelper {
        DockerHelper {
            inner: self.inner.clone(),
            fixture: Some(Arc::from(fixture)),
            shared: self.shared.clone(),
            reuse: self.reuse.clone(),
        }
    }

    /// This connection, for the resources of a fixture instance the run shares: labelled with
    /// the run's ID and runner PID and with [`LABEL_SHARED`], and not tracked by this process.
    pub(crate) fn for_shared(&self, owner: SharedOwner) -> DockerHelper {
        DockerHelper {
            inner: self.inner.clone(),
            fixture: self.fixture.clone(),
            shared: Some(Arc::new(owner)),
            reuse: self.reuse.clone(),
        }
    }

    /// This connection, for resources kept between runs (`SEAWORTHY_REUSE`) standing for
    /// `identity` (their scope and fixture) on `dependencies`: each gets a name derived from a
    /// hash of both and of its definition, the [`LABEL_REUSE`] and [`LABEL_REUSE_KEY`] (the hash
    /// of `identity` alone) labels, and is not tracked (neither this process's teardown nor its
    /// watcher removes it).
    pub(crate) fn for_reuse(&self, identity: &str, dependencies: &str) -> DockerHelper {
        DockerHelper {
            inner: self.inner.clone(),
            fixture: self.fixture.clone(),
            shared: self.shared.clone(),
            reuse: Some(Arc::new((
                identity.to_string(),
                format!("{identity}; dependencies: {dependencies}"),
            ))),
        }
    }

    /// What the resources this helper makes stand for, with their dependencies, when they are
    /// kept between runs.
    pub(crate) fn reuse_identity(&self) -> Option<&str> {
        self.reuse.as_ref().map(|r| r.1.as_str())
    }

    /// The hash of what the resources this helper makes stand for, without their dependencies
    /// (the [`LABEL_REUSE_KEY`] label), when they are kept between runs.
    pub(crate) fn reuse_key(&self) -> Option<String> {
        let r = self.reuse.as_ref()?;
        Some(crate::cleanup::reuse::digest([r.0.as_str()]))
    }

    /// The fixture this helper makes resources for, if it was [made for one](Self::for_fixture).
    pub fn fixture(&self) -> Option<&str> {
        self.fixture.as_deref()
    }

    /// A fresh Docker name for a resource defined as `name`: `<namespace>_<name>_<run><n>`, with
    /// the fixture's name instead of `name` when this helper was [made for a
    /// fixture](Self::for_fixture).
    pub fn resource_name(&self, name: &str) -> String {
        // Process-wide, not per helper: names carry the process's run ID, so two helpers of one
        // process (parallel tests each connecting their own) must not hand out the same suffix.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed) + 1;
        format!(
            "{}_{}_{}{}",
            self.inner.namespace,
            self.fixture.as_deref().unwrap_or(name),
            &self.inner.run_id[..6],
            n
        )
    }

    /// The labels of a resource defined as `name`: [`LABEL_RUN`], [`LABEL_PID`], [`LABEL_HOST`],
    /// [`LABEL_DEFINITION`] (`name`) and, when this helper was [made for a
    /// fixture](Self::for_fixture), [`LABEL_FIXTURE`].
    pub fn labels(&self, name: &str) -> HashMap<String, String> {
        let (run, pid) = match &self.shared {
            Some(s) => (s.run.clone(), s.pid),
            None => (self.inner.run_id.clone(), std::process::id()),
        };
        let mut labels = HashMap::from([
            (LABEL_RUN.to_string(), run),
            (LABEL_PID.to_string(), pid.to_string()),
            (LABEL_HOST.to_string(), self.inner.host.clone()),
            (LABEL_DEFINITION.to_string(), name.to_string()),
        ]);
        if let Some(fixture) = &self.fixture {
            labels.insert(LABEL_FIXTURE.to_string(), fixture.to_string());
        }
        if let Some(s) = &self.shared {
            labels.insert(LABEL_SHARED.to_string(), s.instance.clone());
        }
        labels
    }

    /// Before this process's first resource: takes the run's [lease](crate::cleanup::lease)
    /// on the engine and starts the [watcher](crate::cleanup::watcher) the harness uses (once
    /// per process), so that a direct-API program leaves nothing behind when it panics, is
    /// killed or loses the engine for a while. A shared run's lease is its run watcher's. A
    /// lease or watcher that cannot be had is a warning: the resources are then removed by
    /// this process, or by a later run on this host.
    pub(crate) async fn before_create(&self) {
        if self.shared.is_some() {
            return;
        }
        static TAKEN: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
        TAKEN
            .get_or_init(|| async {
                let (docker, run) = (self.inner.docker.clone(), self.inner.run_id.clone());
                let held = runtime::run(lease::hold(docker, run, lease::seconds())).await;
                if let Err(e) = held {
                    crate::console::warn(format!(
                        "{e}; runs on other machines sharing this engine cannot tell this run \
                         is alive, nor remove its leftovers if it dies"
                    ));
                }
                let (run, engine) = (self.inner.run_id.clone(), self.inner.engine.clone());
                runtime::run_blocking(move || watcher::spawn(&run, &engine)).await;
            })
            .await;
    }

    /// Records a resource this helper created (for `teardown`) and logs its creation.
    pub(crate) fn track(&self, kind: ResourceKind, id: &str, name: &str) {
        tracing::info!(target: "seaworthy", kind = kind.as_str(), name, "created");
        if self.shared.is_some() || self.reuse.is_some() {
            // The run owns it: removed when the run ends, not with this process's resources;
            // or it is kept between runs.
            return;
        }
        watcher::holding(id);
        self.lock_tracked().push(Tracked {
            kind,
            id: id.to_string(),
            name: name.to_string(),
        });
    }

    /// Removes one resource this helper created (a container forcibly, with its anonymous
    /// volumes), stops tracking it and logs its removal. A resource already gone is fine.
    pub(crate) async fn remove(&self, kind: ResourceKind, id: &str, name: &str) -> Result<()> {
        let (docker, id_owned, name_owned) =
            (self.inner.docker.clone(), id.to_string(), name.to_string());
        let engine = self.inner.engine.clone();
        let target = self.target();
        runtime::run(async move {
            if kind == ResourceKind::Network {
                engine.leave_network(&docker, &id_owned).await;
            }
            remove_resource(&docker, kind, &id_owned)
                .await
                .map_err(|f| removal_failed(&target, kind, &name_owned, f))
        })
        .await?;
        watcher::released(id);
        self.lock_tracked().retain(|t| t.id != id);
        tracing::info!(target: "seaworthy", kind = kind.as_str(), name, "removed");
        Ok(())
    }

    fn lock_tracked(&self) -> std::sync::MutexGuard<'_, Vec<Tracked>> {
        crate::sync::lock(&self.inner.tracked)
    }

    /// How many resources (of all kinds together) this helper created and has not removed yet.
    pub fn tracked_count(&self) -> usize {
        self.lock_tracked().len()
    }

    /// Removes every resource this helper created that still exists: containers (forcibly, with
    /// their anonymous volumes), then networks, then volumes. Each one that still existed is
    /// reported with a warning, since a definition's own teardown should have removed it.
    /// Idempotent. A broken connection is retried; what still cannot be removed stays tracked
    /// (a later `teardown` tries again) and the error names all of it, with the commands that
    /// remove it.
    pub async fn teardown(&self) -> Result<Removed> {
        let tracked: Vec<Tracked> = std::mem::take(&mut *self.lock_tracked());
        let docker = self.inner.docker.clone();
        let engine = self.inner.engine.clone();
        let target = self.target();
        let (removed, failed) = runtime::run(async move {
            let mut removed = Removed::default();
            let mut failed: Vec<(Tracked, Failed)> = Vec::new();
            for kind in [
                ResourceKind::Container,
                ResourceKind::Network,
                ResourceKind::Volume,
            ] {
                for t in tracked.iter().filter(|t| t.kind == kind) {
                    if kind == ResourceKind::Network {
                        engine.leave_network(&docker, &t.id).await;
                    }
                    let result = remove_resource(&docker, kind, &t.id).await;
                    if result.is_ok() {
                        watcher::released(&t.id);
                    }
                    match result {
                        Ok(true) => {
                            tracing::warn!(target: "seaworthy", "{} '{}' still existed during teardown", kind.title(), t.name);
                            removed.push(kind, t.name.clone());
                        }
                        Ok(false) => {}
                        Err(f) => failed.push((t.clone(), f)),
                    }
                }
            }
            (removed, failed)
        })
        .await;
        let mut failed = failed.into_iter();
        let Some((first, f)) = failed.next() else {
            return Ok(removed);
        };
        let mut left = vec![(first.kind, first.name.clone())];
        let rest: Vec<Tracked> = failed.map(|(t, _)| t).collect();
        left.extend(rest.iter().map(|t| (t.kind, t.name.clone())));
        let error = retry::fail(&target, removal_action(first.kind, &first.name), f);
        let mut tracked = self.lock_tracked();
        tracked.push(first);
        tracked.extend(rest);
        Err(left_behind(error, left))
    }

    /// Removes resources that dead runs left behind: everything labelled [`LABEL_RUN`] whose
    /// creating process ([`LABEL_PID`] on [`LABEL_HOST`]) on this host is gone, and, from any
    /// host, everything of a run whose lease (`cleanup/lease.rs`) on the engine expired
    /// (not renewed within its bound, [`DEFAULT_LEASE_SECONDS`] unless the run said otherwise,
    /// by the engine's clock); then the leases of those runs. Resources labelled
    /// [`LABEL_REUSE`] are never removed by a lease's expiry, nor kept ones (`SEAWORTHY_KEEP`).
    ///
    /// A dead run whose cleanup is under way in another process (the killed process's cleanup
    /// watcher, another sweep) is left to that process: the sweep waits for it up to 10 s, and
    /// removes what it left; it never removes the same resources at the same time.
    pub async fn sweep(&self) -> Result<Removed> {
        self.sweep_waiting(SWEEP_WAIT).await
    }

    /// What [`sweep`](Self::sweep) would remove now, and why; removes nothing (a dry run).
    ///
    /// ```no_run
    /// # async fn demo() -> seaworthy::Result<()> {
    /// let helper = seaworthy::DockerHelper::connect().await?;
    /// for l in helper.leftovers().await? {
    ///     println!("{} {} (run {}): {}", l.kind, l.name, l.run, l.reason);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn leftovers(&self) -> Result<Vec<Leftover>> {
        let docker = self.inner.docker.clone();
        let host = self.inner.host.clone();
        let own_run = self.inner.run_id.clone();
        runtime::run(async move { dead_runs_leftovers(&docker, &host, &own_run).await }).await
    }

    /// [`sweep`](Self::sweep), waiting up to `wait` for runs being cleaned up by others (the
    /// harness's start-up sweep waits for none: skipped runs are theirs to finish).
    pub(crate) async fn sweep_waiting(&self, wait: std::time::Duration) -> Result<Removed> {
        let docker = self.inner.docker.clone();
        let host = self.inner.host.clone();
        let own_run = self.inner.run_id.clone();
        runtime::run(async move { sweep_dead_runs(&docker, &host, &own_run, wait).await }).await
    }

    /// Looks an image up locally, pulling it when it is missing (the [`PullPolicy::Missing`]
    /// policy, which `SEAWORTHY_PULL` overrides). Results are cached per helper.
    pub async fn ensure_image(&self, image: &str) -> Result<Arc<ImageInfo>> {
        self.ensure_image_with_policy(image, PullPolicy::Missing)
            .await
    }

    /// Looks an image up locally and pulls it per `policy` (which `SEAWORTHY_PULL`, when set,
    /// overrides): see [`PullPolicy`]. A pull fetches exactly one tag (`latest` when the
    /// reference names none) or digest, with the docker CLI's credentials for the registry,
    /// and runs once per image in a run however many tests need it.
    pub async fn ensure_image_with_policy(
        &self,
        image: &str,
        policy: PullPolicy,
    ) -> Result<Arc<ImageInfo>> {
        self.ensure_image_for_platform(image, policy, None).await
    }

    /// Like [`ensure_image_with_policy`](Self::ensure_image_with_policy), for `platform`
    /// (`linux/arm64`; `None`: the engine's): a present image built for another platform is
    /// pulled again for this one.
    pub async fn ensure_image_for_platform(
        &self,
        image: &str,
        policy: PullPolicy,
        platform: Option<&str>,
    ) -> Result<Arc<ImageInfo>> {
        let (effective, _) = crate::images::policy::effective(policy)?;
        if effective != PullPolicy::Always {
            if let Some(info) = self.cached_image(image) {
                if platform.is_none_or(|p| info.is_for(p)) {
                    return Ok(info);
                }
            }
        }
        let info =
            Arc::new(crate::images::ensure(&self.inner.docker, image, policy, platform).await?);
        crate::sync::lock(&self.inner.images).insert(image.to_string(), info.clone());
        Ok(info)
    }

    pub(crate) fn cached_image(&self, image: &str) -> Option<Arc<ImageInfo>> {
        crate::sync::lock(&self.inner.images).get(image).cloned()
    }

    pub(crate) fn forget_image(&self, image: &str) {
        crate::sync::lock(&self.inner.images).remove(image);
    }
}

/// `a < b` for dotted version strings such as `1.41`.
pub(crate) fn version_lt(a: &str, b: &str) -> bool {
    let parse = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parse(a) < parse(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_comparison_is_numeric() {
        assert!(version_lt("1.40", "1.41"));
        assert!(!version_lt("1.41", "1.41"));
        assert!(!version_lt("1.100", "1.41"));
        assert!(version_lt("1.9", "1.41"));
    }

    #[test]
    fn run_id_is_stable_and_short() {
        assert_eq!(run_id(), run_id());
        assert_eq!(run_id().len(), 8);
    }
}
