//! Scope instances and fixture resolution.
//!
//! A *scope instance* holds the fixture values of one test (function scope), one test module
//! (module scope), the whole process (binary scope) or the whole run (run scope), in the order
//! they were set up, plus the network its containers share when one of them depends on another.
//! An instance [shared across processes](super::share) sets each value up once per run under a
//! lock, records it, and has later processes adopt it.

use crate::console;
use crate::error::HarnessError;
use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::ops::Deref;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;
use tokio::sync::OnceCell;

use super::report;
use super::resource::{Created, Resource, Tracked};
use super::share::{Record, SharedScope, Slot};
use crate::definitions::{Attachment, ContainerDefinition, NetworkDefinition};
use crate::error::{Error, Result};
use crate::helper::DockerHelper;

/// How long a fixture value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// A fresh value for every test (the default).
    Function,
    /// One value per test module, torn down after the module's last selected test.
    Module,
    /// One value per test process, torn down when its last selected test has finished.
    Binary,
    /// One value per `cargo test` or `cargo nextest run` invocation, across test binaries,
    /// torn down when that invocation ends (one per process when the process was not started by
    /// either, or `SEAWORTHY_SHARE=0`).
    Run,
}

impl Scope {
    /// `function`, `module`, `binary` or `run`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Function => "function",
            Scope::Module => "module",
            Scope::Binary => "binary",
            Scope::Run => "run",
        }
    }

    /// 0, 1, 2, 3: a fixture may only depend on fixtures of a rank at least its own.
    pub const fn rank(self) -> usize {
        match self {
            Scope::Function => 0,
            Scope::Module => 1,
            Scope::Binary => 2,
            Scope::Run => 3,
        }
    }
}

/// A fixture, as `#[fixture]` describes it to the runtime.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a fixture in scope",
    label = "not a #[fixture]",
    note = "a parameter names the #[fixture] function to inject: add `#[fixture]` to the function `{Self}`, or bring the fixture into scope with `use path::to::{Self};`"
)]
pub trait Fixture: 'static {
    /// What the fixture function returns.
    type Value: Send + Sync + 'static;
    /// The fixture's name (its function's name).
    const NAME: &'static str;
    /// Its scope.
    const SCOPE: Scope;
    /// 1 + the depth of its deepest dependency: evaluating it finds cycles at compile time.
    const DEPTH: usize;
    /// Resolves the dependencies, calls the fixture function and sets the value up.
    fn build(ctx: Ctx) -> LocalBoxFuture<'static, Result<Node<Self::Value>>>;
}

/// `max` for const contexts.
pub const fn max_depth(depths: &[usize]) -> usize {
    let mut m = 0;
    let mut i = 0;
    while i < depths.len() {
        if depths[i] > m {
            m = depths[i];
        }
        i += 1;
    }
    m
}

/// A container reachable from a fixture, with the aliases other containers use for it.
#[derive(Clone)]
pub(crate) struct ContainerRef {
    pub(crate) def: ContainerDefinition,
    pub(crate) fixture: &'static str,
}

impl ContainerRef {
    fn aliases(&self) -> Vec<String> {
        let mut a = vec![self.fixture.to_string()];
        if self.def.name() != self.fixture {
            a.push(self.def.name().to_string());
        }
        a
    }
}

/// A resolved fixture value and the containers it (transitively) stands on.
pub struct Node<V> {
    value: Arc<V>,
    containers: Vec<ContainerRef>,
    /// Held by a test from cleaning the value until it ends (`#[clean]`).
    exclusive: Arc<tokio::sync::Mutex<()>>,
    /// For a value shared across processes: its files, whose `clean` lock `#[clean]` takes too.
    slot: Option<Slot>,
}

impl<V> Deref for Node<V> {
    type Target = V;
    fn deref(&self) -> &V {
        &self.value
    }
}

type Built = std::result::Result<Arc<dyn Any + Send + Sync>, Arc<Error>>;
type Cell = Arc<OnceCell<Built>>;

/// A value of a shared instance being built: its files, and either what another process
/// created (to adopt) or what this one creates (to record).
struct Sharing {
    slot: Slot,
    adopt: Option<Vec<Created>>,
    created: Mutex<Vec<Created>>,
}

struct Registered {
    fixture: &'static str,
    resource: Arc<dyn Tracked>,
}

