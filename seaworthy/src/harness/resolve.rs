//! Fixture resolution: the [`Fixture`] trait the `#[fixture]` macro implements, a test's state
//! while its fixtures are resolved, and the [`Resolver`] each fixture is built in, which finds
//! its value in the right scope instance or builds it there (under the run's lock when the
//! instance is shared across processes).

use std::any::{Any, TypeId};
use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;

use super::context::{Scratch, TestContext};
use super::finalizers::Finalizer;
use super::fixture::{Node, Scope};
use super::instance::{Built, ContainerRef, ScopeInstance};
use super::lock;
use super::report;
use super::resource::{Created, Resource, Tracked};
use super::share::{Record, SharedScope, Slot};
use crate::console;
use crate::definitions::Attachment;
use crate::error::{Error, HarnessError, Result};
use crate::helper::DockerHelper;

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
    fn build(ctx: Resolver) -> LocalBoxFuture<'static, Result<Node<Self::Value>>>;
}

/// A value of a shared instance being built: its files, and either what another process
/// created (to adopt) or what this one creates (to record).
struct Sharing {
    slot: Slot,
    adopt: Option<Vec<Created>>,
    created: Mutex<Vec<Created>>,
}

/// What a test run knows while it resolves fixtures.
pub(crate) struct TestState {
    pub(crate) module: &'static str,
    pub(crate) name: &'static str,
    pub(crate) helper: DockerHelper,
    pub(crate) function: Arc<ScopeInstance>,
    pub(crate) used: Mutex<Vec<Arc<ScopeInstance>>>,
    pub(crate) containers: Mutex<Vec<ContainerRef>>,
    /// The containers being set up right now (for the report of a test that timed out).
    pub(crate) in_setup: Mutex<Vec<ContainerRef>>,
    /// The test's scratch directory, made when a `#[context]` asks for it.
    pub(crate) scratch: Arc<Scratch>,
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
            in_setup: Mutex::default(),
            scratch: Arc::new(Scratch::new(module, name)),
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

/// What a fixture is built in: the test, the scope instance it belongs to, and the containers
/// its dependencies stand on. It finds each fixture's value or builds it.
#[derive(Clone)]
pub struct Resolver {
    test: Arc<TestState>,
    /// The teardown code the fixture registers while it is built; `None` for the test's own.
    pending: Option<Arc<Mutex<Vec<Finalizer>>>>,
    scope: Arc<ScopeInstance>,
    fixture: &'static str,
    closure: Arc<Mutex<Vec<ContainerRef>>>,
    sharing: Option<Arc<Sharing>>,
}

impl Resolver {
    pub(crate) fn root(test: Arc<TestState>) -> Resolver {
        Resolver {
            scope: test.function.clone(),
            fixture: test.name,
            test,
            pending: None,
            closure: Arc::default(),
            sharing: None,
        }
    }