/// The values of one scope instance.
pub(crate) struct ScopeInstance {
    pub(crate) label: String,
    short: String,
    cells: Mutex<HashMap<TypeId, Cell>>,
    resources: Mutex<Vec<Registered>>,
    network: tokio::sync::Mutex<Option<NetworkDefinition>>,
    connected: Mutex<HashSet<String>>,
    foreign: Mutex<Vec<(String, String)>>,
    pub(crate) keep: AtomicBool,
    torn_down: AtomicBool,
    /// Set when the processes of a run share this instance.
    shared: Option<Arc<SharedScope>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl ScopeInstance {
    pub(crate) fn new(label: String, short: &str) -> Arc<ScopeInstance> {
        Self::with_sharing(label, short, None)
    }

    /// An instance the processes of a run share when `shared` is set.
    pub(crate) fn with_sharing(
        label: String,
        short: &str,
        shared: Option<Arc<SharedScope>>,
    ) -> Arc<ScopeInstance> {
        let short = crate::text::name_safe(short);
        Arc::new(ScopeInstance {
            label,
            short,
            cells: Mutex::default(),
            resources: Mutex::default(),
            network: tokio::sync::Mutex::new(None),
            connected: Mutex::default(),
            foreign: Mutex::default(),
            keep: AtomicBool::new(false),
            torn_down: AtomicBool::new(false),
            shared,
        })
    }

    fn cell(&self, id: TypeId) -> Cell {
        lock(&self.cells).entry(id).or_default().clone()
    }

    fn register(&self, fixture: &'static str, resource: Arc<dyn Tracked>) {
        lock(&self.resources).push(Registered { fixture, resource });
    }

    /// The containers set up in this instance (for failure reports and keep instructions).
    pub(crate) fn containers(&self) -> Vec<(&'static str, ContainerDefinition)> {
        lock(&self.resources)
            .iter()
            .filter_map(|r| r.resource.container().map(|c| (r.fixture, c.clone())))
            .collect()
    }

    /// The Docker IDs (volume names) of everything set up in this instance.
    pub(crate) fn resource_ids(&self) -> Vec<String> {
        lock(&self.resources)
            .iter()
            .flat_map(|r| r.resource.docker_ids())
            .collect()
    }

    /// The network's name and ID, if this instance made one.
    pub(crate) async fn network_name(&self) -> Option<(String, String)> {
        let net = self.network.lock().await;
        let n = net.as_ref()?;
        Some((n.docker_name().ok()?, n.id().ok()?))
    }

    async fn ensure_network(&self, helper: &DockerHelper) -> Result<String> {
        let mut net = self.network.lock().await;
        if let Some(n) = net.as_ref() {
            return n.id();
        }
        let n = NetworkDefinition::new(format!("{}-net", self.short));
        n.setup(helper).await?;
        console::line(format!(
            "created network {} for {}",
            n.docker_name()?,
            self.label
        ));
        let id = n.id()?;
        *net = Some(n);
        Ok(id)
    }

    async fn connect(
        &self,
        helper: &DockerHelper,
        net: &str,
        c: &ContainerRef,
        own: bool,
    ) -> Result<()> {
        let id = c.def.id()?;
        if !lock(&self.connected).insert(id.clone()) {
            return Ok(());
        }
        crate::definitions::network::connect(helper, net, &id, &c.aliases()).await?;
        if !own {
            lock(&self.foreign).push((id, net.to_string()));
        }
        Ok(())
    }

    /// Removes everything, newest first: resources, then the links of shared containers to this
    /// instance's network, then the network. Returns the problems met (it carries on past them).
    pub(crate) async fn teardown(&self) -> Vec<String> {
        if self.torn_down.swap(true, Ordering::SeqCst) {
            return Vec::new();
        }
        let mut problems = Vec::new();
        let resources: Vec<Registered> = std::mem::take(&mut *lock(&self.resources));
        if let Some(shared) = &self.shared {
            // Other processes may still use them: the run watcher removes them at the run's end.
            if !resources.is_empty() {
                console::line(format!(
                    "{}: done in this process; its shared fixtures stay until {} ends",
                    self.label,
                    shared.run.describe()
                ));
            }
            return problems;
        }
        let keep = self.keep.load(Ordering::SeqCst);
        if keep {
            return problems;
        }
        for r in resources.iter().rev() {
            let name = r.resource.container().and_then(|c| c.docker_name().ok());
            match r.resource.teardown().await {
                Ok(()) => {
                    if let Some(name) = name {
                        console::line(format!("removed container {name} ({})", r.fixture));
                    }
                }
                Err(e) => problems.push(format!("fixture `{}`: {e}", r.fixture)),
            }
        }
        let net = self.network.lock().await.take();
        if let Some(net) = net {
            if let Ok(helper) = DockerHelper::shared().await {
                let foreign = std::mem::take(&mut *lock(&self.foreign));
                for (container, network) in foreign {
                    if let Err(e) =
                        crate::definitions::network::disconnect(&helper, &network, &container).await
                    {
                        problems.push(e.to_string());
                    }
                }
            }
            let name = net.docker_name().unwrap_or_default();
            match net.teardown().await {
                Ok(()) => console::line(format!("removed network {name}")),
                Err(e) => problems.push(e.to_string()),
            }
        }
        problems
    }
}

/// What a test run knows while it resolves fixtures.
pub(crate) struct TestState {
    pub(crate) module: &'static str,
    pub(crate) name: &'static str,
    pub(crate) helper: DockerHelper,
    pub(crate) function: Arc<ScopeInstance>,
    pub(crate) used: Mutex<Vec<Arc<ScopeInstance>>>,
    pub(crate) containers: Mutex<Vec<ContainerRef>>,
    exclusive: Mutex<Vec<tokio::sync::OwnedMutexGuard<()>>>,
    /// The `clean` locks of values shared across processes (closing one releases it).
    exclusive_files: Mutex<Vec<std::fs::File>>,
}

impl TestState {
    pub(crate) fn new(
        module: &'static str,
        name: &'static str,
        helper: DockerHelper,
    ) -> Arc<TestState> {
        Arc::new(TestState {
            module,
            name,
            helper,
            function: ScopeInstance::new(format!("test `{name}`"), name),
            used: Mutex::default(),
            containers: Mutex::default(),
            exclusive: Mutex::default(),
            exclusive_files: Mutex::default(),
        })
    }