    /// The value of fixture `F`, set up once per scope instance however many tests ask.
    pub async fn get<F: Fixture>(&self) -> Result<Arc<Node<F::Value>>> {
        let instance = self.test.instance_for(F::SCOPE);
        let cell = instance.cell(TypeId::of::<F>());
        let build = |sharing: Option<Arc<Sharing>>| {
            let pending: Arc<Mutex<Vec<Finalizer>>> = Arc::default();
            let registered = pending.clone();
            let instance = instance.clone();
            let ctx = Resolver {
                test: self.test.clone(),
                pending: Some(pending),
                scope: instance.clone(),
                fixture: F::NAME,
                closure: Arc::default(),
                sharing,
            };
            async move {
                let built = AssertUnwindSafe(F::build(ctx)).catch_unwind().await;
                // Whatever the outcome: teardown code registered before a failure still runs.
                for f in std::mem::take(&mut *lock(&registered)) {
                    instance.add_finalizer(F::NAME, f);
                }
                match built {
                    Ok(Ok(node)) => Ok(Arc::new(node) as Arc<dyn Any + Send + Sync>),
                    Ok(Err(e)) => Err(Arc::new(e)),
                    Err(panic) => {
                        // Held back by the runner's hook: the setup failure reports it.
                        let caught = report::take_caught().pop();
                        if let Some(reason) = super::skip::reason_of_panic(&*panic) {
                            return Err(Arc::new(Error::from(HarnessError::Skipped { reason })));
                        }
                        let message = match caught {
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

    /// The context for a `#[context]` parameter.
    pub fn context(&self) -> Arc<Node<TestContext>> {
        let fixture = self.pending.is_some().then_some(self.fixture);
        let value = Arc::new(TestContext::new(
            (self.test.module, self.test.name),
            self.test.scratch.clone(),
            fixture,
            self.scope.clone(),
            self.pending.clone(),
        ));
        // Borrowed as a fixture value is: `&**node`.
        Arc::new(Node {
            value,
            containers: Vec::new(),
            exclusive: Arc::default(),
            slot: None,
        })
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
        let closure = self.take_closure();
        let reuse = self.reuse_identity(&*value, &closure);
        self.scope
            .register(self.fixture, value.clone(), reuse.is_some());
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
                    let own = self.scope.owns(&c.def.id()?);
                    self.scope.connect(&helper, &net, c, own).await?;
                }
                attach.network = Some(net);
            }
        }
        let in_setup = value.container().map(|c| ContainerRef {
            def: c.clone(),
            fixture: self.fixture,
        });
        lock(&self.test.in_setup).extend(in_setup);
        // Named and labelled after the fixture, which the lifecycle lines and the alias say too.
        let mut fixture_helper = helper.for_fixture(self.fixture);
        if let Some((identity, dependencies)) = &reuse {
            fixture_helper = fixture_helper.for_reuse(identity, dependencies);
        }
        let set_up = value.setup_attached(&fixture_helper, &attach).await;
        lock(&self.test.in_setup).retain(|c| c.fixture != self.fixture);
        set_up?;
        let mut containers = closure;
        if let Some(c) = value.container() {
            match (&attach.network, &reuse) {
                // Kept between runs: on this run's network as one more, left at the end.
                (Some(net), Some(_)) => self.scope.joined_reused(c.id()?, net),
                (Some(_), None) => {
                    lock(&self.scope.connected).insert(c.id()?);
                }
                (None, _) => {}
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

    /// What `value` stands for when it is kept between runs (`SEAWORTHY_REUSE` on): its scope
    /// and fixture, and its dependencies; `None` when it is not kept: reuse is off, the scope is a test's,
    /// or the value is not a container or a volume (a Compose stack, an image, a network).
    fn reuse_identity<V: Resource>(
        &self,
        value: &V,
        closure: &[ContainerRef],
    ) -> Option<(String, String)> {
        if !crate::cleanup::reuse::reuse_on() || Arc::ptr_eq(&self.scope, &self.test.function) {
            return None;
        }
        let any: &dyn Any = value;
        let kind = if value.container().is_some() {
            "container"
        } else if any.is::<crate::definitions::VolumeDefinition>() {
            "volume"
        } else {
            return None;
        };
        let mut deps: Vec<String> = closure
            .iter()
            .map(|c| format!("{}={}", c.fixture, c.def.id().unwrap_or_default()))
            .collect();
        deps.sort();
        // Where: the package (the working directory cargo gives tests) and, but for the run
        // scope, which the run's binaries share, the test binary.
        let dir = std::env::current_dir().unwrap_or_default();
        let binary = if Arc::ptr_eq(&self.scope, &super::registry::run_instance()) {
            String::new()
        } else {
            std::env::current_exe()
                .ok()
                .and_then(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
                .unwrap_or_default()
        };
        let identity = format!(
            "{kind} `{}` of {} in {} {binary} on {}",
            self.fixture,
            self.scope.label,
            dir.display(),
            self.test.helper.address(),
        );
        Some((identity, deps.join(", ")))
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
                // A skip is no failure: each process runs the fixture and skips on its own.
                Err(e) if super::skip::of_error(e).is_some() => return built,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static BUILT: AtomicUsize = AtomicUsize::new(0);
    static MODULE_BUILT: AtomicUsize = AtomicUsize::new(0);

    #[crate::fixture]
    fn counted() -> usize {
        BUILT.fetch_add(1, Ordering::SeqCst)
    }

    #[crate::fixture(scope = "module")]
    fn per_module() -> usize {
        MODULE_BUILT.fetch_add(1, Ordering::SeqCst)
    }

    #[crate::fixture]
    fn broken() -> std::result::Result<u8, String> {
        Err("the seed file is missing".into())
    }

    #[crate::fixture]
    fn above_broken(broken: &u8) -> u8 {
        *broken
    }

    #[crate::fixture]
    fn panicking() -> u8 {
        panic!("boom")
    }

    fn test_state(module: &'static str) -> Arc<TestState> {
        let helper = crate::runtime::block_on(DockerHelper::shared())
            .expect("the resolution tests run where the harness's own tests do: with Docker");
        TestState::new(module, "t", helper)
    }

    #[test]
    fn a_function_scoped_value_is_built_once_per_test() {
        let (one, two) = (test_state("m::a"), test_state("m::a"));
        crate::runtime::block_on(async {
            let first = Resolver::root(one.clone())
                .get::<counted>()
                .await
                .expect("built");
            let again = Resolver::root(one.clone())
                .get::<counted>()
                .await
                .expect("found");
            assert!(Arc::ptr_eq(&first, &again), "one value per test");
            let other = Resolver::root(two.clone())
                .get::<counted>()
                .await
                .expect("built");
            assert_eq!(**other, **first + 1, "another test builds its own");
        });
        assert!(
            lock(&one.used).is_empty(),
            "the function scope is the test's own"
        );
    }

    #[test]
    fn a_module_scoped_value_is_shared_by_the_module_s_tests() {
        let (one, two) = (test_state("m::shared"), test_state("m::shared"));
        let other = test_state("m::elsewhere");
        crate::runtime::block_on(async {
            let a = Resolver::root(one.clone())
                .get::<per_module>()
                .await
                .expect("built");
            let b = Resolver::root(two.clone())
                .get::<per_module>()
                .await
                .expect("found");
            let c = Resolver::root(other)
                .get::<per_module>()
                .await
                .expect("built");
            assert!(Arc::ptr_eq(&a, &b));
            assert_eq!(**c, **a + 1, "another module builds its own");
        });
        let used = lock(&one.used);
        assert_eq!(used.len(), 1);
        assert_eq!(used[0].label, "module `m::shared`");
    }

    #[test]
    fn a_failure_names_the_chain_of_fixtures_down_to_its_cause() {
        let test = test_state("m::b");
        let e = crate::runtime::block_on(Resolver::root(test).get::<above_broken>())
            .err()
            .expect("a broken dependency fails");
        match e {
            Error::Fixture { chain, source } => {
                assert_eq!(chain, "above_broken -> broken");
                assert!(
                    matches!(&*source, Error::Harness(HarnessError::FixtureFailed { fixture, message })
                        if fixture == "broken" && message == "the seed file is missing"),
                    "{source:?}"
                );
            }
            other => panic!("expected a fixture chain, got {other:?}"),
        }
    }

    #[test]
    fn a_panicking_fixture_is_an_error_not_a_crash() {
        let test = test_state("m::c");
        let e = crate::runtime::block_on(Resolver::root(test).get::<panicking>())
            .err()
            .expect("the panic is caught");
        let Error::Fixture { chain, source } = e else {
            panic!("expected a fixture error, got {e:?}");
        };
        assert_eq!(chain, "panicking");
        assert!(
            matches!(&*source, Error::Harness(HarnessError::FixturePanicked { fixture, message })
                if fixture == "panicking" && message.starts_with("boom")),
            "{source:?}"
        );
    }
}