    /// Ends the test's exclusive use of the values it cleaned.
    pub(crate) fn release_exclusive(&self) {
        lock(&self.exclusive_files).clear();
        lock(&self.exclusive).clear();
    }

    fn instance_for(&self, scope: Scope) -> Arc<ScopeInstance> {
        let instance = match scope {
            Scope::Function => return self.function.clone(),
            Scope::Module => super::registry::module_instance(self.module),
            Scope::Binary => super::registry::binary_instance(),
            Scope::Run => super::registry::run_instance(),
        };
        let mut used = lock(&self.used);
        if !used.iter().any(|u| Arc::ptr_eq(u, &instance)) {
            used.push(instance.clone());
        }
        instance
    }
}

/// The context a fixture is built in: the test, the scope instance it belongs to, and the
/// containers its dependencies stand on.
#[derive(Clone)]
pub struct Ctx {
    test: Arc<TestState>,
    scope: Arc<ScopeInstance>,
    fixture: &'static str,
    closure: Arc<Mutex<Vec<ContainerRef>>>,
    sharing: Option<Arc<Sharing>>,
}

impl Ctx {
    pub(crate) fn root(test: Arc<TestState>) -> Ctx {
        Ctx {
            scope: test.function.clone(),
            fixture: test.name,
            test,
            closure: Arc::default(),
            sharing: None,
        }
    }

    /// The value of fixture `F`, set up once per scope instance however many tests ask.
    pub async fn get<F: Fixture>(&self) -> Result<Arc<Node<F::Value>>> {
        let instance = self.test.instance_for(F::SCOPE);
        let cell = instance.cell(TypeId::of::<F>());
        let build = |sharing: Option<Arc<Sharing>>| {
            let ctx = Ctx {
                test: self.test.clone(),
                scope: instance.clone(),
                fixture: F::NAME,
                closure: Arc::default(),
                sharing,
            };
            async move {
                match AssertUnwindSafe(F::build(ctx)).catch_unwind().await {
                    Ok(Ok(node)) => Ok(Arc::new(node) as Arc<dyn Any + Send + Sync>),
                    Ok(Err(e)) => Err(Arc::new(e)),
                    Err(panic) => {
                        // Held back by the runner's hook: the setup failure reports it.
                        let message = match report::take_caught().pop() {
                            Some(c) => format!("{} (at {})", c.message, c.location),
                            None => report::panic_message(&*panic),
                        };
                        Err(Arc::new(Error::from(HarnessError::FixturePanicked {
                            fixture: F::NAME.to_string(),
                            message,
                        })))
                    }
                }
            }
        };
        let result = cell
            .get_or_init(|| async {
                match &instance.shared {
                    None => build(None).await,
                    Some(shared) => {
                        build_shared(shared, &instance.label, F::NAME, &self.test.helper, build)
                            .await
                    }
                }
            })
            .await
            .clone();
        let any = result.map_err(|e| {
            let (chain, source) = match &*e {
                Error::Fixture { chain, source } => {
                    (format!("{} -> {chain}", F::NAME), source.clone())
                }
                _ => (F::NAME.to_string(), e.clone()),
            };
            Error::Fixture { chain, source }
        })?;
        let node = any.downcast::<Node<F::Value>>().map_err(|_| {
            Error::from(HarnessError::Internal(format!(
                "fixture `{}` resolved to a value of another type",
                F::NAME
            )))
        })?;
        lock(&self.closure).extend(node.containers.iter().cloned());
        {
            let mut all = lock(&self.test.containers);
            for c in &node.containers {
                if !all
                    .iter()
                    .any(|x| x.def.id().ok() == c.def.id().ok() && x.fixture == c.fixture)
                {
                    all.push(c.clone());
                }
            }
        }
        Ok(node)
    }

    /// Cleans a resolved value for a `#[clean]` parameter.
    ///
    /// The test then has the value to itself until it ends: other `#[clean]` users of the same
    /// shared value wait, so parallel tests never see each other's state.
    pub async fn clean<V: Resource>(&self, node: &Node<V>, fixture: &'static str) -> Result<()> {
        let guard = node.exclusive.clone().lock_owned().await;
        lock(&self.test.exclusive).push(guard);
        if let Some(slot) = &node.slot {
            // Other processes' tests too: the lock is the slot's `clean` file.
            let file = slot.exclusive().await?;
            lock(&self.test.exclusive_files).push(file);
        }
        node.value.clean().await.map_err(|e| Error::Fixture {
            chain: format!("{fixture} (cleaning it for `#[clean]`)"),
            source: Arc::new(e),
        })
    }

    fn take_closure(&self) -> Vec<ContainerRef> {
        let mut seen = HashSet::new();
        std::mem::take(&mut *lock(&self.closure))
            .into_iter()
            .filter(|c| seen.insert((c.def.id().ok(), c.fixture)))
            .collect()
    }

    /// Finishes a fixture whose value is a [`Resource`]: sets it up on the right network.
    pub async fn finish_resource<V: Resource>(self, value: V) -> Result<Node<V>> {
        let value = Arc::new(value);
        self.scope.register(self.fixture, value.clone());
        let closure = self.take_closure();
        let slot = self.sharing.as_ref().map(|s| s.slot.clone());
        if let Some(sharing) = self.sharing.clone() {
            if let Some(created) = &sharing.adopt {
                return self.adopt(value, created, closure).await;
            }
        }
        let helper = match &self.sharing {
            Some(s) => self.test.helper.for_shared(s.slot.owner()),
            None => self.test.helper.clone(),
        };
        let mut attach = Attachment::default();
        let is_container = value.container().is_some();
        if is_container {
            attach.aliases.push(self.fixture.to_string());
            if !closure.is_empty() {
                let net = self.scope.ensure_network(&helper).await?;
                for c in &closure {
                    let own = lock(&self.scope.resources).iter().any(|r| {
                        r.resource.container().and_then(|x| x.id().ok()) == c.def.id().ok()
                    });
                    self.scope.connect(&helper, &net, c, own).await?;
                }
                attach.network = Some(net);
            }
        }
        // Named and labelled after the fixture, which the lifecycle lines and the alias say too.
        value
            .setup_attached(&helper.for_fixture(self.fixture), &attach)
            .await?;
        let mut containers = closure;
        if let Some(c) = value.container() {
            if attach.network.is_some() {
                lock(&self.scope.connected).insert(c.id()?);
            }
            report::container_ready(self.fixture, c).await;
            containers.push(ContainerRef {
                def: c.clone(),
                fixture: self.fixture,
            });
        }
        if let Some(s) = &self.sharing {
            lock(&s.created).extend(value.created());
        }
        Ok(Node {
            value,
            containers,
            exclusive: Arc::default(),
            slot,
        })
    }

    /// Takes on what another process of the run set up for this value.
    async fn adopt<V: Resource>(
        self,
        value: Arc<V>,
        created: &[Created],
        mut containers: Vec<ContainerRef>,
    ) -> Result<Node<V>> {
        let helper = self.test.helper.for_fixture(self.fixture);
        value.adopt_created(&helper, created).await?;
        let run = self.sharing.as_ref().map(|s| s.slot.run_name());
        if let Some(c) = value.container() {
            console::line(format!(
                "attached to container {} ({}) of {}, shared by {}",
                c.docker_name()?,
                self.fixture,
                self.scope.label,
                run.unwrap_or_default()
            ));
            containers.push(ContainerRef {
                def: c.clone(),
                fixture: self.fixture,
            });
        }
        Ok(Node {
            value,
            containers,
            exclusive: Arc::default(),
            slot: self.sharing.as_ref().map(|s| s.slot.clone()),
        })
    }

    /// Finishes a fixture whose value is plain data.
    pub async fn finish_plain<V: Send + Sync + 'static>(self, value: V) -> Result<Node<V>> {
        Ok(Node {
            value: Arc::new(value),
            containers: self.take_closure(),
            exclusive: Arc::default(),
            slot: self.sharing.as_ref().map(|s| s.slot.clone()),
        })
    }
}

/// Builds a value of a shared instance: under the slot's lock, fails at once with a recorded
/// failure, adopts a recorded value, or builds it here and records the outcome.
async fn build_shared<Fut>(
    shared: &SharedScope,
    instance: &str,
    fixture: &'static str,
    helper: &DockerHelper,
    build: impl FnOnce(Option<Arc<Sharing>>) -> Fut,
) -> Built
where
    Fut: std::future::Future<Output = Built>,
{
    let slot = shared.slot(helper.address(), fixture);
    let claim = slot.claim().await.map_err(Arc::new)?;
    let run = shared.run.describe();
    match claim.read() {
        Some(Record::Failed { chain, message }) => {
            console::line(format!(
                "`{fixture}` of {instance} failed to set up in another process of {run}"
            ));
            Err(Arc::new(Record::error(chain, message, shared.run)))
        }
        Some(Record::Ready(created)) => {
            build(Some(Arc::new(Sharing {
                slot,
                adopt: Some(created),
                created: Mutex::default(),
            })))
            .await
        }
        None => {
            claim.prepare(helper).await.map_err(Arc::new)?;
            let sharing = Arc::new(Sharing {
                slot,
                adopt: None,
                created: Mutex::default(),
            });
            let built = build(Some(sharing.clone())).await;
            let record = match &built {
                Ok(_) => {
                    console::line(format!(
                        "set up `{fixture}` of {instance} for {run}, which shares it"
                    ));
                    Record::Ready(std::mem::take(&mut *lock(&sharing.created)))
                }
                Err(e) => Record::failure(e),
            };
            if let Err(e) = claim.write(&record) {
                console::warn(format!(
                    "could not record shared fixture `{fixture}`: {e}; other processes set it up again"
                ));
            }
            built
        }
    }
}

/// Picks `finish_resource` or `finish_plain` by the value's type (autoref specialisation): the
/// macro writes `(&Probe::new(&value)).__seaworthy_kind().finish(ctx, value)`.
pub struct Probe<T>(std::marker::PhantomData<T>);

impl<T> Probe<T> {
    /// A probe for the type of `_value`.
    pub fn new(_value: &T) -> Self {
        Probe(std::marker::PhantomData)
    }
}

/// The error of a fallible fixture function that returned `Err(error)`.
pub fn fixture_failed(fixture: &str, error: &dyn std::fmt::Display) -> Error {
    Error::from(HarnessError::FixtureFailed {
        fixture: fixture.to_string(),
        message: error.to_string(),
    })
}

/// Chosen when the value is a [`Resource`].
pub struct ResourceTag;
/// Chosen for every other value.
pub struct PlainTag;

/// Selects [`ResourceTag`].
pub trait ViaResource {
    /// The tag.
    fn __seaworthy_kind(&self) -> ResourceTag {
        ResourceTag
    }
}
impl<T: Resource> ViaResource for Probe<T> {}

/// Selects [`PlainTag`].
pub trait ViaPlain {
    /// The tag.
    fn __seaworthy_kind(&self) -> PlainTag {
        PlainTag
    }
}
impl<T> ViaPlain for &Probe<T> {}

impl ResourceTag {
    /// Sets the value up as a resource.
    pub async fn finish<V: Resource>(self, ctx: Ctx, value: V) -> Result<Node<V>> {
        ctx.finish_resource(value).await
    }
}

impl PlainTag {
    /// Keeps the value as plain data.
    pub async fn finish<V: Send + Sync + 'static>(self, ctx: Ctx, value: V) -> Result<Node<V>> {
        ctx.finish_plain(value).await
    }
}
